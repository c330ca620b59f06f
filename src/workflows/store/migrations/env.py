"""Alembic environment: runs on the connection `open_database` hands over, or on sqlalchemy.url."""

from alembic import context
from sqlalchemy import create_engine

from workflows.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    from workflows.store.database import database_url

    engine = create_engine(config.get_main_option("sqlalchemy.url") or database_url())
    with engine.begin() as own_connection:
        run(own_connection)
