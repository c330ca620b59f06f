"""What the commands write is safe to write (issue 21, class 2): a report or a catalogue is written whole or not at
all (a full disk, here a file-size limit the kernel enforces, leaves the old files as they were), never through a
link out of the output folder; a workbook is never printed to a terminal; `--output -` is standard output."""

from __future__ import annotations

import os
import pty
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = str(Path(sys.executable).parent / "workflows")
LIMIT = 2048  # bytes: a report or a catalogue page is larger, so writing one fails as on a full disk


def run(
    folder: Path, *args: str, file_limit: int | None = None, db_url: str | None = None, **kwargs
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WORKFLOWS_CONFIG": str(REPO / "config"),
        "WORKFLOWS_PROCESSES": str(REPO / "processes"),
        "WORKFLOWS_NOW": "2027-01-11T10:00",
    }
    env.pop("WORKFLOWS_DB_URL", None)
    if db_url:
        env["WORKFLOWS_DB_URL"] = db_url

    def limited() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([WORKFLOWS, *args], cwd=folder, env=env, preexec_fn=limited, timeout=120, **kwargs)


def started(folder: Path, db_url: str | None = None) -> None:
    made = run(folder, "init", db_url=db_url, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    result = run(folder, "start", "section-11-audit", db_url=db_url, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_report_that_cannot_be_written_leaves_the_old_file_as_it_was(tmp_path, postgres_url):
    """On PostgreSQL, so that the limit falls on the report alone (an SQLite file would meet it first)."""
    started(tmp_path, postgres_url)
    old = tmp_path / "report.xlsx"
    report = ("report", "--format", "xlsx", "--output", str(old))
    written = run(tmp_path, *report, db_url=postgres_url, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    before = old.read_bytes()
    assert len(before) > LIMIT
    # The workbook fails in openpyxl's own temporary files; the csv, made in memory, fails writing the file itself.
    for output_format in ("xlsx", "csv"):
        again = ("report", "--format", output_format, "--output", str(old))
        full = run(tmp_path, *again, file_limit=LIMIT // 4, db_url=postgres_url, capture_output=True, text=True)
        assert full.returncode == 2 and full.stderr.startswith("error: --output"), full.stderr
        assert "nothing was changed" in full.stderr and len(full.stderr.splitlines()) == 1, full.stderr
        assert old.read_bytes() == before
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".part")]  # no half-written leftovers


def test_the_catalogue_is_written_whole_or_not_at_all_and_never_through_a_link(tmp_path):
    folder = tmp_path / "catalogue"
    first = run(tmp_path, "catalogue", "--output", str(folder), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    pages = {path.name: path.read_bytes() for path in folder.iterdir()}
    outside = tmp_path / "outside.txt"
    outside.write_text("not the catalogue's", encoding="utf-8")
    (folder / "index.md").unlink()
    (folder / "index.md").symlink_to(outside)
    again = run(tmp_path, "catalogue", "--output", str(folder), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert outside.read_text(encoding="utf-8") == "not the catalogue's"  # the link was replaced, not written through
    assert not (folder / "index.md").is_symlink() and (folder / "index.md").read_bytes() == pages["index.md"]
    full = run(
        tmp_path,
        "catalogue",
        "--output",
        str(folder),
        "--start",
        "2027-02-01",
        file_limit=LIMIT,
        capture_output=True,
        text=True,
    )
    assert full.returncode == 2 and "nothing was changed" in full.stderr, full.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == pages  # every page as it was


def test_a_workbook_is_not_printed_to_a_terminal_and_dash_is_standard_output(tmp_path):
    started(tmp_path)
    leader, follower = pty.openpty()
    try:
        result = run(
            tmp_path, "report", "--format", "xlsx", stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 2 and b"name it with --output FILE" in result.stderr
    piped = run(tmp_path, "report", "--format", "csv", "--output", "-", capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stdout.startswith('"Stoke-on-Trent') and not (tmp_path / "-").exists()
    workbook = run(tmp_path, "report", "--format", "xlsx", "--output", "-", capture_output=True)
    assert workbook.returncode == 0 and workbook.stdout.startswith(b"PK")  # a pipe may take a workbook
