"""`workflows init`: the one command (besides `workflows up`) that creates a database."""

from __future__ import annotations

import click

from workflows.cli.case_commands import runtime


@click.command()
def init() -> None:
    """Create the workflows database where WORKFLOWS_DB_URL says (by default var/workflows.db here), or bring an
    existing one's tables up to date. Every other command refuses a database that is not there (exit 4)."""
    from sqlalchemy.exc import SQLAlchemyError

    from workflows.store.database import database_present, database_url, describe

    url = database_url()
    try:
        existed = database_present(url)
    except SQLAlchemyError:
        existed = False  # opening it below says what is wrong, in one line
    with runtime(create=True) as rt:
        rt.db.dispose()
    click.echo(f"{'up to date' if existed else 'created'}: {describe(url)}")
