"""who is told, one use of a link per action, claims on the real clock: each message stores its audience, which
deliverer claims it, since when it has been failing and when it was given up on; link uses are keyed by kind

Messages still to be sent get the audience their old columns meant (the person put in place of the role, or the
role's holders at the agency, the copied role besides, or the business unit), so delivery has one way to read
every row. A link's uses are kept per kind of action (finish, ask for time, answer a request, acknowledge): a
link used to ask for more time can still mark the task done later.

Revision ID: 0008
Revises: 0007
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("role", sa.String()),
    sa.column("agency", sa.String()),
    sa.column("assignee", sa.String()),
    sa.column("copy_role", sa.String()),
    sa.column("audience", sa.JSON()),
)
# What each recorded action was, by its kind (engine/vocabulary.py Action).
ACTION_KINDS = {
    "done": "finish",
    "decide": "finish",
    "request-extension": "ask-for-time",
    "approve": "answer-request",
    "refuse": "answer-request",
    "acknowledge": "acknowledge",
}


def audience_of(row: Any) -> dict[str, Any]:
    """What a row queued before audiences meant (notify/recipients.py as it was)."""
    if row.assignee:
        to = [{"person": row.assignee}]
    elif row.role is None:
        to = [{}]
    else:
        to = [{"role": row.role, **({"agency": row.agency} if row.agency else {})}]
    cc = [{"role": row.copy_role, **({"agency": row.agency} if row.agency else {})}] if row.copy_role else []
    return {"to": to, "cc": cc, "never": []}


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("audience", sa.JSON()))
        batch.add_column(sa.Column("claimed_by", sa.String(100)))
        batch.add_column(sa.Column("failing_since", sa.DateTime()))
        batch.add_column(sa.Column("failed_at", sa.DateTime()))
    connection = op.get_bind()
    unsent = connection.execute(
        sa.select(outbox.c.id, outbox.c.role, outbox.c.agency, outbox.c.assignee, outbox.c.copy_role).where(
            outbox.c.status != "sent"
        )
    ).all()
    for row in unsent:
        connection.execute(outbox.update().where(outbox.c.id == row.id).values(audience=audience_of(row)))
    # Claims and retry times are real times now: one set on a rehearsal's clock (months ahead) is let go.
    real_now = datetime.now(UTC).replace(tzinfo=None)
    timed = sa.table(
        "outbox",
        sa.column("status", sa.String()),
        sa.column("next_attempt_at", sa.DateTime()),
        sa.column("claimed_until", sa.DateTime()),
    )
    connection.execute(
        timed.update()
        .where(timed.c.status == "pending", timed.c.next_attempt_at > real_now + timedelta(hours=1))
        .values(next_attempt_at=real_now)
    )
    connection.execute(
        timed.update().where(timed.c.claimed_until > real_now + timedelta(minutes=5)).values(claimed_until=None)
    )
    # A message given up on before this version: given up on when it was last tried, or else when queued.
    failed = sa.table(
        "outbox",
        sa.column("status", sa.String()),
        sa.column("failed_at", sa.DateTime()),
        sa.column("sent_at", sa.DateTime()),
        sa.column("created_at", sa.DateTime()),
    )
    connection.execute(
        failed.update()
        .where(failed.c.status == "failed")
        .values(failed_at=sa.func.coalesce(failed.c.sent_at, failed.c.created_at))
    )

    op.create_table(
        "link_uses_by_kind",
        sa.Column("token_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
    )
    used = sa.table(
        "link_uses",
        sa.column("token_id", sa.String()),
        sa.column("used_at", sa.DateTime()),
        sa.column("action", sa.String()),
    )
    by_kind = sa.table(
        "link_uses_by_kind",
        sa.column("token_id", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("used_at", sa.DateTime()),
        sa.column("action", sa.String()),
    )
    rows = [
        {
            "token_id": row.token_id,
            "kind": ACTION_KINDS.get(row.action, row.action),
            "used_at": row.used_at,
            "action": row.action,
        }
        for row in connection.execute(sa.select(used))
    ]
    if rows:
        connection.execute(by_kind.insert(), rows)
    op.drop_table("link_uses")
    op.rename_table("link_uses_by_kind", "link_uses")


def downgrade() -> None:
    op.create_table(
        "link_uses_by_token",
        sa.Column("token_id", sa.String(64), primary_key=True),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
    )
    op.execute(
        "INSERT INTO link_uses_by_token (token_id, used_at, action) "
        "SELECT token_id, MIN(used_at), MIN(action) FROM link_uses GROUP BY token_id"
    )
    op.drop_table("link_uses")
    op.rename_table("link_uses_by_token", "link_uses")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("failed_at")
        batch.drop_column("failing_since")
        batch.drop_column("claimed_by")
        batch.drop_column("audience")
