"""action links: one use per link, extension requests

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_uses",
        sa.Column("token_id", sa.String(64), primary_key=True),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
    )
    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("task", sa.String(200)),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(320), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("decided_by", sa.String(320)),
        sa.Column("decided_at", sa.DateTime()),
    )


def downgrade() -> None:
    op.drop_table("extension_requests")
    op.drop_table("link_uses")
