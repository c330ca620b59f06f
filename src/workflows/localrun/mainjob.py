"""The main job on embedded defaults: everything under ./var, stopped together on Ctrl-C or a hang-up.

A Prefect server with its own SQLite, the deployments served (the sweep on an interval), the practitioners'
task pages, a mail sink keeping every message as a .eml file, and a few demonstration cases started through
the same deployments the business unit uses. While it runs it watches them: a child that stops is started
again, a Prefect server that stops answering is started again, and sweeps that stop finishing are said.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from workflows import clock
from workflows.localrun.children import Children
from workflows.localrun.demo import DemoRun, demo_runs
from workflows.localrun.run_record import RUN_MARK, RunRecord, new_run_mark, stop_leftovers
from workflows.localrun.watches import ServerWatch, SweepWatch

if TYPE_CHECKING:
    from sqlalchemy import Engine

BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 240.0  # the first start runs about a hundred migrations
RUN_TIMEOUT = 180.0  # a demonstration run: the first flow run on a new server is the slowest
WATCH_EVERY = 10.0  # seconds between looks at the server's health and the last sweep
HEALTH_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class MainJobSettings:
    prefect_port: int = 4200
    smtp_port: int = 8025
    web_port: int = 8000
    demo: bool = True
    sweep_every: timedelta = timedelta(minutes=1)


def say(text: str) -> None:
    # A closed terminal (the hang-up that stops the job) must not stop the stopping.
    with contextlib.suppress(OSError):
        print(text, flush=True)


def _link_secret(var: Path) -> str:
    """The main job's own link secret, kept under ./var (a real deployment sets WORKFLOWS_LINK_SECRET)."""
    path = var / "link-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _environment(settings: MainJobSettings, var: Path) -> dict[str, str]:
    from workflows.store.database import database_url

    return {
        **os.environ,
        "PREFECT_HOME": str(var / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{settings.prefect_port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_URL": f"http://127.0.0.1:{settings.prefect_port}",
        # The CLI in this folder opens the same database: one state for every command.
        "WORKFLOWS_DB_URL": database_url(),
        "WORKFLOWS_LINK_SECRET": os.environ.get("WORKFLOWS_LINK_SECRET") or _link_secret(var),
        "WORKFLOWS_SMTP_HOST": "127.0.0.1",
        "WORKFLOWS_SMTP_PORT": str(settings.smtp_port),
        "WORKFLOWS_WEB_BASE_URL": f"http://127.0.0.1:{settings.web_port}",  # the links in messages
    }


def _refuse_ports_in_use(settings: MainJobSettings) -> None:
    wanted = (
        ("Prefect server", settings.prefect_port, "--port"),
        ("mail sink", settings.smtp_port, "--smtp-port"),
        ("task pages", settings.web_port, "--web-port"),
    )
    for name, port, option in wanted:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} for the {name} is in use: stop what holds it, or choose {option}")


def compact_prefect_database(prefect_home: Path) -> None:
    """Rewrite the Prefect server's SQLite file (VACUUM) before the server opens it, so that what was removed from
    it (the parameters a run's crash hook scrubbed, docs/prefect.md) is not left in its free pages."""
    import sqlite3

    path = prefect_home / "prefect.db"
    if path.exists():
        connection = sqlite3.connect(path)
        try:
            connection.execute("VACUUM")
        finally:
            connection.close()


def _recognise_earlier_run(record: RunRecord) -> None:
    """Refuse while an earlier `workflows up` in this folder still runs; stop what one that ended left running."""
    earlier, run = record.read()
    if earlier is not None and earlier.running() and earlier.pid != os.getpid():
        raise SystemExit(
            f"workflows up is already running in this folder (process {earlier.pid}): stop it first "
            f"(Ctrl-C in its terminal, or kill {earlier.pid})"
        )
    stopped = stop_leftovers(run) if run else []
    if stopped:
        listed = ", ".join(str(pid) for pid in sorted(stopped))
        say(f"stopped {len(stopped)} processes an earlier workflows up in this folder left running ({listed})")


def _answers(url: str, timeout: float = HEALTH_TIMEOUT) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _last_sweep_finished(db: Engine) -> datetime | None:
    from sqlalchemy.exc import SQLAlchemyError

    from workflows.store.sweep_heartbeats import last_sweep_finished

    try:
        with db.connect() as connection:
            return last_sweep_finished(connection)
    except SQLAlchemyError:
        return None  # said by the sweeps themselves, in var/serve.log


def _watch(settings: MainJobSettings, children: Children, db: Engine) -> None:
    """Until stopped: start again what stopped or hangs, and say when sweeps stop and start again."""
    health = f"http://127.0.0.1:{settings.prefect_port}/api/health"
    sweeps = SweepWatch(settings.sweep_every, clock.wall_now())
    server = ServerWatch(clock.wall_now())
    next_look = time.monotonic() + WATCH_EVERY
    serve_waits_for_server = False
    while True:
        for line in children.supervise():
            say(line)
        if time.monotonic() >= next_look:
            now = clock.wall_now()
            answered = _answers(health)
            hung = server.check(answered, now)
            if hung:
                say(hung)
                children.restart("prefect-server")
                serve_waits_for_server = True
            elif answered and serve_waits_for_server:
                # Its connections and watchers were on the hung server: a fresh one, on the new server.
                say("the Prefect server answers again; starting the deployments' runner again on it")
                children.restart("serve")
                serve_waits_for_server = False
            said = sweeps.check(_last_sweep_finished(db), now)
            if said:
                say(said)
            next_look = time.monotonic() + WATCH_EVERY
        time.sleep(1)


def _wait_for_health(url: str, children: Children, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        children.check_running()
        if _answers(url, timeout=2):
            return
        time.sleep(0.5)
    raise SystemExit(f"the Prefect server did not answer at {url} within {SERVER_START_TIMEOUT:.0f} s; see {log}")


REPORT_DEPLOYMENT = "partnership-report/partnership-report"


def _run_demonstrations(settings: MainJobSettings) -> None:
    """Start the demonstration cases through the deployments and wait for them, then run a first sweep."""
    from workflows.localrun.deployment_runs import run_and_wait, wait_for_deployments

    runs: list[DemoRun] = []
    if settings.demo and not _has_cases():
        _invent_history()
        runs = demo_runs(clock.now())
    wanted = [run.deployment for run in runs] + ["sweep/sweep", REPORT_DEPLOYMENT]
    if not wait_for_deployments(wanted, timeout=RUN_TIMEOUT):
        say("the deployments were not registered in time; see var/serve.log")
        return
    for run in runs:
        say(f"starting {run.description} through {run.deployment} ...")
        outcome = run_and_wait(run.deployment, run.parameters, timeout=RUN_TIMEOUT)
        say(f"  {outcome}")
    # One sweep at once, so the DSP views exist before the schedule's first run.
    say(f"  sweep: {run_and_wait('sweep/sweep', {}, timeout=RUN_TIMEOUT)}")
    # And the DSPs' daily pictures and the catalogue, which would otherwise wait for 06:00.
    say(f"  partnership report: {run_and_wait(REPORT_DEPLOYMENT, {}, timeout=RUN_TIMEOUT)}")


def _create_database(url: str) -> Engine:
    """The main job, like `workflows init`, creates its database (every other command only opens one)."""
    from workflows.store.database import open_database

    return open_database(url, create=True)


def _invent_history() -> None:
    """A year of closed cases (and one overdue) behind the demonstration, for the reports and the DSPs' charts."""
    from workflows.localrun.demo_history import seed_demo_history
    from workflows.operations.runtime import Runtime

    runtime = Runtime.open()  # this folder's config, processes and database, as the children open them
    started = seed_demo_history(runtime, clock.now())
    runtime.db.dispose()
    made = ", ".join(f"{count} {process}" for process, count in started.items())
    say(f"invented a year of history for workflows report and the charts ({made}); its messages are not sent")


def _has_cases() -> bool:
    from workflows.store.cases import any_case
    from workflows.store.database import DatabaseMissing, open_database

    try:
        db = open_database(create=False)
    except DatabaseMissing:
        return False
    with db.connect() as connection:
        found = any_case(connection)
    db.dispose()
    return found


def _ready_message(settings: MainJobSettings, var: Path, env: dict[str, str]) -> str:
    from workflows.store.database import describe

    every = int(settings.sweep_every.total_seconds())
    return (
        f"\nready. Prefect UI: http://127.0.0.1:{settings.prefect_port}\n"
        f"  the sweep runs every {every} s (flow runs 'sweep'); the artifacts overdue-items, overdue-summary and\n"
        f"  case-<reference> show what is overdue and each case's timeline; partnership-report (daily, 06:00)\n"
        f"  publishes timeliness-headlines, the charts on-time-by-month and overdue-by-agency, and process-<id>\n"
        f"task pages: http://127.0.0.1:{settings.web_port} (open a link in a message)\n"
        f"messages sent: {var / 'mail'} (.eml files). Outside working hours (09:00-17:30 on working days)\n"
        "  only urgent messages (hour-based deadlines) are sent; the rest wait in the outbox (workflows outbox)\n"
        f"state: {describe(env['WORKFLOWS_DB_URL'])} (the workflows command in this folder uses it too)\n"
        f"logs: {var}/*.log\n"
        "Ctrl-C (or closing this terminal) stops everything; a part that stops by itself is started again.\n"
    )


def run_main_job(settings: MainJobSettings) -> None:
    var = Path.cwd() / "var"
    (var / "mail").mkdir(parents=True, exist_ok=True)
    env = _environment(settings, var)
    os.environ.update(env)  # before Prefect is imported: its client reads these
    record = RunRecord(var)
    _recognise_earlier_run(record)
    _refuse_ports_in_use(settings)
    db = _create_database(env["WORKFLOWS_DB_URL"])
    run = new_run_mark()
    env[RUN_MARK] = run  # every child, and all they start, carries it
    record.write(os.getpid(), run)
    children = Children(var)

    def stop(*_: object) -> None:
        say("\nstopping ...")
        children.stop()
        record.remove()
        say("stopped: nothing of the main job is left running")
        raise SystemExit(0)

    for ending in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # a closed terminal stops it as Ctrl-C does
        signal.signal(ending, stop)
    try:
        compact_prefect_database(var / "prefect")
        say("starting the Prefect server (its first start prepares its database: about a minute) ...")
        server = children.start(
            "prefect-server",
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(settings.prefect_port)],
            env,
        )
        children.start(
            "mail-sink",
            [
                sys.executable,
                "-m",
                "workflows.localrun.mailsink",
                "--port",
                str(settings.smtp_port),
                "--folder",
                str(var / "mail"),
            ],
            env,
        )
        _wait_for_health(f"http://127.0.0.1:{settings.prefect_port}/api/health", children, server.log)
        every = f"{int(settings.sweep_every.total_seconds())}s"
        children.start("serve", [str(BIN / "workflows"), "serve", "--sweep-every", every], env, graceful=True)
        children.start("web", [str(BIN / "workflows"), "web", "--port", str(settings.web_port)], env)
        _run_demonstrations(settings)
        say(_ready_message(settings, var, env))
        _watch(settings, children, db)
    finally:
        children.stop()  # on any way out: Ctrl-C, a hang-up, an error
        record.remove()
        db.dispose()
