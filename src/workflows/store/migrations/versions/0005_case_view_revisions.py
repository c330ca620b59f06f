"""case view revisions: every change to a case bumps its revision; the DSP view republishes what moved on

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STALE = sa.text("revision <> published_revision")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("published_revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_cases_view_stale", "cases", ["id"], sqlite_where=STALE, postgresql_where=STALE)


def downgrade() -> None:
    op.drop_index("ix_cases_view_stale", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("published_revision")
        batch.drop_column("revision")
