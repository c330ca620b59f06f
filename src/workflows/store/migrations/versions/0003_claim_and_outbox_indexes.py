"""indexes: timers by (fire_at, id) for the claim, outbox by case

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_timers_fire_at", table_name="timers")
    op.create_index("ix_timers_fire_at_id", "timers", ["fire_at", "id"])
    op.create_index("ix_outbox_case", "outbox", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_case", table_name="outbox")
    op.drop_index("ix_timers_fire_at_id", table_name="timers")
    op.create_index("ix_timers_fire_at", "timers", ["fire_at"])
