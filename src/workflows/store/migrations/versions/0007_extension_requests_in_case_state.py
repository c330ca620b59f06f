"""extension requests in case state: the engine decides them, so they live in the case's JSON state; table dropped

Every row (pending or decided) moves into its case's `extension_requests`, numbered by its old id: links already
sent name that id, and the messages already queued keep keys that new requests (numbered past it) cannot reuse.

Revision ID: 0007
Revises: 0006
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")
TEXT_COLUMNS = ("stage", "task", "amount", "reason", "requested_by", "status", "decided_by")

cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("state", sa.JSON()))
request_rows = sa.table(
    "extension_requests",
    sa.column("id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    *(sa.column(name, sa.Text()) for name in TEXT_COLUMNS),
    sa.column("requested_at", sa.DateTime()),
    sa.column("decided_at", sa.DateTime()),
)


def create_requests_table() -> None:
    """As migration 0004 made it."""
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


# The case state's JSON form of a datetime (engine/state.py): a tagged ISO string, in London time as the engine
# keeps it. The table held naive UTC.
def _to_state(moment: datetime | None) -> dict[str, str] | None:
    return None if moment is None else {"$dt": moment.replace(tzinfo=UTC).astimezone(LONDON).isoformat()}


def _from_state(tagged: dict[str, str] | None) -> datetime | None:
    return None if tagged is None else datetime.fromisoformat(tagged["$dt"]).astimezone(UTC).replace(tzinfo=None)


def _state_request(row: Any) -> dict[str, Any]:
    return {
        "number": row.id,
        "stage": row.stage,
        "task": row.task,
        "amount": row.amount,
        "reason": row.reason,
        "requested_by": row.requested_by,
        "requested_at": _to_state(row.requested_at),
        "status": row.status,
        "decided_by": row.decided_by,
        "decided_at": _to_state(row.decided_at),
    }


def upgrade() -> None:
    connection = op.get_bind()
    by_case: dict[int, list[dict[str, Any]]] = {}
    for row in connection.execute(sa.select(request_rows).order_by(request_rows.c.id)):
        by_case.setdefault(row.case_id, []).append(_state_request(row))
    for case_id, moved in by_case.items():
        state = connection.execute(sa.select(cases.c.state).where(cases.c.id == case_id)).scalar_one()
        known = {request["number"] for request in state.get("extension_requests", [])}
        added = [request for request in moved if request["number"] not in known]
        state = {**state, "extension_requests": [*state.get("extension_requests", []), *added]}
        connection.execute(sa.update(cases).where(cases.c.id == case_id).values(state=state))
    op.drop_table("extension_requests")


def downgrade() -> None:
    """The table again, holding every request the case states hold (with new ids: links to them stop working)."""
    connection = op.get_bind()
    create_requests_table()
    for case_id, state in connection.execute(sa.select(cases.c.id, cases.c.state)).all():
        kept = state.get("extension_requests")
        if not kept:
            continue
        rows = [
            {
                "case_id": case_id,
                **{name: request[name] for name in TEXT_COLUMNS},
                "requested_at": _from_state(request["requested_at"]),
                "decided_at": _from_state(request["decided_at"]),
            }
            for request in kept
        ]
        connection.execute(request_rows.insert(), rows)
        rest = {name: value for name, value in state.items() if name != "extension_requests"}
        connection.execute(sa.update(cases).where(cases.c.id == case_id).values(state=rest))
