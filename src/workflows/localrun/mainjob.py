"""The main job on embedded defaults: everything under ./var, stopped together on Ctrl-C.

A Prefect server with its own SQLite, the deployments served (sweep every minute), a mail sink keeping
every message as a .eml file, and a few demonstration cases.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from workflows import clock

BIN = Path(sys.executable).parent


def _wait_for(url: str, timeout: float, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the Prefect server stopped while starting; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the Prefect server did not answer at {url} within {timeout:.0f} s; see {log}")


def _start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def demo_runs(today: str, hour: str) -> list[tuple[str, dict[str, object]]]:
    """A rapid review, a Joint Agency Response from a trigger event and a Section 11 round, run through the
    same deployments the business unit uses from the Prefect UI."""
    agencies = "stoke-on-trent-city-council,staffordshire-police,university-hospitals-north-midlands"
    return [
        (
            "start-case/start-case",
            {"process": "rapid-review", "facts": {"notification_date": today, "agencies": agencies}},
        ),
        (
            "trigger-event/trigger-event",
            {
                "event": "child-death",
                "facts": {"death_notification_id": "DEMO-1", "death_datetime": hour, "sudden_unexplained": "true"},
            },
        ),
        ("start-case/start-case", {"process": "section-11-audit", "facts": {}}),
    ]


def _has_cases() -> bool:
    from sqlalchemy import select

    from workflows.store.database import open_database
    from workflows.store.schema import cases

    db = open_database()
    with db.connect() as connection:
        found = connection.execute(select(cases.c.id).limit(1)).first() is not None
    db.dispose()
    return found


def _run_deployment(name: str, parameters: dict[str, object], env: dict[str, str]) -> bool:
    command = [str(BIN / "prefect"), "deployment", "run", name, "--params", json.dumps(parameters)]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if subprocess.run(command, env=env, capture_output=True, text=True).returncode == 0:
            return True
        time.sleep(2)  # the deployments are still being registered
    return False


def _link_secret(var: Path) -> str:
    """The main job's own link secret, kept under ./var (a real deployment sets WORKFLOWS_LINK_SECRET)."""
    path = var / "link-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def run_main_job(prefect_port: int, smtp_port: int, demo: bool, web_port: int = 8000) -> None:
    var = Path.cwd() / "var"
    (var / "mail").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_HOME": str(var / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_URL": f"http://127.0.0.1:{prefect_port}",
        "WORKFLOWS_DB_URL": os.environ.get("WORKFLOWS_DB_URL", f"sqlite:///{var / 'workflows.db'}"),
        "WORKFLOWS_LINK_SECRET": os.environ.get("WORKFLOWS_LINK_SECRET") or _link_secret(var),
        "WORKFLOWS_SMTP_HOST": "127.0.0.1",
        "WORKFLOWS_SMTP_PORT": str(smtp_port),
    }
    os.environ.update(env)
    children: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in reversed(children):
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for name, wanted in (("Prefect server", prefect_port), ("mail sink", smtp_port), ("task pages", web_port)):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", wanted)) == 0:
                raise SystemExit(f"port {wanted} for the {name} is in use: stop what holds it, or choose another port")
    try:
        print("starting the Prefect server (the first start prepares its database: about a minute) ...", flush=True)
        server_log = var / "prefect-server.log"
        children.append(
            _start(
                [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
                server_log,
                env,
            )
        )
        children.append(
            _start(
                [sys.executable, "-m", "workflows.mailsink", "--port", str(smtp_port), "--folder", str(var / "mail")],
                var / "mail-sink.log",
                env,
            )
        )
        _wait_for(f"http://127.0.0.1:{prefect_port}/api/health", 180, children[0], server_log)
        children.append(_start([str(BIN / "workflows"), "serve"], var / "serve.log", env))
        children.append(_start([str(BIN / "workflows"), "web", "--port", str(web_port)], var / "web.log", env))
        runs = []
        if demo and not _has_cases():
            now = clock.now()
            runs = demo_runs(now.date().isoformat(), now.replace(minute=0, second=0, microsecond=0).isoformat())
        # Then one sweep at once, so the DSP views exist before the interval schedule's first run.
        for name, parameters in [*runs, ("sweep/sweep", {})]:
            ok = _run_deployment(name, parameters, env)
            print(
                f"{'ran' if ok else 'could not run'} {name} {json.dumps(parameters) if parameters else ''}", flush=True
            )
        print(
            f"\nPrefect UI: http://127.0.0.1:{prefect_port}\n"
            f"  the sweep runs every minute; see the artifacts overdue-items and case-..., and the flow runs\n"
            f"messages sent: {var / 'mail'} (.eml files; their links open the task pages on port {web_port})\n"
            f"state: {env['WORKFLOWS_DB_URL']}\n"
            f"logs: {var}/*.log\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        while True:
            for child in children:
                if child.poll() is not None:
                    print(f"{' '.join(child.args[:3])} stopped (exit {child.returncode}); stopping the rest")
                    stop()
            time.sleep(1)
    except BaseException:
        if not isinstance(sys.exc_info()[1], SystemExit):
            stop()
        raise
