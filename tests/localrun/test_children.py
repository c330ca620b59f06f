"""The main job's children never outlive it, are started again when they stop, and what an earlier main job left
is recognised: real processes (a Python program that starts a grandchild and sleeps), real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workflows.localrun.children import FIRST_WAIT, Children
from workflows.localrun.run_record import RUN_MARK, RecordedProcess, RunRecord, new_run_mark, start_time, stop_leftovers

pytestmark = pytest.mark.slow

# A child that starts a grandchild in its group and sleeps; both print their process ids.
FAMILY = (
    "import subprocess, sys, time; "
    "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
    "print('family', __import__('os').getpid(), g.pid, flush=True); time.sleep(600)"
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone, only not yet reaped


def wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def family_of(log: Path) -> list[int]:
    assert wait_until(lambda: "family" in log.read_text(), 20), log.read_text()
    line = [line for line in log.read_text().splitlines() if line.startswith("family")][-1]
    return [int(pid) for pid in line.split()[1:]]


# A main job in miniature: starts two children through Children and waits.
MAIN = """
import sys, time
from pathlib import Path
from workflows.localrun.children import Children
children = Children(Path(sys.argv[1]))
for name in ("one", "two"):
    children.start(name, [sys.executable, "-c", sys.argv[2]], dict(__import__("os").environ))
print("started", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("ending", [signal.SIGKILL, signal.SIGTERM])
def test_children_and_what_they_started_go_when_the_main_job_is_killed(tmp_path, ending):
    main = subprocess.Popen([sys.executable, "-c", MAIN, str(tmp_path), FAMILY], stdout=subprocess.PIPE, text=True)
    assert main.stdout.readline().strip() == "started"
    pids = family_of(tmp_path / "one.log") + family_of(tmp_path / "two.log")
    assert all(alive(pid) for pid in pids)
    main.send_signal(ending)  # SIGTERM here has no handler: the miniature main job dies without stopping anyone
    main.wait()
    assert wait_until(lambda: not any(alive(pid) for pid in pids), 15), [pid for pid in pids if alive(pid)]


def test_a_child_that_stops_is_started_again_after_a_doubling_wait(tmp_path):
    children = Children(tmp_path)
    try:
        child = children.start("family", [sys.executable, "-c", FAMILY], dict(os.environ))
        first = family_of(child.log)
        said: list[str] = []
        os.kill(first[0], signal.SIGKILL)  # the command, not its guard: the guard exits with its status
        assert wait_until(lambda: bool(said.extend(children.supervise()) or len(said) >= 2), 10), said
        assert (
            said[0] == f"family stopped by itself (exit 137); starting it again in {FIRST_WAIT:.0f} s (see {child.log})"
        )
        assert said[1] == "family started again"
        assert wait_until(lambda: family_of(child.log) != first, 20)
        assert not any(alive(pid) for pid in first)  # the old grandchild went with its group
        os.killpg(child.process.pid, signal.SIGKILL)  # the whole group this time
        said.clear()
        assert wait_until(lambda: bool(said.extend(children.supervise()) or said), 10)
        assert "starting it again in 2 s" in said[0]  # stopped again soon: it waits twice as long
    finally:
        children.stop()


def test_what_an_earlier_main_job_left_is_recognised_by_its_mark_and_the_job_by_its_start_time(tmp_path):
    record = RunRecord(tmp_path)
    run, other_run = new_run_mark(), new_run_mark()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    record.write(gone.pid, run)
    earlier, recorded_run = record.read()
    assert not earlier.running() and recorded_run == run  # the earlier main job ended
    # Its child's group lost its guard; the command and its grandchild are left, marked; another run's are not ours.
    leftover = subprocess.Popen(
        [sys.executable, "-c", FAMILY], stdout=subprocess.PIPE, text=True, env={**os.environ, RUN_MARK: run}
    )
    grandchild = int(leftover.stdout.readline().split()[2])
    theirs = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], env={**os.environ, RUN_MARK: other_run}
    )
    try:
        assert sorted(stop_leftovers(run)) == sorted([leftover.pid, grandchild])
        leftover.wait(timeout=15)
        assert wait_until(lambda: not alive(grandchild), 15)
        assert theirs.poll() is None
        # A process id reused by another program is not taken for the main job recorded.
        assert (
            not RecordedProcess(theirs.pid, "1").running()
            and RecordedProcess(theirs.pid, start_time(theirs.pid)).running()
        )
    finally:
        theirs.kill()
