"""Alembic migrations of the store. HEAD_REVISION lets a start-up skip Alembic when nothing is due."""

HEAD_REVISION = "0009"
