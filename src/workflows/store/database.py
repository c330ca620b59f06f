"""Opening the database: URL from WORKFLOWS_DB_URL, SQLite tuned for one writer, migrations applied."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import orjson
from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import OperationalError

from workflows.engine.state_codec import encode_json

DB_URL_VARIABLE = "WORKFLOWS_DB_URL"
# The main job (`workflows up`) and every command share this default: one state in one place.
DEFAULT_DB_FILE = Path("var") / "workflows.db"


class DatabaseMissing(Exception):
    """No workflows database where a command looked. Only `workflows init` and `workflows up` create one: a
    mistyped location must fail loudly, not start a fresh, empty state that nobody sweeps."""


def json_text(value: object) -> str:
    """Every JSON column's text: orjson in C, a case state straight from its dataclasses (engine/state_codec.py)."""
    return encode_json(value).decode()


def database_url() -> str:
    return os.environ.get(DB_URL_VARIABLE) or f"sqlite:///{Path.cwd() / DEFAULT_DB_FILE}"


def describe(url: str) -> str:
    """Where a database is, for people: its file for SQLite, its URL without a password otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or "an in-memory SQLite database"
    return parsed.render_as_string(hide_password=True)


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def _tune_sqlite(engine: Engine, file: Path | None) -> None:
    opened: list[tuple[int, int] | None] = []  # the file this engine first opened (SQLite creates it then)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        if file is not None and not opened:
            opened.append(_file_identity(file))
        # Let SQLAlchemy, not the driver, begin transactions, so that we can BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes; WAL keeps it consistent
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # A file deleted or replaced while open would take every write with it, unseen (the open handle still
        # works) or, on a new connection, answer from an empty file SQLite creates: say so and write nothing.
        if opened and opened[0] is not None and file is not None and _file_identity(file) != opened[0]:
            gone = sqlite3.OperationalError(f"{file} was deleted or replaced while in use; nothing more is written")
            raise OperationalError("BEGIN", None, gone)
        # Take the write lock at the start: a read-then-write transaction never fails half-way on upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_database(url: str | None = None, *, migrate: bool = True, create: bool = False) -> Engine:
    """Open (and migrate) the database. Unless `create` (`workflows init`, `workflows up`), nothing is created:
    a missing SQLite file or a database without our tables raises DatabaseMissing, naming where it looked."""
    url = url or database_url()
    file = _sqlite_file(url)
    if file is not None:
        if not create and not file.is_file():
            raise DatabaseMissing(_missing(url))
        file.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, json_serializer=json_text, json_deserializer=orjson.loads)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, file)
    if not create and current_revision(engine) is None:
        engine.dispose()
        raise DatabaseMissing(_missing(url))
    if migrate:
        upgrade(engine)
    return engine


def database_present(url: str) -> bool:
    """Whether a workflows database (our tables) is at `url`; creates nothing, not even an SQLite file."""
    file = _sqlite_file(url)
    if file is not None and not file.is_file():
        return False
    engine = create_engine(url)
    try:
        return current_revision(engine) is not None
    finally:
        engine.dispose()


def _missing(url: str) -> str:
    return (
        f"no workflows database at {describe(url)}: `workflows init` creates one there; "
        f"set {DB_URL_VARIABLE} to open another"
    )


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op costing one query when it is there already)."""
    from workflows.store.migrations import HEAD_REVISION

    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
