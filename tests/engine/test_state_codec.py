"""The case state's JSON codec: lossless for any state, the stored format unchanged, older rows still read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar.london import LONDON, to_london
from workflows.engine.state import (
    CaseState,
    CaseStatus,
    ExtensionRequest,
    ItemState,
    ItemStatus,
    Pause,
    RequestStatus,
    Shift,
    StageState,
)
from workflows.engine.state_codec import case_from_json, case_to_json, encode_json
from workflows.engine.vocabulary import ShiftKind


# Real instants, written in UTC or in London time as the engine writes them. Python never finds a London time in
# the hour the clocks repeat equal to the same instant written with a fixed offset (PEP 495), so the equality
# property leaves that hour out; the property on the stored text covers it.
def _ambiguous(moment: datetime) -> bool:
    local = to_london(moment)
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


any_instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).flatmap(lambda moment: st.sampled_from([moment, to_london(moment)]))
instants = any_instants.filter(lambda moment: not _ambiguous(moment))
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 1, 1))
texts = st.text(max_size=12)
maybe = st.none().__or__
# Names as facts have them: a fact name is an identifier (definitions/fields.py), never a date tag such as "$d".
names = texts.filter(lambda name: not name.startswith("$"))
fact_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts | days | instants,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


shifts = st.builds(Shift, st.sampled_from(ShiftKind), texts, texts, maybe(texts), instants)


def items(cls: type = ItemState, **extra: Any) -> st.SearchStrategy[Any]:
    extra.setdefault("shifts", st.lists(shifts, max_size=2))
    return st.builds(
        cls,
        unextended_due_at=maybe(instants),
        unextended_due_day=maybe(days),
        status=st.sampled_from(ItemStatus),
        due_at=maybe(instants),
        due_day=maybe(days),
        fired_through=maybe(instants),
        escalation_level=st.integers(0, 10),
        assignee=maybe(texts),
        finished_at=maybe(instants),
        finished_by=maybe(texts),
        note=maybe(texts),
        acknowledged_level=st.integers(0, 10),
        **extra,
    )


stages = items(
    StageState,
    opened_at=maybe(instants),
    agency=maybe(texts),
    anchor=maybe(texts),
    anchor_at=maybe(instants),
    base_due_at=maybe(instants),
    base_due_day=maybe(days),
    skipped_days=st.lists(st.tuples(days, texts), max_size=3),
    shifts=st.lists(shifts, max_size=2),
    due_version=st.integers(0, 5),
    decision=maybe(texts),
    decided_automatically=st.booleans(),
    tasks=st.dictionaries(texts, items(), max_size=3),
)
requests = st.builds(
    ExtensionRequest,
    number=st.integers(1, 9),
    stage=texts,
    task=maybe(texts),
    amount=texts,
    reason=texts,
    requested_by=texts,
    requested_at=instants,
    status=st.sampled_from(RequestStatus),
    decided_by=maybe(texts),
    decided_at=maybe(instants),
)
case_states = st.builds(
    CaseState,
    reference=texts,
    process_id=texts,
    definition_hash=texts,
    status=st.sampled_from(CaseStatus),
    started_at=instants,
    facts=st.dictionaries(names, fact_values, max_size=4),
    stages=st.dictionaries(texts, stages, max_size=3),
    pauses=st.lists(st.builds(Pause, instants, texts, maybe(instants)), max_size=2),
    parent_reference=maybe(texts),
    children=st.lists(texts, max_size=2),
    closed_at=maybe(instants),
    close_reason=maybe(texts),
    extension_requests=st.lists(requests, max_size=2),
)


@settings(deadline=None)  # big generated states: slow examples on a busy machine are not failures
@given(case_states)
def test_any_state_comes_back_the_same(state: CaseState) -> None:
    assert case_from_json(case_to_json(state)) == state
    assert case_from_json(encode_json(state)) == state  # from the stored text too


@settings(deadline=None)
@given(any_instants)
def test_every_instant_comes_back_as_written_even_when_the_clocks_go_back(moment: datetime) -> None:
    state = CaseState("RR/2026/1", "rapid-review", "h", CaseStatus.OPEN, moment, {"when": moment}, {})
    again = case_from_json(encode_json(state))
    assert encode_json(again) == encode_json(state)
    assert again.started_at.utcoffset() == moment.utcoffset() and again.started_at.timestamp() == moment.timestamp()


def _tagged(value: Any) -> Any:
    """The codec before orjson, kept here as the definition of the stored format."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, dict):
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tagged(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _tagged(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


@settings(deadline=None)  # big generated states: slow examples on a busy machine are not failures
@given(case_states)
def test_the_stored_format_is_unchanged_and_rows_written_before_still_read(state: CaseState) -> None:
    before = json.loads(json.dumps(_tagged(state)))
    assert json.loads(encode_json(state)) == before
    assert case_from_json(before) == state


def test_a_row_from_before_a_field_existed_reads_with_its_default() -> None:
    moment = datetime(2026, 12, 1, 10, tzinfo=LONDON)
    state = CaseState("RR/2026/1", "rapid-review", "h", CaseStatus.OPEN, moment, {}, {"s": StageState()})
    stored = case_to_json(state)
    del stored["extension_requests"], stored["stages"]["s"]["acknowledged_level"]
    again = case_from_json(stored)
    assert again.extension_requests == [] and again.stages["s"].acknowledged_level == 0


def test_a_task_stored_before_tasks_had_their_own_extensions_reads_with_none() -> None:
    moment = datetime(2026, 12, 1, 10, tzinfo=LONDON)
    stage = StageState(tasks={"police": ItemState(ItemStatus.OPEN, due_at=moment)})
    stored = case_to_json(CaseState("RR/2026/1", "rapid-review", "h", CaseStatus.OPEN, moment, {}, {"s": stage}))
    for older in (stored["stages"]["s"], stored["stages"]["s"]["tasks"]["police"]):
        del older["shifts"], older["unextended_due_at"], older["unextended_due_day"]
    again = case_from_json(stored).stages["s"]
    assert again.shifts == [] and again.unextended_due_at is None
    assert again.tasks["police"].shifts == [] and again.tasks["police"].unextended_due_day is None


def test_bare_iso_strings_read_as_datetimes() -> None:
    moment = datetime(2026, 12, 1, 10, tzinfo=UTC)
    state = CaseState("RR/2026/1", "rapid-review", "h", CaseStatus.OPEN, moment, {}, {})
    stored = case_to_json(state)
    stored["started_at"] = moment.isoformat()
    assert case_from_json(stored).started_at == moment


def test_a_value_no_state_holds_is_refused_by_name() -> None:
    moment = datetime(2026, 12, 1, 10, tzinfo=UTC)
    state = CaseState("RR/2026/1", "rapid-review", "h", CaseStatus.OPEN, moment, {"f": timedelta(1)}, {})
    with pytest.raises(TypeError, match="timedelta"):
        encode_json(state)
