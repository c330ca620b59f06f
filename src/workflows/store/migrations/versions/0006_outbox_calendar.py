"""outbox calendar: a message waits for the working hours of its process's calendar

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("calendar", sa.String(100)))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("calendar")
