"""Shared fixtures: a small, self-contained partnership config for tests that must not depend on demo data."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

MINIMAL_CONFIG = {
    "partnership.yaml": """
        name: Test partnership
        sender: workflows@partnership.example
        business_unit_email: business.unit@partnership.example
    """,
    "calendar.yaml": """
        day_ends_at: "23:59:59"
        working_hours: {start: "09:00", end: "17:30"}
        at_risk_within: 2 working days
        calendars:
          partnership:
            closures:
              2027-12-24: Council Christmas shutdown
    """,
    "roles.yaml": """
        roles:
          business-manager: {title: Business manager}
          partnership-chair: {title: Partnership chair}
          dsp-local-authority: {title: DSP for the local authority}
          agency-safeguarding-lead: {title: Agency safeguarding lead, scope: agency}
    """,
    "agencies.yaml": """
        agencies:
          city-council: {name: City Council, kind: local-authority, audits: [section-11]}
          police: {name: Police, kind: police, audits: [section-11]}
          oak-primary: {name: Oak Primary School, kind: school, audits: [section-175]}
    """,
    "people.yaml": """
        people:
          - name: Bea Manager
            email: bea@partnership.example
            holds: [{role: business-manager}]
          - name: Cal Chair
            email: cal@partnership.example
            holds: [{role: partnership-chair}, {role: dsp-local-authority}]
          - name: Lee Lead
            email: lee@council.example
            holds: [{role: agency-safeguarding-lead, agency: city-council}]
          - name: Pat Police
            email: pat@police.example
            holds: [{role: agency-safeguarding-lead, agency: police}]
    """,
}


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_files(tmp_path / "config", MINIMAL_CONFIG)


@pytest.fixture
def minimal_config(config_dir: Path):
    from workflows.config.loader import load_config

    return load_config(config_dir)


DEMO_PROCESS = """\
id: demo
title: Demo process
version: 1
calendar: partnership
reference: "DM-{year}-{seq:3}"
extension_approver: partnership-chair
pause:
  reasons: {criminal-proceedings: Parallel criminal proceedings}
facts:
  notified_on: {type: date, required: true}
  agencies: {type: agency-list}
  child_name: {type: text, sensitive: true}
stages:
  request:
    title: Request returns
    owner: business-manager
    due: {in: 1 working day, from: "fact:notified_on"}
  gather:
    title: Gather returns
    owner: agency-safeguarding-lead
    after: [request]
    for_each: agencies
    due: {in: 10 working days, from: "fact:notified_on"}
    reminders: {before: [2 working days], on_due_day: true, overdue_every: 1 working day}
    escalation:
      - {after: 1 working day, notify: business-manager}
      - {after: 3 working days, notify: dsp-local-authority}
  decide:
    title: Decide
    owner: dsp-local-authority
    after: [gather]
    due: {in: 5 working days, from: "stage:gather"}
    decision:
      when_unresolved: escalate
      options:
        resolved: {label: Resolved}
        escalate: {label: Escalate, then: [chair-review]}
  chair-review:
    title: Chair reviews
    owner: partnership-chair
    due: {in: 2 working days, from: opened}
"""


@pytest.fixture
def demo(tmp_path: Path, minimal_config):
    """The demo process, loaded and checked like a shipped one, with its timing rules."""
    from workflows.definitions.library import load_library

    folder = write_files(tmp_path / "processes", {"demo.yaml": DEMO_PROCESS})
    process = load_library([folder], minimal_config).get("demo")
    return process, minimal_config.timing_rules(process)


@pytest.fixture
def demo_text() -> str:
    return DEMO_PROCESS


@pytest.fixture
def load_processes(tmp_path: Path, minimal_config):
    """Load YAML texts (file name -> text) as a checked library against the minimal config."""
    from workflows.definitions.library import load_library

    def load(files: dict[str, str]):
        return load_library([write_files(tmp_path / "library", files)], minimal_config)

    return load


POSTGRES_URL_VARIABLE = "WORKFLOWS_TEST_POSTGRES_URL"


@pytest.fixture
def postgres_url():
    """A PostgreSQL URL whose connections use a fresh schema of their own, dropped afterwards."""
    from sqlalchemy import create_engine, text

    base = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base:
        pytest.fail(f"set {POSTGRES_URL_VARIABLE} (make test sets it to this machine's PostgreSQL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """Each store test runs twice: on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workflows.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def set_clock(monkeypatch):
    """Set WORKFLOWS_NOW, as a rehearsal would."""

    def set_to(moment: str) -> None:
        monkeypatch.setenv("WORKFLOWS_NOW", moment)

    return set_to


@pytest.fixture
def shipped_runtime(db_url):
    """The shipped config and process library on a fresh database."""
    from workflows.operations.runtime import Runtime

    runtime = Runtime.open(REPO / "config", REPO / "processes", db_url)
    yield runtime
    runtime.db.dispose()
