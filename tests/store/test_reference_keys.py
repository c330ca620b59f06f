"""One case, one name: references are unique without regard to letter case (or to the runs of dashes the DSPs'
artifact names fold), a case is found by any spelling of its reference, and cases stored before this rule keep
theirs (migration 0009)."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_extension_request_migration import downgrade

from workflows import clock
from workflows.dashboard.publish import artifact_key
from workflows.engine.machine import start_case
from workflows.operations import cases
from workflows.operations.errors import CommandRefused
from workflows.store.cases import load_case
from workflows.store.database import upgrade
from workflows.store.definitions import save_definition
from workflows.store.references import reference_key
from workflows.store.schema import cases as case_rows

FACTS = {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"]}

references = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?", fullmatch=True)


def respelt(reference: str, data: st.DataObject) -> str:
    """The same reference with each letter's case drawn afresh."""
    return "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) if c.isalpha() else c for c in reference)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(reference=references, data=st.data())
def test_a_reference_in_any_case_is_the_same_case(shipped_runtime, set_clock, reference, data):
    set_clock("2026-12-18T10:00")
    with shipped_runtime.db.connect() as connection:
        stored = load_case(connection, reference)
    if stored is None:
        cases.start(shipped_runtime, "rapid-review", FACTS, reference=reference)
        original = reference
    else:
        original = stored.state.reference
    other = respelt(reference, data)
    with pytest.raises(CommandRefused, match="already in use"):
        cases.start(shipped_runtime, "rapid-review", FACTS, reference=other)
    with shipped_runtime.db.connect() as connection:
        found = load_case(connection, other)
    assert found is not None and found.state.reference == original  # named as it was stored
    assert artifact_key(f"case-{other}") == artifact_key(f"case-{original}") == f"case-{reference_key(original)}"


def test_cases_stored_before_keep_their_references_and_the_first_holds_the_key(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T10:00")
    downgrade(runtime.db, "0008")
    stored_before = ["RR-2026-001", "rr-2026-001", "Rr--2026-001", "RR-2026-002"]
    for reference in stored_before:  # as 0008 stored them: nothing stopped two spellings of one reference
        insert_as_0008_did(runtime, reference)

    upgrade(runtime.db)

    with runtime.db.connect() as connection:
        keys = dict(connection.execute(select(case_rows.c.reference, case_rows.c.reference_key)).all())
        exact = {reference: load_case(connection, reference).state.reference for reference in stored_before}
        any_spelling = load_case(connection, "rR-2026-001").state.reference
    assert keys == {
        "RR-2026-001": "rr-2026-001",
        "rr-2026-001": None,
        "Rr--2026-001": None,
        "RR-2026-002": "rr-2026-002",
    }
    assert exact == {reference: reference for reference in stored_before}  # each still found by its own reference
    assert any_spelling == "RR-2026-001"  # another spelling finds the one holding the key
    with pytest.raises(CommandRefused, match="already in use as RR-2026-001"):
        cases.start(runtime, "rapid-review", FACTS, reference="rR-2026-001")


def insert_as_0008_did(runtime, reference: str) -> None:
    """A case row with every column 0008 had (no reference key)."""
    definition, text = runtime.current("rapid-review")
    state, _ = start_case(definition, reference, dict(FACTS), clock.now())
    with runtime.db.begin() as connection:
        save_definition(connection, definition.hash, definition.process, text, clock.now())
        connection.execute(
            case_rows.insert().values(
                reference=reference,
                process_id=state.process_id,
                definition_hash=state.definition_hash,
                status=state.status.value,
                started_at=state.started_at,
                state=state,
            )
        )


def test_a_key_is_what_the_artifact_name_folds():
    for reference in ["RR-2026-001", "a--B", "x", "9-9", *string.ascii_letters[:5]]:
        assert f"case-{reference_key(reference)}" == artifact_key(f"case-{reference}")
