"""A stateful property test of the pure engine: random sequences of commands and timer firings on the shipped
processes, with the engine's invariants checked after every step.

- the input state is never changed by `apply`;
- every live timer belongs to an open item of an open case, and every open item of an open case has one
  unless its schedule has nothing left to fire;
- a message key always names the same message;
- a stage's due version only rises;
- the stored JSON round trip is lossless;
- a closed or cancelled case fires nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from workflows.calendar.deadlines import Deadline
from workflows.calendar.durations import parse_duration
from workflows.calendar.london import LONDON
from workflows.config.loader import load_config
from workflows.definitions.library import load_library
from workflows.definitions.model import FactType, Process
from workflows.engine import (
    CancelTimer,
    CaseStatus,
    Complete,
    Decide,
    Definition,
    EngineError,
    Extend,
    FireTimer,
    ItemStatus,
    Notify,
    Pause,
    Reassign,
    Resume,
    SetTimer,
    Slot,
    apply,
    start_case,
)
from workflows.engine.commands import ApproveExtension, Cancel, RefuseExtension, RequestExtension
from workflows.engine.parties import Actor
from workflows.engine.schedule.timing import next_moment
from workflows.engine.state import CaseState
from workflows.engine.state_codec import case_from_json, case_to_json

REPO = Path(__file__).resolve().parents[2]
CONFIG = load_config(REPO / "config")
LIBRARY = load_library([REPO / "processes"], CONFIG)
PROCESS_IDS = sorted(LIBRARY.processes)
# Processes that can pause, twice as likely: pausing and resuming is where timers most easily go astray.
WEIGHTED_IDS = PROCESS_IDS + sorted(pid for pid, process in LIBRARY.processes.items() if process.pause)
AGENCIES = sorted(CONFIG.directory.agencies)[:3]
START = datetime(2026, 12, 14, 10, 0, tzinfo=LONDON)


def facts_for(process: Process, started: datetime) -> dict[str, Any]:
    """A plausible value for every fact (sensitive ones too: the engine must carry them untouched)."""
    values: dict[FactType, Any] = {
        FactType.TEXT: "X-1",
        FactType.NUMBER: 3,
        FactType.BOOLEAN: True,
        FactType.DATE: started.date(),
        FactType.DATETIME: started - timedelta(hours=1),
        FactType.AGENCY: AGENCIES[0],
        FactType.AGENCY_LIST: list(AGENCIES),
    }
    return {
        name: fact.options[0] if fact.type is FactType.CHOICE and fact.options else values[fact.type]
        for name, fact in process.facts.items()
    }


def frozen(state: CaseState) -> str:
    return json.dumps(case_to_json(state), sort_keys=True, default=str)


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.definition: Definition | None = None
        self.state: CaseState | None = None
        self.now = START
        self.timers: dict[Slot, datetime] = {}
        self.messages: dict[str, tuple[str, str | None, str | None, str | None]] = {}
        self.versions: dict[str, int] = {}

    @initialize(process_id=st.sampled_from(WEIGHTED_IDS), offset=st.integers(min_value=0, max_value=24 * 14))
    def start(self, process_id: str, offset: int) -> None:
        process = LIBRARY.get(process_id)
        self.definition = Definition(process, CONFIG.timing_rules(process), f"hash-{process_id}")
        self.now = START + timedelta(hours=offset)
        self.state, effects = start_case(self.definition, "CASE-1", facts_for(process, self.now), self.now)
        self.record(effects)

    # -- the driver ------------------------------------------------------------------------------------

    def record(self, effects: list) -> None:
        for effect in effects:
            if isinstance(effect, SetTimer):
                self.timers[effect.slot] = effect.at
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.slot, None)
            elif isinstance(effect, Notify):
                message = (effect.kind, effect.stage, effect.task, effect.role)
                assert self.messages.setdefault(effect.key, message) == message, f"key {effect.key} reused"

    def run(self, command: Any) -> None:
        before = frozen(self.state)
        try:
            after, effects = apply(self.definition, self.state, command, self.now)
        except EngineError:
            assert frozen(self.state) == before  # a refusal changes nothing
            return
        assert frozen(self.state) == before, "apply changed its input state"
        self.state = after
        self.record(effects)

    def open_items(self) -> list[tuple[Slot, Any]]:
        return [(slot, item) for slot, item in self.state.items() if item.status is ItemStatus.OPEN]

    # -- rules -----------------------------------------------------------------------------------------

    @rule(hours=st.integers(min_value=1, max_value=24 * 10))
    def time_passes_and_the_sweeper_runs(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        for _ in range(50):
            due = sorted(slot for slot, at in self.timers.items() if at <= self.now)
            if not due:
                return
            for slot in due:
                self.run(FireTimer(slot))

    @precondition(lambda self: self.state is not None)
    @rule(data=st.data())
    def someone_completes_or_decides(self, data: st.DataObject) -> None:
        open_items = self.open_items()
        if not open_items:
            return
        slot, _ = data.draw(st.sampled_from(open_items))
        decision = self.definition.process.stages[slot.stage].decision
        if decision:
            option = data.draw(st.sampled_from(sorted(decision.options)))
            self.run(Decide(slot.stage, option, facts={"agencies": list(AGENCIES)}))
        else:
            self.run(Complete(slot.stage, slot.task))

    @rule()
    def the_clock_is_paused_or_resumed(self) -> None:
        policy = self.definition.process.pause
        if self.state.status is CaseStatus.PAUSED:
            self.run(Resume())
        elif policy:
            self.run(Pause(next(iter(policy.reasons))))

    @rule(data=st.data())
    def a_deadline_is_extended_or_reassigned(self, data: st.DataObject) -> None:
        open_items = self.open_items()
        if not open_items:
            return
        slot, _ = data.draw(st.sampled_from(open_items))
        approver = self.definition.process.extension_approver
        if approver and data.draw(st.booleans()):
            chair = Actor("chair@x.example", frozenset({(approver, None)}))
            amount = parse_duration("2 working days")
            self.run(Extend(slot.stage, amount, "more time", chair.email, slot.task, actor=chair))
        else:
            self.run(Reassign(slot.stage, "someone@x.example", "leave", slot.task))

    @rule(data=st.data())
    def more_time_is_asked_for_and_answered(self, data: st.DataObject) -> None:
        """Ask on an open item; or answer a request, open or already decided (a second answer is refused)."""
        requests = self.state.extension_requests
        approver = self.definition.process.extension_approver
        if requests and approver and data.draw(st.booleans()):
            asked = data.draw(st.sampled_from(requests))
            answer = data.draw(st.sampled_from([ApproveExtension, RefuseExtension]))
            self.run(answer(asked.number, "chair@x.example", Actor("chair@x.example", frozenset({(approver, None)}))))
            return
        open_items = self.open_items()
        if open_items:
            slot, _ = data.draw(st.sampled_from(open_items))
            amount = parse_duration("3 working days")
            officer = Actor("a@x.example", business_unit=True)  # the business unit asks for the task's holders
            self.run(RequestExtension(slot.stage, amount, "more time", officer.email, slot.task, actor=officer))

    @rule(chance=st.integers(min_value=0, max_value=9))
    def the_case_is_cancelled_now_and_then(self, chance: int) -> None:
        if chance == 0:  # rarely: a cancelled case has nothing left to explore
            self.run(Cancel("opened in error"))

    # -- invariants ------------------------------------------------------------------------------------

    @invariant()
    def timers_belong_to_open_items_and_every_open_item_has_one_while_anything_is_left(self) -> None:
        if self.state is None:
            return
        open_slots = {slot for slot, _ in self.open_items()}
        if self.state.status is not CaseStatus.OPEN:
            assert self.timers == {}, f"a {self.state.status.value} case keeps timers {sorted(self.timers)}"
            return
        assert set(self.timers) <= open_slots, sorted(set(self.timers) - open_slots)
        for slot, item in self.open_items():
            if slot in self.timers:
                continue
            stage = self.definition.process.stages[slot.stage]
            window = self.state.stages[slot.stage].anchor_at
            after = max(item.fired_through or self.now, self.now)
            left = next_moment(stage, Deadline(item.due_at, item.due_day), self.definition.rules, after, window)
            assert left is None, f"{slot} is open with {left} to come but no timer"

    @invariant()
    def due_versions_only_rise(self) -> None:
        if self.state is None:
            return
        for stage_id, stage in self.state.stages.items():
            assert stage.due_version >= self.versions.get(stage_id, 0)
            self.versions[stage_id] = stage.due_version

    @invariant()
    def the_stored_json_round_trip_is_lossless(self) -> None:
        if self.state is not None:
            assert case_from_json(json.loads(json.dumps(case_to_json(self.state), default=str))) == self.state

    @invariant()
    def a_closed_case_fires_nothing(self) -> None:
        if self.state is None or self.state.status not in (CaseStatus.CLOSED, CaseStatus.CANCELLED):
            return
        for slot, _ in self.state.items():
            after, effects = apply(self.definition, self.state, FireTimer(slot), self.now + timedelta(days=400))
            assert not [e for e in effects if isinstance(e, Notify | SetTimer)]
            assert frozen(after) == frozen(self.state)


TestEngineMachine = EngineMachine.TestCase
TestEngineMachine.settings = settings(
    max_examples=80, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
