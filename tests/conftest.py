"""Shared fixtures: a small, self-contained partnership config for tests that must not depend on demo data."""

from __future__ import annotations

import asyncio
import copy
import email
import email.policy
import functools
import os
import shutil
import socket
import sys
import tempfile
import textwrap
import threading
import types
import uuid
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"

# Hypothesis profiles. `default` (make test) is Hypothesis's own, as thorough as each test asks for; `fast`
# (make test-fast sets HYPOTHESIS_PROFILE=fast) runs at most FAST_EXAMPLES examples a property, even where a test
# asks for more with its own @settings, and sets no deadline (a machine busy with other work is no failure): an
# edit-loop smoke run of every property, not a search.
FAST_EXAMPLES = 10
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
settings.register_profile("fast", max_examples=FAST_EXAMPLES, deadline=None)
settings.load_profile(HYPOTHESIS_PROFILE)

# What a test needs, as markers, so `make test-fast` can leave out the slow parts: derived from its fixtures.
_MARKED_BY_FIXTURE = {
    "postgres_url": "postgres",
    "prefect_server": "prefect",
    "chromium_at": "browser",
}
# A test that starts processes (the `workflows` command, rival sweepers, kill -9, a wheel build) takes seconds:
# `slow`. Derived from the code: the test, its fixtures, or a function or class of the test suite they call (three
# calls deep) names subprocess or multiprocessing. A test that hides it deeper is marked `slow` by hand.
_SPAWNING_MODULES = frozenset({"subprocess", "multiprocessing"})
_CALLS_DEEP = 3


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: starts processes (derived in tests/conftest.py from the code), or marked by hand as a sweep over many"
        " hostile inputs; make test-fast leaves it out",
    )


def _names_in(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):  # nested functions, lambdas, comprehensions
            names |= _names_in(constant)
    return names


def _ours(value) -> bool:
    """A function or class of this test suite (a test module, a conftest or a helper beside them)."""
    module = sys.modules.get(getattr(value, "__module__", None) or "")
    return TESTS in Path(getattr(module, "__file__", None) or "/").parents


@functools.cache
def _starts_processes(value, depth: int = _CALLS_DEEP) -> bool:
    if isinstance(value, type):
        return any(_starts_processes(member, depth) for member in vars(value).values() if callable(member))
    value = getattr(getattr(value, "hypothesis", None), "inner_test", value)  # a @given test: the test itself
    code, namespace = getattr(value, "__code__", None), getattr(value, "__globals__", {})
    if code is None:
        return False
    for name in _names_in(code):
        if name in _SPAWNING_MODULES:  # a module imported inside the function
            return True
        found = namespace.get(name)
        module = found.__name__ if isinstance(found, types.ModuleType) else getattr(found, "__module__", None)
        if isinstance(module, str) and module.partition(".")[0] in _SPAWNING_MODULES:
            return True
        ours = isinstance(found, types.FunctionType | type) and _ours(found)
        if depth and ours and _starts_processes(found, depth - 1):
            return True
    return False


def _is_slow(item) -> bool:
    fixtures = getattr(item, "_fixtureinfo", None)
    definitions = fixtures.name2fixturedefs.values() if fixtures else ()
    functions = [getattr(item, "function", None)] + [d.func for defs in definitions for d in defs if _ours(d.func)]
    return any(function is not None and _starts_processes(function) for function in functions)


def _at_most(limit: int, item) -> None:
    """Hold a Hypothesis test to `limit` examples, its own @settings (or a state machine's) included."""
    function = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
    own = getattr(function, "_hypothesis_internal_use_settings", None)
    if isinstance(own, settings) and own.max_examples > limit:
        function._hypothesis_internal_use_settings = settings(own, max_examples=limit)
    cls = getattr(item, "cls", None)
    machine = getattr(cls, "settings", None)
    if isinstance(machine, settings) and machine.max_examples > limit:
        cls.settings = settings(machine, max_examples=limit)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for fixture, marker in _MARKED_BY_FIXTURE.items():
            if fixture in fixtures:
                item.add_marker(marker)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgresql":
            item.add_marker("postgres")
        if _is_slow(item):
            item.add_marker("slow")
        if HYPOTHESIS_PROFILE == "fast":
            _at_most(FAST_EXAMPLES, item)


MINIMAL_CONFIG = {
    "partnership.yaml": """
        name: Test partnership
        sender: workflows@partnership.example
        business_unit_email: business.unit@partnership.example
        business_unit_roles: [business-manager]
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


@pytest.fixture(scope="session")
def _shipped_template(tmp_path_factory):
    """The shipped config and library opened once (Runtime.open) on an SQLite file migrated once, for copying."""
    from workflows.operations.runtime import Runtime

    database = tmp_path_factory.mktemp("shipped") / "template.db"
    runtime = Runtime.open(REPO / "config", REPO / "processes", f"sqlite:///{database}", create=True)
    runtime.db.dispose()  # every connection closed: the file is the whole, migrated, empty database
    return runtime, database


@pytest.fixture
def shipped_runtime(db_url, _shipped_template):
    """The shipped config and process library on a fresh database.

    A deep copy of a runtime opened once per session (a test may change its library); on SQLite the fresh
    database is a copy of an empty one migrated once. Loading and migrating for every test cost most of a second.
    """
    from workflows.store.database import open_database

    template, database = _shipped_template
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(database, db_url.removeprefix("sqlite:///"))
    runtime = copy.deepcopy(template, {id(template.db): open_database(db_url, create=True)})
    yield runtime
    runtime.db.dispose()


# -- a real SMTP server (aiosmtpd) on loopback for the whole session, with faults we can switch on --


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message
    raw: bytes


@dataclass
class Mailbox:
    """What the server received, and the faults it plays."""

    received: list[Received] = field(default_factory=list)
    connections: int = 0
    refuse: set[str] = field(default_factory=set)  # answered 550 at RCPT
    refusal_text: str = "No such user here"  # what follows "550 5.1.1 " when refusing
    busy: set[str] = field(default_factory=set)  # answered 451 at RCPT (temporary)
    data_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.connections = 0
            self.refuse.clear()
            self.refusal_text = "No such user here"
            self.busy.clear()
            self.data_delay = 0.0

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


class Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.mailbox.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.mailbox.refuse:
            return f"550 5.1.1 {self.mailbox.refusal_text}"
        if address in self.mailbox.busy:
            return "451 4.3.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mailbox.data_delay:
            await asyncio.sleep(self.mailbox.data_delay)
        raw = envelope.original_content or envelope.content
        with self.mailbox.lock:
            self.mailbox.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(raw, policy=email.policy.default),
                    raw,
                )
            )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(Handler(self.mailbox), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, monkeypatch):
    """The session's server, emptied, with WORKFLOWS_SMTP_* pointing at it; restarted if a test stopped it."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.mailbox.reset()
    monkeypatch.setenv("WORKFLOWS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WORKFLOWS_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("WORKFLOWS_SMTP_TIMEOUT", "10")
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()


# -- real headless Chromium (Debian's chromium and chromedriver) --


@pytest.fixture
def chromium_at():
    """Open headless Chromium with a window of the given size; every browser opened is closed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opened = []

    def open_browser(width: int, height: int):
        binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
        if not (binary and driver):
            pytest.fail("install Debian's chromium and chromium-driver (make test does)")
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        profile = tempfile.mkdtemp()
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
        ):
            options.add_argument(flag)
        browser = webdriver.Chrome(service=Service(driver), options=options)
        opened.append((browser, profile))
        return browser

    yield open_browser
    for browser, profile in opened:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)
