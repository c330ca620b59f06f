"""`validate DRAFT` and `simulate DRAFT`: the business unit tries a draft against config/ and the library in
processes/ before it goes in. Run as a user runs them, in a scratch folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[2] / "processes"

DRAFT = """\
id: new-rapid-review
title: Rapid review (draft with a quicker panel)
version: 1
calendar: partnership
reference: "NRR-{year}-{seq:3}"
facts:
  notification_date: {type: date, required: true}
  agencies: {type: agency-list, required: true}
stages:
  panel-meeting:
    title: Quick panel
    owner: practice-review-group-chair
    due: {in: 5 working days, from: "fact:notification_date"}
  dsp-decision:
    title: Decide
    owner: dsp-local-authority
    after: [panel-meeting]
    due: {in: 10 working days, from: "fact:notification_date"}
    decision:
      options:
        cspr:
          label: Commission a CSPR
          starts: cspr
          facts: {decision_date: decided, agencies: "fact:agencies"}
        no-further-review: {label: No further review}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return Path(folder.name) / name  # as the user types it, from the scratch folder


def test_a_draft_named_anything_is_checked_against_config_and_the_library(workflows_without_database, tmp_path):
    draft = write(tmp_path / "drafts", "trying-a-quicker-panel.yaml", DRAFT)  # `starts: cspr` is shipped
    result = workflows_without_database("validate", str(draft))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 process definition valid against ")
    assert result.stderr == ""
    assert not (tmp_path / "var").exists()


def test_a_draft_is_checked_against_the_facts_of_the_shipped_process_it_starts(workflows_without_database, tmp_path):
    draft = write(tmp_path / "drafts", "new.yaml", DRAFT.replace("decision_date: decided", "decison_date: decided"))
    result = workflows_without_database("validate", str(draft))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{draft}:23:19: 'cspr' requires fact 'decision_date': hand it over under 'facts'",
        f"{draft}:24:33: process 'cspr' has no fact 'decison_date' (did you mean 'decision_date'?)",
        "2 problems found",
    ]


def test_a_draft_with_a_shipped_id_stands_in_for_it_and_says_so(workflows_without_database, tmp_path):
    draft = write(tmp_path / "drafts", "rr.yaml", (SHIPPED / "rapid-review.yaml").read_text())
    result = workflows_without_database("validate", str(draft))
    assert result.returncode == 0, result.stderr
    shipped = SHIPPED / "rapid-review.yaml"
    assert result.stderr == f"note: {draft} replaces {shipped} for this check\n"


def test_a_draft_that_stands_in_is_checked_against_the_library_processes_that_start_it(
    workflows_without_database, tmp_path
):
    text = (SHIPPED / "rapid-review.yaml").read_text()
    text = text.replace("  notification_id:\n    type: text\n", "  notification_ref:\n    type: text\n")
    draft = write(tmp_path / "drafts", "rr.yaml", text)
    result = workflows_without_database("validate", str(draft))
    assert result.returncode == 1
    note, problem, count = result.stderr.splitlines()
    assert note.startswith(f"note: {draft} replaces ")
    # The serious incident notification hands the rapid review a fact the draft no longer has.
    assert problem.startswith(f"{SHIPPED / 'serious-incident-notification.yaml'}:")
    assert "process 'rapid-review' has no fact 'notification_id' (did you mean " in problem
    assert "'notification_ref'" in problem.split("did you mean")[1]
    assert count == "1 problem found"


def test_only_a_file_in_processes_must_be_named_after_its_id(workflows_without_database, tmp_path):
    library = tmp_path / "processes"
    shutil.copytree(SHIPPED, library)
    write(library, "quicker-panel.yaml", DRAFT)
    write(tmp_path / "drafts", "quicker-panel.yaml", DRAFT)
    env = {"WORKFLOWS_PROCESSES": str(library)}
    in_library = workflows_without_database("validate", extra_env=env)
    assert in_library.returncode == 1
    assert in_library.stderr.splitlines() == [
        f"{library / 'quicker-panel.yaml'}:1:5: id 'new-rapid-review' must match the file name 'quicker-panel'",
        "1 problem found",
    ]
    (library / "quicker-panel.yaml").unlink()
    assert workflows_without_database("validate", "drafts/quicker-panel.yaml", extra_env=env).returncode == 0


def test_simulate_runs_a_draft_given_as_a_path(workflows_without_database, tmp_path):
    draft = write(tmp_path / "drafts", "new.yaml", DRAFT)
    result = workflows_without_database("simulate", str(draft), "--start", "2026-12-18", "--json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    assert {event["stage"] for event in events} == {None, "panel-meeting", "dsp-decision"}
    assert {"at": "2026-12-29T23:59:00+00:00", "kind": "due", "stage": "panel-meeting", "to": None} in [
        {**event, "to": None} for event in events
    ]
    table = workflows_without_database("simulate", str(draft), "--start", "2026-12-18")
    assert "Rapid review (draft with a quicker panel) (new-rapid-review v1)" in table.stdout


def test_simulate_of_a_draft_standing_in_for_a_shipped_process_says_so(workflows_without_database, tmp_path):
    text = (SHIPPED / "rapid-review.yaml").read_text().replace("in: 15 working days", "in: 20 working days")
    draft = write(tmp_path / "drafts", "rr.yaml", text)
    result = workflows_without_database("simulate", str(draft), "--start", "2026-12-18", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"note: {draft} replaces {SHIPPED / 'rapid-review.yaml'} for this check\n"
    final = [e for e in json.loads(result.stdout) if e["kind"] == "due" and e["stage"] == "send-to-panel"]
    assert final == [
        {"at": "2027-01-21T23:59:00+00:00", "kind": "due", "stage": "send-to-panel", "to": "business-manager"}
    ]


def test_simulate_of_a_broken_draft_lists_its_problems_and_runs_nothing(workflows_without_database, tmp_path):
    text = DRAFT.replace("owner: dsp-local-authority", "owner: dsp-local-authorty").replace("in: 5 working", "in: 5")
    draft = write(tmp_path / "drafts", "new.yaml", text)
    result = workflows_without_database("simulate", str(draft), "--start", "2026-12-18")
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 problems found"
    assert any("unknown role 'dsp-local-authorty' (did you mean 'dsp-local-authority'" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_simulate_of_a_missing_draft_says_so_in_one_line(workflows_without_database):
    result = workflows_without_database("simulate", "drafts/nowhere.yaml", "--start", "2026-12-18")
    assert result.returncode == 1
    assert result.stderr == "error: drafts/nowhere.yaml: no such file\n"


def test_simulate_still_takes_a_library_process_id(workflows_without_database):
    result = workflows_without_database("simulate", "rapid-reveiw", "--start", "2026-12-18")
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown process 'rapid-reveiw' (did you mean 'rapid-review'?); known: ")
