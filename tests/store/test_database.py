"""Opening the database: commands that only read never create one, on SQLite or PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, inspect

from workflows.store.database import DatabaseMissing, describe, open_database


def test_reading_an_empty_database_creates_nothing_and_says_where_it_looked(db_url):
    with pytest.raises(DatabaseMissing, match=r"no workflows database at .*WORKFLOWS_DB_URL"):
        open_database(db_url, create=False)
    probe = create_engine(db_url)
    try:
        with probe.connect() as connection:
            assert inspect(connection).get_table_names() == []
    finally:
        probe.dispose()


def test_a_database_once_created_opens_for_reading(db_url):
    open_database(db_url, create=True).dispose()
    engine = open_database(db_url, create=False)
    with engine.connect() as connection:
        assert "cases" in inspect(connection).get_table_names()
    engine.dispose()


def test_a_missing_sqlite_file_is_not_created_nor_its_folder(tmp_path):
    path = tmp_path / "var" / "workflows.db"
    with pytest.raises(DatabaseMissing, match=re.escape(str(path))):
        open_database(f"sqlite:///{path}", create=False)
    assert not path.parent.exists()


def test_a_database_is_described_without_its_password():
    assert describe("postgresql+psycopg://bea:hunter2@db.example/workflows") == (
        "postgresql+psycopg://bea:***@db.example/workflows"
    )
    assert describe("sqlite:////srv/workflows/var/workflows.db") == "/srv/workflows/var/workflows.db"
