"""one case, one name: each case's reference key (its reference without regard to case), unique; and when the
last sweep finished, so the main job can say when sweeps stop

A reference key is what the DSPs' artifact `case-<key>` is named by. Cases stored before this version keep their
references; where two already share a key, the first (by id) holds it and the later ones have none: they are
still found by their exact reference.

Revision ID: 0009
Revises: 0008
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

cases = sa.table(
    "cases", sa.column("id", sa.Integer()), sa.column("reference", sa.String()), sa.column("reference_key", sa.String())
)


def _key(reference: str) -> str | None:
    # store/references.py reference_key, as it is at this version (a migration never changes with the code)
    return re.sub(r"[^a-z0-9]+", "-", reference.lower()).strip("-") or None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("reference_key", sa.String(100)))
    connection = op.get_bind()
    taken: set[str] = set()
    keys: list[dict[str, object]] = []
    for case_id, reference in connection.execute(sa.select(cases.c.id, cases.c.reference).order_by(cases.c.id)):
        key = _key(reference)
        if key is not None and key not in taken:
            taken.add(key)
            keys.append({"case_id": case_id, "key": key})
    if keys:
        connection.execute(
            cases.update().where(cases.c.id == sa.bindparam("case_id")).values(reference_key=sa.bindparam("key")),
            keys,
        )
    op.create_index("uq_cases_reference_key", "cases", ["reference_key"], unique=True)
    op.create_table(
        "sweep_heartbeats",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("sweeper", sa.String(100), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sweep_heartbeats")
    op.drop_index("uq_cases_reference_key", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reference_key")
