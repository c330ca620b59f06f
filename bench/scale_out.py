"""Scale-out of the sweep on the distributed engine the product runs on: a Prefect server backed by PostgreSQL, a
process work pool deployed from the project's own `prefect.yaml`, two workers, our state on PostgreSQL.

What it does, on this machine (bench/scale_out.sh is the entry point; it owns the temp dir and the trap):
  1. a Prefect server on a free port, its database `prefect_scale_<id>` on the local PostgreSQL (its scheduler
     service off, so no interval run of the sweep interferes, and its event persister and triggers off, so that
     storing the sweep's events is not what is measured);
  2. the process work pool `workflows` (the name prefect.yaml gives) with one work queue per worker, then
     `prefect deploy --all` from prefect.yaml (the file itself, unchanged) and `python -m flows.locked_forms`;
  3. two `prefect worker start` processes, worker-1 and worker-2, each on its own queue of that pool;
  4. our state seeded once into `workflows_scale_seed_<id>` by bench/seed.py's own functions (--cases: N open rapid
     reviews, one due timer each; --tasks: N open agency tasks, one timer each), with what the checks need kept
     beside it in a schema `scale_out` (the due slots, their escalation levels, a hash of each case's state);
  5. per round (--sweepers 1 2 4): `workflows_scale_<id>` re-made as a copy of the seeded database (CREATE
     DATABASE ... TEMPLATE, so every round fires exactly the same work), then K flow runs of the `sweep/sweep`
     deployment created at once, dealt round-robin to the two workers' queues; timed from the first run's start to
     the last run's end (Prefect's own start and end times), WORKFLOWS_NOW at seed.SWEEP_AT so every timer is due;
  6. checks that nothing fired twice and nothing was lost, and that every round left the same database;
  7. tears everything down (workers, flow-run processes, server, databases, temp dir), even on failure.

Run: bash bench/scale_out.sh [--cases N | --tasks N [--agencies K]] [--sweepers 1 2 4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "bench"))

POOL = "workflows"  # the work pool prefect.yaml names (flows/prefect_yaml.py: WORK_POOL)
DEPLOYMENT = "sweep/sweep"
WORKERS = ("worker-1", "worker-2")  # one work queue each, in the pool
SERVER_START_TIMEOUT = 300.0  # a first start migrates Prefect's empty database
STEP_TIMEOUT = 300.0  # deploying, a worker coming online, a flow-run process exiting, Prefect settling
# A round's runs and their processes (which send every event they queued before exiting: 1,000,000 tasks are about
# 3,000,000 events) must be done within this per due timer, 30 minutes at least, unless --timeout says otherwise.
ROUND_SECONDS_PER_TIMER = 0.01
POLL = 0.2  # seconds between two looks at our sequences while the sweepers run
CHECKS = "scale_out"  # the schema, in our state database, holding what the checks compare with


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Failed(Exception):
    """The run cannot go on, or a check failed: teardown runs, the script exits 1 with this message."""


# -- teardown: what was started, recorded as it is started, so that a trap can end it too --------------------------


class Ledger:
    """Every process group and database this run made, in WORK/teardown.json (bench/scale_out.sh's trap reads it
    with --teardown if this process dies before its own teardown)."""

    def __init__(self, work: Path, admin_url: str) -> None:
        self.path = work / "teardown.json"
        self.data: dict[str, Any] = {"admin_url": admin_url, "processes": [], "flow_run_pids": [], "databases": []}
        self._save()

    def _save(self) -> None:
        self.path.write_text(json.dumps(self.data, indent=1))

    def process(self, name: str, pid: int) -> None:
        self.data["processes"].append({"name": name, "pid": pid})
        self._save()

    def flow_run_pid(self, pid: int) -> None:
        if pid not in self.data["flow_run_pids"]:
            self.data["flow_run_pids"].append(pid)
            self._save()

    def database(self, name: str) -> None:
        if name not in self.data["databases"]:
            self.data["databases"].append(name)
            self._save()


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def _end_groups(pids: list[int], grace: float) -> None:
    """SIGTERM to each process group we started (its leader's pid), then SIGKILL to those still there after `grace`
    seconds. Only groups whose leader still runs a prefect command: a pid reused by something else is left alone."""
    ours = [pid for pid in pids if "prefect" in _command_line(pid)]
    for pid in ours:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(pid) for pid in ours):
        time.sleep(0.2)
    for pid in ours:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _end_flow_run(pid: int) -> None:
    if "prefect" in _command_line(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def teardown(work: Path) -> None:
    """Workers, then leftover flow-run processes, then the server; then the databases. Safe to run twice."""
    path = work / "teardown.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    processes = data.get("processes", [])
    _end_groups([p["pid"] for p in processes if p["name"].startswith("worker")], grace=20)
    for pid in data.get("flow_run_pids", []):
        _end_flow_run(pid)
    _end_groups([p["pid"] for p in processes if not p["name"].startswith("worker")], grace=20)
    if data.get("databases"):
        admin = create_engine(data["admin_url"], isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                for name in reversed(data["databases"]):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
    data.update(processes=[], flow_run_pids=[], databases=[])
    path.write_text(json.dumps(data, indent=1))


# -- databases -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Databases:
    admin_url: str  # psycopg, to the database we are allowed to connect to (`test`)
    run_id: str

    @property
    def prefect(self) -> str:
        return f"prefect_scale_{self.run_id}"

    @property
    def seed(self) -> str:
        return f"workflows_scale_seed_{self.run_id}"

    @property
    def state(self) -> str:
        return f"workflows_scale_{self.run_id}"

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return make_url(self.admin_url).set(drivername=driver, database=database).render_as_string(False)


def admin_execute(dbs: Databases, *statements: str) -> None:
    admin = create_engine(dbs.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        admin.dispose()


# -- processes -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path.name}: nothing written)"
    return f"--- last lines of {path.name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


def start(name: str, command: list[str], env: dict[str, str], work: Path, ledger: Ledger) -> Started:
    """A long-running child in its own process group (so teardown ends it and all it started), output to a log."""
    log = work / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    ledger.process(name, process.pid)
    return Started(name, process, log)


def run_command(name: str, command: list[str], env: dict[str, str], work: Path) -> str:
    """A command that must succeed (prefect deploy, ...); its output goes to WORK/<name>.log."""
    log = work / f"{name}.log"
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise Failed(f"{' '.join(command[:4])} failed ({done.returncode})\n{tail(log)}")
    return done.stdout


def wait_for_health(server: Started, url: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise Failed(f"the Prefect server stopped ({server.process.returncode})\n{tail(server.log)}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise Failed(
        f"the Prefect server did not answer at {url}/health in {SERVER_START_TIMEOUT:.0f} s\n{tail(server.log)}"
    )


# -- the seeded state and what the checks compare with ----------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    due: int  # timers due at SWEEP_AT (one per open case or task)
    cases: int  # cases with a due timer
    audit_max: int  # the seed's last audit id: the rounds' entries come after it
    outbox_max: int
    seconds: float
    rows: dict[str, int]


def seed_state(dbs: Databases, cases: int | None, tasks: int | None, agencies: int) -> Seeded:
    import seed  # bench/seed.py, imported, not changed

    admin_execute(dbs, f'CREATE DATABASE "{dbs.seed}"')
    url = dbs.url(dbs.seed)
    started = time.perf_counter()
    rows = seed.seed_cases(url, cases) if cases else seed.seed_tasks(url, tasks or 0, agencies)
    seconds = time.perf_counter() - started
    now = seed.SWEEP_AT.astimezone(UTC).replace(tzinfo=None)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {CHECKS}"))
            connection.execute(
                text(
                    f"CREATE TABLE {CHECKS}.due AS SELECT t.case_id, t.stage, coalesce(t.task, '') AS task,"
                    " i.escalation_level AS level_before FROM timers t JOIN items i ON i.case_id = t.case_id"
                    " AND i.stage = t.stage AND i.task = coalesce(t.task, '') WHERE t.fire_at <= :now"
                ),
                {"now": now},
            )
            connection.execute(text(f"CREATE UNIQUE INDEX ON {CHECKS}.due (case_id, stage, task)"))
            connection.execute(
                text(
                    f"CREATE TABLE {CHECKS}.cases AS SELECT id AS case_id, md5(state::jsonb::text) AS state_before"
                    " FROM cases"
                    f" WHERE id IN (SELECT case_id FROM {CHECKS}.due)"
                )
            )
            due_timers = connection.execute(text("SELECT count(*) FROM timers WHERE fire_at <= :now"), {"now": now})
            due = int(due_timers.scalar_one())
            slots = int(connection.execute(text(f"SELECT count(*) FROM {CHECKS}.due")).scalar_one())
            with_due = int(connection.execute(text(f"SELECT count(*) FROM {CHECKS}.cases")).scalar_one())
            audit_max = int(connection.execute(text("SELECT coalesce(max(id), 0) FROM audit")).scalar_one())
            outbox_max = int(connection.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar_one())
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text(f"VACUUM ANALYZE {CHECKS}.due"))
    finally:
        engine.dispose()
    expected = cases if cases else -(-(tasks or 0) // agencies) * agencies
    if not due == slots == expected:
        raise Failed(f"seeded {due} due timers ({slots} with their item), expected {expected}")
    return Seeded(due, with_due, audit_max, outbox_max, seconds, rows)


def fresh_state(dbs: Databases) -> None:
    """The round's state database: a file copy of the seeded one (not timed)."""
    admin_execute(
        dbs,
        f'DROP DATABASE IF EXISTS "{dbs.state}" WITH (FORCE)',
        f'CREATE DATABASE "{dbs.state}" TEMPLATE "{dbs.seed}" STRATEGY FILE_COPY',
    )


# -- checks --------------------------------------------------------------------------------------------------------

SLOT_CHECKS = f"""
WITH a AS (
    SELECT case_id, stage, coalesce(task, '') AS task,
           count(*) FILTER (WHERE action = 'overdue') AS overdue,
           count(*) FILTER (WHERE action = 'escalated') AS escalated,
           count(DISTINCT detail) FILTER (WHERE action = 'escalated') AS escalated_levels
    FROM audit WHERE id > :audit_max AND case_id IS NOT NULL GROUP BY 1, 2, 3
), o AS (
    SELECT case_id, stage, coalesce(task, '') AS task, count(*) FILTER (WHERE kind = 'escalation') AS messages
    FROM outbox WHERE id > :outbox_max AND case_id IS NOT NULL GROUP BY 1, 2, 3
)
SELECT count(*) AS slots,
       count(*) FILTER (WHERE coalesce(a.overdue, 0) = 0) AS never_overdue,
       count(*) FILTER (WHERE a.overdue > 1) AS overdue_twice,
       count(*) FILTER (WHERE coalesce(a.escalated, 0) = 0) AS never_escalated,
       count(*) FILTER (WHERE a.escalated > a.escalated_levels) AS escalated_twice,
       count(*) FILTER (WHERE coalesce(o.messages, 0) <> coalesce(a.escalated, 0)) AS messages_not_one_per_level,
       count(*) FILTER (WHERE i.escalation_level - d.level_before <> coalesce(a.escalated, 0)) AS level_mismatch,
       coalesce(sum(a.overdue), 0) AS overdue_entries,
       coalesce(sum(a.escalated), 0) AS escalated_entries,
       coalesce(sum(o.messages), 0) AS escalation_messages
FROM {CHECKS}.due d
JOIN items i ON i.case_id = d.case_id AND i.stage = d.stage AND i.task = d.task
LEFT JOIN a ON a.case_id = d.case_id AND a.stage = d.stage AND a.task = d.task
LEFT JOIN o ON o.case_id = d.case_id AND o.stage = d.stage AND o.task = d.task
"""

OTHER_CHECKS = {
    "timers_still_due": "SELECT count(*) FROM timers WHERE fire_at <= :now",
    "cases_not_advanced": f"SELECT count(*) FROM {CHECKS}.cases c JOIN cases k ON k.id = c.case_id"
    " WHERE md5(k.state::jsonb::text) = c.state_before",
    "duplicate_audit_entries": "SELECT count(*) - count(DISTINCT (coalesce(case_id, 0), action, coalesce(stage, ''),"
    " coalesce(task, ''), detail)) FROM audit WHERE id > :audit_max",
    "duplicate_outbox_keys": "SELECT count(*) - count(DISTINCT key) FROM outbox",
    "audit_entries_elsewhere": f"SELECT count(*) FROM audit a WHERE a.id > :audit_max AND a.case_id IS NOT NULL"
    f" AND NOT EXISTS (SELECT 1 FROM {CHECKS}.due d WHERE d.case_id = a.case_id AND d.stage = a.stage"
    " AND d.task = coalesce(a.task, ''))",
}


def _digest(rows: str) -> str:
    """An order-free digest of a set of rows (count and sum of their hashes): equal sets, equal digests."""
    hashed = "('x' || substr(md5(r), 1, 15))::bit(60)::bigint"
    return f"SELECT count(*) || ':' || coalesce(sum({hashed}), 0) FROM ({rows}) s(r)"


# What a round leaves, compared with the first round: revisions and delivery columns are left out (how many times a
# case is written depends on how its timers were split between batches and sweepers; the state written does not).
FINGERPRINTS = {
    "audit": _digest(
        "SELECT concat_ws('|', case_id, action, stage, task, detail, at, clock_set) FROM audit WHERE id > :audit_max"
    ),
    "outbox": _digest(
        "SELECT concat_ws('|', key, case_id, kind, stage, task, role, agency, copy_role, due_at, details::jsonb::text)"
        " FROM outbox WHERE id > :outbox_max"
    ),
    "cases": _digest("SELECT concat_ws('|', id, reference, status, closed_at, state::jsonb::text) FROM cases"),
    "items": _digest("SELECT concat_ws('|', case_id, stage, task, status, due_at, escalation_level) FROM items"),
    "timers": _digest(
        "SELECT concat_ws('|', slot_key, case_id, stage, task, process_id, occurrence, fire_at) FROM timers"
    ),
}


@dataclass
class Checked:
    counts: dict[str, int]
    fingerprints: dict[str, str]

    def problems(self, seeded: Seeded) -> list[str]:
        c = self.counts
        found = [f"{name.replace('_', ' ')}: {c[name]}" for name in BAD_IF_NONZERO if c[name]]
        if c["slots"] != seeded.due:
            found.append(f"{c['slots']} due slots found after the round, {seeded.due} seeded")
        if c["overdue_entries"] != seeded.due:
            found.append(f"{c['overdue_entries']} overdue entries for {seeded.due} fired timers")
        return found

    @property
    def doubled(self) -> int:
        c = self.counts
        return c["overdue_twice"] + c["escalated_twice"] + c["duplicate_audit_entries"] + c["duplicate_outbox_keys"]

    @property
    def lost(self) -> int:
        c = self.counts
        return c["never_overdue"] + c["never_escalated"] + c["timers_still_due"] + c["cases_not_advanced"]


BAD_IF_NONZERO = (
    "never_overdue",
    "overdue_twice",
    "never_escalated",
    "escalated_twice",
    "messages_not_one_per_level",
    "level_mismatch",
    "timers_still_due",
    "cases_not_advanced",
    "duplicate_audit_entries",
    "duplicate_outbox_keys",
    "audit_entries_elsewhere",
)


def check_round(dbs: Databases, seeded: Seeded) -> Checked:
    import seed

    now = seed.SWEEP_AT.astimezone(UTC).replace(tzinfo=None)
    marks = {"audit_max": seeded.audit_max, "outbox_max": seeded.outbox_max, "now": now}
    engine = create_engine(dbs.url(dbs.state))
    try:
        with engine.connect() as connection:
            row = connection.execute(text(SLOT_CHECKS), marks).one()
            counts = {key: int(value) for key, value in row._mapping.items()}
            for name, query in OTHER_CHECKS.items():
                counts[name] = int(connection.execute(text(query), marks).scalar_one())
            fingerprints = {
                name: str(connection.execute(text(q), marks).scalar_one()) for name, q in FINGERPRINTS.items()
            }
    finally:
        engine.dispose()
    return Checked(counts, fingerprints)


class SequenceWatch:
    """When the sweepers wrote: our audit and outbox id sequences read every POLL seconds (one cheap read each,
    nothing scanned), from the first move to the last. Firing writes both; publishing and delivery write neither."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.stop = threading.Event()
        self.first: float | None = None
        self.last: float | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _read(self, connection: Any, sequences: list[str]) -> tuple[int, ...]:
        return tuple(int(connection.execute(text(f"SELECT last_value FROM {name}")).scalar_one()) for name in sequences)

    def _watch(self) -> None:
        try:
            with self.engine.connect() as connection:
                sequences = [
                    str(connection.execute(text(f"SELECT pg_get_serial_sequence('{table}', 'id')")).scalar_one())
                    for table in ("audit", "outbox")
                ]
                seen = self._read(connection, sequences)
                while not self.stop.wait(POLL):
                    now = self._read(connection, sequences)
                    if now != seen:
                        moment = time.time()
                        self.first = self.first or moment
                        self.last = moment
                        seen = now
        except BaseException as error:  # reported by seconds(), never lost in the thread
            self.error = error

    def __enter__(self) -> SequenceWatch:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()

    def window(self) -> tuple[float, float] | None:
        if self.error is not None:
            raise Failed(f"watching the sequences failed: {self.error}")
        return (self.first, self.last) if self.first and self.last else None


# -- Prefect -------------------------------------------------------------------------------------------------------


@dataclass
class Prefect:
    api_url: str
    env: dict[str, str]  # for the prefect commands, the workers and their flow runs
    server: Started
    workers: list[Started] = field(default_factory=list)


def prefect_environment(work: Path, dbs: Databases, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_API_DATABASE_CONNECTION_URL": dbs.url(dbs.prefect, "postgresql+asyncpg"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # Only the runs this script creates: the sweep deployment's one-minute interval schedule must not add its own.
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        # The sweep emits an event per item made overdue and per escalation: a backlog of 100,000 is 200,000 events.
        # Storing them (and evaluating automations on them) is Prefect's work, not the sweep's: off.
        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",  # a created run is picked up within two seconds (default 10 s)
        # The server is one Python process on a 2-core machine: while sweeps stream it their events its loop lags, and
        # its own database connections and API answers with it (a 500 crashed a sweep's state change once). Patience
        # on both sides, rather than an answer that fails the run:
        "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT": "60",
        "PREFECT_SERVER_DATABASE_TIMEOUT": "60",
        "PREFECT_CLIENT_RETRY_EXTRA_CODES": "500",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }


def start_server(work: Path, dbs: Databases, ledger: Ledger) -> Prefect:
    admin_execute(dbs, f'CREATE DATABASE "{dbs.prefect}"')
    ledger.database(dbs.prefect)
    port = free_port()
    env = prefect_environment(work, dbs, port)
    mine = ("PREFECT_HOME", "PREFECT_API_URL", "PREFECT_LOGGING_LEVEL", "PREFECT_CLIENT_RETRY_EXTRA_CODES")
    os.environ.update({key: env[key] for key in mine})
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = start("prefect-server", command, env, work, ledger)
    wait_for_health(server, env["PREFECT_API_URL"])
    return Prefect(env["PREFECT_API_URL"], env, server)


def deploy(prefect: Prefect, work: Path, concurrency: int) -> str:
    """The pool, a queue per worker, `prefect deploy --all` from prefect.yaml, the locked forms; how the sweep
    deployment's concurrency was left."""
    from prefect.client.orchestration import get_client

    prefect_cli = str(BIN / "prefect")
    run_command("pool", [prefect_cli, "work-pool", "create", POOL, "--type", "process"], prefect.env, work)
    for queue in WORKERS:
        run_command(f"queue-{queue}", [prefect_cli, "work-queue", "create", queue, "--pool", POOL], prefect.env, work)
    before = (REPO / "prefect.yaml").read_bytes()
    run_command("deploy", [prefect_cli, "--no-prompt", "deploy", "--all"], prefect.env, work)
    if (REPO / "prefect.yaml").read_bytes() != before:
        raise Failed("prefect deploy changed prefect.yaml: restore it from git")
    run_command("locked-forms", [sys.executable, "-m", "flows.locked_forms"], prefect.env, work)
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)
        for schedule in client.read_deployment_schedules(deployment.id):
            client.update_deployment_schedule(deployment.id, schedule.id, active=False)
        limit = deployment.global_concurrency_limit.limit if deployment.global_concurrency_limit else None
        if limit is not None and limit < concurrency:
            from prefect.client.schemas.actions import DeploymentUpdate

            client.update_deployment(deployment.id, DeploymentUpdate(concurrency_limit=concurrency))
            return f"concurrency limit raised from {limit} to {concurrency} through the API"
    return f"concurrency limit {limit if limit is not None else 'none'} as deployed (enough for {concurrency} runs)"


def start_workers(prefect: Prefect, work: Path, ledger: Ledger, dbs: Databases) -> None:
    import seed
    from prefect.client.orchestration import get_client

    env = {
        **prefect.env,
        "WORKFLOWS_CHECKOUT": str(REPO),  # prefect.yaml's pull step: the flow runs' working directory
        "WORKFLOWS_DB_URL": dbs.url(dbs.state),
        "WORKFLOWS_NOW": seed.SWEEP_AT_TEXT,  # every seeded timer is due; a Saturday: no digest, nothing sent
        "WORKFLOWS_LINK_SECRET": secrets.token_urlsafe(32),
        "WORKFLOWS_SMTP_HOST": "127.0.0.1",
        "WORKFLOWS_SMTP_PORT": str(free_port()),  # nothing listens: a message sent by mistake would fail, not leave
    }
    for queue in WORKERS:
        command = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--work-queue", queue, "--name", queue]
        prefect.workers.append(start(queue, [*command, "--type", "process"], env, work, ledger))
    deadline = time.monotonic() + STEP_TIMEOUT
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            for worker in prefect.workers:
                if worker.process.poll() is not None:
                    raise Failed(f"{worker.name} stopped ({worker.process.returncode})\n{tail(worker.log)}")
            online = {w.name for w in client.read_workers_for_work_pool(POOL) if str(w.status).endswith("ONLINE")}
            if online >= set(WORKERS):
                return
            time.sleep(1)
    raise Failed(f"the workers did not come online in {STEP_TIMEOUT:.0f} s\n{tail(prefect.workers[0].log)}")


@dataclass
class RunOutcome:
    queue: str
    state: str
    start: float  # epoch seconds, Prefect's start and end times of the run
    end: float
    exited: float  # when its process had exited (it sends its queued events and logs first)
    counted: float | None  # when it logged its counts: after tick, delivery, publishing and building its events
    fired: dict[str, int] | None  # what the run's log says it fired, by kind (None if the line was not found)


FIRED_LINE = re.compile(r"fired (\{.*?\}); delivered")
COUNT = re.compile(r"'([a-z-]+)'>?: (\d+)")


def read_run_log(client: Any, run_id: uuid.UUID, work: Path) -> tuple[dict[str, int] | None, float | None]:
    """What the sweep flow logged it fired (counts only: "fired {...}; delivered {...}; published {...}"), and when.
    The run's log is appended to WORK/flow-runs.log."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200)
    with (work / "flow-runs.log").open("a") as out:
        out.writelines(f"{log.timestamp:%H:%M:%S.%f} {run_id.hex[:8]} {log.message[:300]}\n" for log in logs)
    for log in logs:
        found = FIRED_LINE.search(log.message)
        if found:
            return {kind: int(n) for kind, n in COUNT.findall(found.group(1))}, log.timestamp.timestamp()
    return None, None


@dataclass
class Round:
    sweepers: int
    runs: list[RunOutcome]
    window: tuple[float, float] | None  # the first and last write of a firing (SequenceWatch)
    checked: Checked
    dropped: int  # events Prefect's server dropped (its in-memory queue full), from its log
    errors: int  # requests the server answered with 500, from its log
    settled: float  # seconds the server stayed busy after the last run's process had exited
    timelines: tuple[int, int]  # case timelines published in the round: artifacts, distinct cases

    @property
    def first(self) -> float:
        return min(run.start for run in self.runs)

    @property
    def wall(self) -> float:
        return max(run.end for run in self.runs) - self.first

    @property
    def sweeping(self) -> float:
        return self.window[1] - self.window[0] if self.window else 0.0

    @property
    def exited(self) -> float:
        return max(run.exited for run in self.runs) - self.first

    @property
    def events(self) -> int:
        """Events the sweep emits: one per item made overdue, one per escalation (dashboard/events.py)."""
        return self.checked.counts["overdue_entries"] + self.checked.counts["escalated_entries"]


def follow_runs(
    client: Any, ids: list[uuid.UUID], timeout: float, ledger: Ledger
) -> tuple[list[Any], dict[int, float]]:
    """Wait until every run is final and its process has exited; the runs, and when each process was seen gone.
    The processes are watched here every POLL seconds; Prefect is asked every 2 s (a failed answer is asked again)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + timeout
    exits: dict[int, float] = {}
    runs: list[Any] = []
    asked = 0.0
    while True:
        if time.monotonic() - asked >= 2:
            asked = time.monotonic()
            try:
                runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
            except Exception as error:  # the server lagging under the events: ask again
                say(f"  (Prefect did not answer: {str(error)[:100]}; asking again)")
        pids = [int(run.infrastructure_pid) for run in runs if (run.infrastructure_pid or "").isdigit()]
        for pid in pids:
            if pid not in ledger.data["flow_run_pids"]:
                with (ledger.path.parent / "flow-run-pids.log").open("a") as out:
                    out.write(f"{time.time():.1f} {pid} {_command_line(pid)!r}\n")
            ledger.flow_run_pid(pid)
            if pid not in exits and not (_alive(pid) and "prefect" in _command_line(pid)):
                exits[pid] = time.time()
        final = len(runs) == len(ids) and all(run.state and run.state.is_final() for run in runs)
        if final and (len(pids) < len(ids) or all(pid in exits for pid in pids)):
            return runs, exits  # (a run that never got a process is reported as not completed)
        if time.monotonic() > deadline:
            states = sorted(str(run.state_name) for run in runs)
            raise Failed(f"the sweep runs were not finished after {timeout:.0f} s: {states}")
        time.sleep(POLL)


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (from /proc, in clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_server_to_settle(server: Started) -> float:
    """The server goes on digesting the events it was sent after the runs end: wait until it uses less than a
    tenth of a core for three seconds running, so the next round does not share the machine with it; how long."""
    started = time.monotonic()
    quiet = 0
    last = cpu_seconds(server.process.pid)
    while quiet < 3:
        if time.monotonic() - started > STEP_TIMEOUT:
            raise Failed(f"the Prefect server was still busy {STEP_TIMEOUT:.0f} s after the round")
        time.sleep(1)
        now = cpu_seconds(server.process.pid)
        quiet = quiet + 1 if now - last < 0.1 else 0
        last = now
    return time.monotonic() - started - 3


def server_says(server_log: Path) -> tuple[int, int]:
    """How many events the server dropped (its in-memory queue full), and how many requests it failed (500)."""
    said = server_log.read_text(errors="replace") if server_log.exists() else ""
    return said.count("queue is full, dropping"), said.count("Encountered exception in request")


def published_timelines(client: Any, ids: list[uuid.UUID]) -> tuple[int, int]:
    """Case timelines (`case-<reference>` artifacts) the runs published: versions, and distinct cases."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    wanted = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids), key=ArtifactFilterKey(like_="case-"))
    keys: list[str] = []
    while True:
        page = client.read_artifacts(artifact_filter=wanted, offset=len(keys), limit=200)
        keys += [artifact.key for artifact in page]
        if len(page) < 200:
            return len(keys), len(set(keys))


def sweep_round(
    dbs: Databases, sweepers: int, seeded: Seeded, ledger: Ledger, timeout: float, work: Path, server: Started
) -> Round:
    from prefect.client.orchestration import get_client

    fresh_state(dbs)
    said_before = server_says(server.log)
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)
        with SequenceWatch(dbs.url(dbs.state)) as watch:
            ids = [
                client.create_flow_run_from_deployment(
                    deployment.id, work_queue_name=WORKERS[number % len(WORKERS)], tags=["scale-out"]
                ).id
                for number in range(sweepers)
            ]
            runs, exits = follow_runs(client, ids, timeout, ledger)
        pids = {run.id: int(run.infrastructure_pid) for run in runs if (run.infrastructure_pid or "").isdigit()}
        time.sleep(1)  # the runs' last log lines, shipped as each process exits
        outcomes = []
        for run in runs:
            if run.start_time is None or run.end_time is None or run.id not in pids:
                raise Failed(f"sweep run {run.id} ({run.state_name}) has no start, end or process")
            fired, counted = read_run_log(client, run.id, work)
            end = run.end_time.timestamp()
            outcomes.append(
                RunOutcome(
                    run.work_queue_name or "?",
                    str(run.state_name),
                    run.start_time.timestamp(),
                    end,
                    exits[pids[run.id]],
                    counted,
                    fired,
                )
            )
        timelines = published_timelines(client, ids)
    failed = [run for run in outcomes if run.state != "Completed"]
    if failed:
        raise Failed(f"{len(failed)} of {sweepers} sweep runs did not complete: {[run.state for run in failed]}")
    settled = wait_for_server_to_settle(server)
    dropped, errors = (after - before for after, before in zip(server_says(server.log), said_before, strict=True))
    return Round(sweepers, outcomes, watch.window(), check_round(dbs, seeded), dropped, errors, settled, timelines)


def count_flow_runs() -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return int(client.count_flow_runs())


# -- the report ----------------------------------------------------------------------------------------------------


def share(runs: list[RunOutcome]) -> str:
    """Timers each run fired (its `due` count: every seeded timer makes its item overdue once)."""
    return " + ".join(f"{run.fired.get('due', 0):,}" if run.fired is not None else "?" for run in runs)


def table(rounds: list[Round], seeded: Seeded) -> list[str]:
    lines = [
        "| sweep runs | workers | timers fired | fired per run | wall s | firings/s | sweeping s | firings/s"
        " sweeping | events emitted | processes exited s | Prefect busy after s | Prefect 500s | events Prefect"
        " dropped | fired twice | lost |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        rate = f"{seeded.due / r.sweeping:,.0f}" if r.sweeping else "-"
        lines.append(
            f"| {r.sweepers} | {len({run.queue for run in r.runs})} | {seeded.due:,} | {share(r.runs)} |"
            f" {r.wall:.1f} | {seeded.due / r.wall:,.0f} | {r.sweeping:.1f} | {rate} | {r.events:,} | {r.exited:.1f} |"
            f" {r.settled:.0f} | {r.errors} | {r.dropped:,} | {r.checked.doubled} | {r.checked.lost} |"
        )
    return lines


def run_table(rounds: list[Round]) -> list[str]:
    """Each run's moments, in seconds from its round's first start."""
    lines = [
        "| sweep runs | run | worker | fired | started | counts logged | ended | process exited |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        for number, run in enumerate(sorted(r.runs, key=lambda run: run.start), start=1):
            fired = f"{run.fired.get('due', 0):,}" if run.fired is not None else "?"
            counted = f"{run.counted - r.first:.1f}" if run.counted else "?"
            lines.append(
                f"| {r.sweepers} | {number} | {run.queue} | {fired} | {run.start - r.first:.1f} | {counted} |"
                f" {run.end - r.first:.1f} | {run.exited - r.first:.1f} |"
            )
    return lines


def notes(shape: str, seeded: Seeded, deployment_note: str, rounds: list[Round]) -> list[str]:
    import prefect

    rows = ", ".join(f"{name} {count:,}" for name, count in seeded.rows.items())
    timelines = "; ".join(f"{r.sweepers} run(s): {r.timelines[0]} for {r.timelines[1]} cases" for r in rounds)
    return [
        f"State: {shape} seeded by bench/seed.py on PostgreSQL ({rows}; {seeded.seconds:.0f} s), each round on a"
        " fresh copy of it; WORKFLOWS_NOW = seed.SWEEP_AT, a Saturday: every timer due, no digest, nothing sent.",
        f"Prefect {prefect.__version__}: a server on PostgreSQL (services scheduler, event persister and triggers off:"
        f" only this script's runs, and Prefect does not store or evaluate the events), pool `{POOL}` deployed from"
        f" prefect.yaml, {deployment_note}; two process workers (queues {' and '.join(WORKERS)}, runs dealt"
        " round-robin).",
        "wall s: from the first sweep run's start to the last run's end (Prefect's own start and end times of the"
        " runs: each opens the runtime, fires the due timers it claims (tick), runs delivery, publishes the DSP views"
        " and emits an event per overdue item and escalation). firings/s = timers fired / wall s.",
        "sweeping s: from the first to the last write of a firing, read from our audit and outbox id sequences"
        f" every {POLL} s: the sweepers' ticks side by side, without start-up, delivery, publishing and events.",
        "processes exited s: until every flow-run process had exited; a process sends the events it queued before"
        " it exits (not in wall s). Prefect busy after s: how long the server then went on using more than a tenth"
        " of a core (the next round waits for it). Prefect 500s and events Prefect dropped: 'Encountered exception"
        " in request' and 'queue is full, dropping' in the server's log during the round (clients retry a 500).",
        f"Case timelines published (artifacts for distinct cases): {timelines}.",
        "Not measured: the server's start, deploying, seeding, copying the database, the workers' pick-up of a run"
        " and each flow-run process's start-up (imports) before Prefect marks the run Running.",
        "fired twice: items made overdue or escalated to a level twice, duplicate audit entries or outbox keys."
        " lost: items never made overdue or escalated, timers still due, cases whose state did not change. Every"
        " round is also compared with the first: the same audit entries, messages, case states, items and timers.",
    ]


# -- main ----------------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, work: Path) -> int:
    import seed

    dbs = Databases(seed.POSTGRES_URL, uuid.uuid4().hex[:8])
    ledger = Ledger(work, dbs.admin_url)
    try:
        say(f"work dir {work}; databases *_{dbs.run_id}")
        say("starting the Prefect server on PostgreSQL ...")
        started = time.perf_counter()
        prefect = start_server(work, dbs, ledger)
        say(f"  healthy after {time.perf_counter() - started:.0f} s at {prefect.api_url}")
        say("creating the work pool and deploying prefect.yaml ...")
        deployment_note = deploy(prefect, work, max(args.sweepers))
        say(f"  {deployment_note}")
        say("starting two workers ...")
        ledger.database(dbs.seed)
        ledger.database(dbs.state)
        start_workers(prefect, work, ledger, dbs)
        shape = f"{args.cases:,} open cases" if args.cases else f"{args.tasks:,} open agency tasks"
        say(f"seeding {shape} ...")
        seeded = seed_state(dbs, args.cases, args.tasks, args.agencies)
        say(f"  {seeded.due:,} due timers in {seeded.seconds:.0f} s")
        rounds: list[Round] = []
        problems: list[str] = []
        for sweepers in args.sweepers:
            say(f"round: {sweepers} concurrent sweep run(s) ...")
            timeout = args.timeout or max(1800.0, seeded.due * ROUND_SECONDS_PER_TIMER)
            done = sweep_round(dbs, sweepers, seeded, ledger, timeout, work, prefect.server)
            rounds.append(done)
            found = [f"{sweepers} sweeper(s): {problem}" for problem in done.checked.problems(seeded)]
            reference = rounds[0].checked.fingerprints
            found += [
                f"{sweepers} sweeper(s): {name} differ from the first round's"
                for name, value in done.checked.fingerprints.items()
                if value != reference[name]
            ]
            counted = [run.fired.get("due", 0) for run in done.runs if run.fired is not None]
            if len(counted) == len(done.runs) and sum(counted) != seeded.due:
                found.append(f"{sweepers} sweeper(s): the runs say they fired {sum(counted)}, {seeded.due} were due")
            say(
                f"  wall {done.wall:.1f} s, per run {share(done.runs)}, {'checks failed' if found else 'checks passed'}"
            )
            problems += found
            if found:
                break
        expected_runs = sum(r.sweepers for r in rounds)
        if (total := count_flow_runs()) != expected_runs:
            problems.append(f"Prefect holds {total} flow runs, this script created {expected_runs}")
        print(f"\n### Scale-out: the sweep through Prefect, {shape}\n")
        print("\n".join(table(rounds, seeded)))
        print()
        print("\n".join(f"- {line}" for line in notes(shape, seeded, deployment_note, rounds)))
        print(
            "\nEach run, in seconds from its round's first start (counts logged: after its tick, delivery, publishing"
            " and building its events; ended: Prefect's end of the run; process exited: after sending its events):\n"
        )
        print("\n".join(run_table(rounds)))
        if problems:
            print("\nFAILED:\n" + "\n".join(f"- {problem}" for problem in problems), flush=True)
            return 1
        print("\nAll checks passed: every due timer fired exactly once in every round.", flush=True)
        return 0
    except Failed as error:
        say(f"FAILED: {error}")
        for log in sorted(work.glob("*.log")):
            if log.name.startswith(("worker", "prefect-server")):
                say(tail(log, 25))
        return 1
    finally:
        say("tearing down ...")
        teardown(work)
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            for log in work.glob("*.log"):
                shutil.copy(log, args.logs / log.name)
            say(f"  logs kept in {args.logs}")
        say("  done: workers, flow-run processes, server and databases gone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--cases", type=int, help="open cases, one due timer each (default 100000)")
    shape.add_argument("--tasks", type=int, help="open agency tasks, one due timer each (bench/seed.py --tasks)")
    parser.add_argument("--agencies", type=int, default=10, help="tasks per case with --tasks (default 10)")
    parser.add_argument("--sweepers", type=int, nargs="+", default=[1, 2, 4], help="concurrent sweep runs per round")
    parser.add_argument(
        "--timeout", type=float, help="seconds a round may take, its runs' processes exited (default: 10 ms a timer)"
    )
    parser.add_argument("--logs", type=Path, help="keep the server's, workers' and flow runs' logs in this folder")
    parser.add_argument("--work", type=Path, help="a temp dir made by bench/scale_out.sh (else one is made here)")
    parser.add_argument("--teardown", type=Path, metavar="WORK", help="only end what WORK/teardown.json lists")
    args = parser.parse_args()
    if args.teardown:
        teardown(args.teardown)
        return
    if not args.cases and not args.tasks:
        args.cases = 100_000
    if any(count < 1 for count in args.sweepers):
        parser.error("--sweepers: counts of 1 or more")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the trap's TERM runs the finally: teardown
    own = args.work is None
    work = Path(tempfile.mkdtemp(prefix="scale-out-")) if own else args.work
    try:
        status = run(args, work)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
