"""`workflows serve` stopped while it is still starting (Prefect's imports take seconds; the main job stops it so
when it is stopped just after starting it again) ends at once, quietly: no traceback in its log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WORKFLOWS = str(Path(sys.executable).parent / "workflows")


@pytest.mark.parametrize("ending", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("after", [0.3, 0.8])  # Prefect's imports alone take seconds
def test_serve_stopped_while_starting_ends_quietly(tmp_path, ending, after):
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api", "PREFECT_HOME": str(tmp_path / "prefect")}
    process = subprocess.Popen(
        [WORKFLOWS, "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    time.sleep(after)
    process.send_signal(ending)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert output == "stopped before serving\n"
