"""`workflows catalogue` as a user runs it: the files it writes, what it prints, and one clear line for each
mistake, with exit status 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from catalogue_helpers import PROCESSES, REPO, SHIPPED_IDS
from click.testing import CliRunner, Result

from workflows.cli.main import cli

EXPECTED_FILES = sorted(
    [f"{process_id}.{kind}" for process_id in SHIPPED_IDS for kind in ("md", "html", "svg")]
    + ["index.md", "index.html"]
)


def run_catalogue(*args: str, config: Path = REPO / "config", processes: Path = PROCESSES) -> Result:
    env = {"WORKFLOWS_CONFIG": str(config), "WORKFLOWS_PROCESSES": str(processes), "WORKFLOWS_DB_URL": None}
    return CliRunner().invoke(cli, ["catalogue", *args], env=env, catch_exceptions=False)


def files_in(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_it_writes_every_page_and_the_index_and_says_so(tmp_path):
    output = tmp_path / "out" / "catalogue"  # made, parents and all
    result = run_catalogue("--output", str(output))
    assert result.exit_code == 0, result.output
    assert sorted(files_in(output)) == EXPECTED_FILES
    lines = result.stdout.splitlines()
    assert sorted(lines[:-1]) == sorted(f"wrote {output / name}" for name in EXPECTED_FILES)
    assert lines[-1] == f"catalogue: {len(SHIPPED_IDS)} processes, {len(EXPECTED_FILES)} files in {output}"
    assert result.stderr == ""


def test_two_runs_write_identical_files(tmp_path):
    for name in ("first", "second"):
        assert run_catalogue("--output", str(tmp_path / name)).exit_code == 0
    assert files_in(tmp_path / "first") == files_in(tmp_path / "second")


def test_the_default_folder_is_catalogue_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_catalogue().exit_code == 0
    assert sorted(files_in(tmp_path / "catalogue")) == EXPECTED_FILES
    assert sorted(path.name for path in tmp_path.iterdir()) == ["catalogue"]  # no database, nothing else


def test_start_moves_the_typical_case(tmp_path):
    assert run_catalogue("--output", str(tmp_path / "later"), "--start", "2027-03-01").exit_code == 0
    page = (tmp_path / "later" / "rapid-review.md").read_text(encoding="utf-8")
    assert "The case starts Mon 1 Mar 2027 09:00 (London time)." in page


@pytest.mark.parametrize(
    ("make_output", "message"),
    [
        (lambda tmp: tmp / "a-file.txt", "it is a file, not a folder"),
        (lambda tmp: tmp / "a-file.txt" / "below", "cannot write the catalogue to"),
    ],
)
def test_an_output_that_cannot_be_a_folder_is_one_line_and_status_2(tmp_path, make_output, message):
    (tmp_path / "a-file.txt").write_text("not a folder", encoding="utf-8")
    result = run_catalogue("--output", str(make_output(tmp_path)))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: ") and message in result.stderr


@pytest.mark.parametrize("start", ["next monday", "2027-02-30", "1850-01-01"])
def test_a_bad_start_is_one_line_and_status_2(tmp_path, start):
    result = run_catalogue("--output", str(tmp_path / "out"), "--start", start)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: --start")
    assert not (tmp_path / "out").exists()


def test_a_config_that_does_not_load_is_one_line_and_status_2(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    with (config / "roles.yaml").open("a", encoding="utf-8") as roles:
        roles.write("roles: [\n")
    result = run_catalogue("--output", str(tmp_path / "out"), config=config)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: config does not load: ") and "roles.yaml" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_broken_process_file_is_left_out_and_reported(tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(PROCESSES, processes)
    broken = processes / "rapid-review.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("title: Rapid review", "title: [Rapid", 1))
    result = run_catalogue("--output", str(tmp_path / "out"), processes=processes)
    assert result.exit_code == 2
    warning, error = result.stderr.splitlines()
    assert warning.startswith("warning: ") and "rapid-review.yaml" in warning
    assert error == "error: 1 process file left out for their problems: rapid-review (workflows validate lists them)"
    written = files_in(tmp_path / "out")
    assert sorted(written) == [name for name in EXPECTED_FILES if not name.startswith("rapid-review.")]
    assert b"rapid-review" in written["index.md"] and b"left out" in written["index.html"].lower()
    # The page of the process that would start the broken one names it without a link to a page that is not there.
    assert b"](rapid-review.md)" not in written["serious-incident-notification.md"]


def test_it_opens_no_database_and_imports_neither_prefect_nor_sqlalchemy(tmp_path):
    probe = (
        "import sys\n"
        f"sys.argv = ['workflows', 'catalogue', '--output', {str(tmp_path / 'out')!r}]\n"
        "from workflows.cli.main import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'sqlalchemy'})\n"
        "store = sorted(m for m in sys.modules if m.startswith(('workflows.store', 'workflows.operations')))\n"
        "print('LOADED:', loaded, store)\n"
    )
    env = {"WORKFLOWS_CONFIG": str(REPO / "config"), "WORKFLOWS_PROCESSES": str(PROCESSES), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "LOADED: [] []"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]
