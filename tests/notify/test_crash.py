"""The delivering process killed (kill -9) in the middle of a batch: nothing lost, at most one sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import select

from workflows.notify.delivery import deliver
from workflows.operations import cases
from workflows.operations.runtime import Runtime
from workflows.store.schema import outbox

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = str(Path(sys.executable).parent / "workflows")


def test_kill_9_mid_batch_loses_nothing_and_repeats_at_most_the_message_in_flight(tmp_path, smtp, set_clock):
    url = f"sqlite:///{tmp_path / 'workflows.db'}"
    set_clock("2026-12-18T10:00")
    runtime = Runtime.open(REPO / "config", REPO / "processes", url, create=True)
    for _ in range(12):
        cases.start(runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"]})
    with runtime.db.connect() as connection:
        keys = [row.key for row in connection.execute(select(outbox.c.key))]
    smtp.mailbox.data_delay = 0.25  # slow enough to kill it mid-batch
    env = {
        **os.environ,
        "WORKFLOWS_DB_URL": url,
        "WORKFLOWS_CONFIG": str(REPO / "config"),
        "WORKFLOWS_PROCESSES": str(REPO / "processes"),
    }
    worker = subprocess.Popen(
        [WORKFLOWS, "deliver"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while len(smtp.mailbox.received) < 7 and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    received_at_kill = len(smtp.mailbox.received)
    assert 7 <= received_at_kill < 24, "the kill must land mid-batch"
    smtp.mailbox.data_delay = 0
    set_clock("2026-12-18T10:06")  # the dead deliverer's claim has lapsed
    deliver(runtime)
    ids = Counter(r.message["Message-ID"] for r in smtp.mailbox.received)
    expected = 2 * len(keys)  # each message: holder and deputy
    assert len(ids) == expected, "every message reached every recipient"
    assert sum(count - 1 for count in ids.values()) <= 1, "only the message in flight may come twice"
    with runtime.db.connect() as connection:
        assert {row.status for row in connection.execute(select(outbox.c.status))} == {"sent"}
    runtime.db.dispose()
