"""Migration 0007: extension requests move from their table into their case's state, keeping their numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from workflows.engine.state import RequestStatus
from workflows.operations import cases, extensions
from workflows.store.cases import load_case
from workflows.store.database import upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "src" / "workflows" / "store" / "migrations"
APPROVER = "karen.whitehurst@stoke-council.example"  # business-manager: section-11-audit's extension_approver
OFFICER = "daniel.shaw@stoke-council.example"  # business-unit-officer: the owner of the audit's launch


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def case_id(runtime, reference: str) -> int:
    with runtime.db.connect() as connection:
        return load_case(connection, reference).id


def add_request(runtime, request_id: int, case: int, status: str, decided_by: str | None = None) -> None:
    row = {
        "id": request_id,
        "case_id": case,
        "stage": "launch",
        "amount": "5 working days",
        "reason": f"reason {request_id}",
        "requested_by": "officer@example.org",
        "requested_at": datetime(2026, 12, 18, 10),
        "status": status,
        "decided_by": decided_by,
        "decided_at": datetime(2026, 12, 18, 11) if decided_by else None,
    }
    with runtime.db.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO extension_requests (id, case_id, stage, amount, reason, requested_by, requested_at, "
                "status, decided_by, decided_at) VALUES (:id, :case_id, :stage, :amount, :reason, :requested_by, "
                ":requested_at, :status, :decided_by, :decided_at)"
            ),
            row,
        )


def test_requests_kept_in_the_table_move_into_their_cases_and_are_decided_by_their_old_ids(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T10:00")
    first = cases.start(runtime, "section-11-audit", {})[0]
    second = cases.start(runtime, "section-11-audit", {}, reference="S11-OTHER")[0]
    downgrade(runtime.db, "0006")
    add_request(runtime, 4, case_id(runtime, first), "pending")
    add_request(runtime, 5, case_id(runtime, first), "approved", decided_by=APPROVER)
    add_request(runtime, 7, case_id(runtime, second), "pending")

    upgrade(runtime.db)

    with runtime.db.connect() as connection:
        assert not inspect(connection).has_table("extension_requests")
        moved = load_case(connection, first).state.extension_requests
        other = load_case(connection, second).state.extension_requests
    assert [(r.number, r.status, r.decided_by) for r in moved] == [
        (4, RequestStatus.PENDING, None),
        (5, RequestStatus.APPROVED, APPROVER),
    ]
    assert moved[0].requested_at == datetime(2026, 12, 18, 10, tzinfo=UTC)
    assert moved[0].reason == "reason 4" and [r.number for r in other] == [7]
    # The id an approver's link carries still names its request; new requests number on past the old ones.
    state = extensions.approve(runtime, first, 4, APPROVER)
    assert state.extension_request(4).status is RequestStatus.APPROVED
    assert extensions.request(runtime, first, "launch", "1 working day", "again", OFFICER).number == 6


def test_going_back_puts_the_requests_in_the_table_again(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T10:00")
    reference = cases.start(runtime, "section-11-audit", {})[0]
    extensions.request(runtime, reference, "launch", "5 working days", "Staff absence", OFFICER)
    downgrade(runtime.db, "0006")
    with runtime.db.connect() as connection:
        rows = connection.execute(text("SELECT stage, amount, status, requested_at FROM extension_requests")).all()
        state = connection.execute(text("SELECT state FROM cases")).scalar_one()
    assert [(row.stage, row.amount, row.status) for row in rows] == [("launch", "5 working days", "pending")]
    assert "extension_requests" not in (state if isinstance(state, dict) else json.loads(state))  # SQLite: text
    upgrade(runtime.db)
    with runtime.db.connect() as connection:
        assert [r.reason for r in load_case(connection, reference).state.extension_requests] == ["Staff absence"]
