"""Several commands on one copy of a state (what a sweep does for the timers of one case) give what applying
them one by one gives: the same state, the same effects for each, and the input left unchanged."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar.london import LONDON
from workflows.engine import Complete, EngineError, FireTimer, Slot, apply, start_case
from workflows.engine.machine import apply_in_turn
from workflows.engine.state_codec import case_to_json

START = datetime(2026, 12, 18, 10, tzinfo=LONDON)


def _started(definition):
    facts = {"notified_on": date(2026, 12, 18), "agencies": ["city-council", "police"], "child_name": "Secret Name"}
    state, _ = start_case(definition, "DM-2026-001", facts, START)
    return state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days=st.integers(1, 60),
    slots=st.lists(st.sampled_from(["request", "gather", "decide", "nowhere"]), min_size=1, max_size=4),
)
def test_in_turn_is_one_by_one(definition, days: int, slots: list[str]) -> None:
    state = _started(definition)
    before = case_to_json(state)
    now = START + timedelta(days=days)
    commands = [FireTimer(Slot(stage)) for stage in slots]
    expected_state, expected_effects = state, []
    for command in commands:
        expected_state, effects = apply(definition, expected_state, command, now)
        expected_effects.append(effects)
    together, each = apply_in_turn(definition, state, commands, now)
    assert case_to_json(together) == case_to_json(expected_state)
    assert each == expected_effects
    assert case_to_json(state) == before


def test_a_refused_command_raises_and_leaves_the_input_unchanged(definition) -> None:
    state = _started(definition)
    before = case_to_json(state)
    with pytest.raises(EngineError):
        apply_in_turn(definition, state, [FireTimer(Slot("request")), Complete("gather")], START + timedelta(days=3))
    assert case_to_json(state) == before
