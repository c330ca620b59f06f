"""Who is told and who may act, as one model, proven as a whole (issue 20): a stateful property test over random
definitions (ladders, involved roles, fan-out, agency-fact stages, vacant roles, approvers with and without
self-approval) and random sequences of reassignment, requests for more time and their answers, pauses,
completions, acknowledgements and sweeps, each by a person drawn from the directory, deputies, the business
unit, people a reassignment named and outsiders.

After every step, checked against tests/parties_oracle.py (the docs' table, written again in terms of people):
- every queued message's recipients, resolved from the directory as delivery resolves them, equal the table's;
- every action accepted was allowed by the table, and every action the table refuses was refused, changing nothing;
- the holders a reassignment replaced get nothing more about the task;
- escalation step k of a deadline is sent once, to the ladder's k-th role;
- an extension of one task moves no other task, nor its stage.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import textwrap
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from parties_oracle import Oracle, open_slots

from workflows.calendar.durations import parse_duration
from workflows.calendar.london import LONDON
from workflows.config.loader import load_config
from workflows.definitions.model import Process
from workflows.engine import (
    CaseState,
    CaseStatus,
    CommandRefused,
    Complete,
    Decide,
    Definition,
    FireTimer,
    InvalidInput,
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
from workflows.engine.commands import Acknowledge, ApproveExtension, RefuseExtension, RequestExtension
from workflows.engine.effects import Audit, CancelTimer
from workflows.engine.state_codec import case_to_json
from workflows.notify.recipients import resolve
from workflows.operations.people import actor_for

CONFIG_FILES = {
    "partnership.yaml": """
        name: Property partnership
        sender: workflows@p.example
        business_unit_email: unit@p.example
        business_unit_roles: [bu-officer]
    """,
    "calendar.yaml": """
        working_hours: {start: "09:00", end: "17:30"}
    """,
    "roles.yaml": """
        roles:
          bu-officer: {title: Business unit officer}
          chair: {title: Chair}
          dsp: {title: DSP}
          approver: {title: Approver}
          vacant: {title: A role nobody holds}
          lead: {title: Agency lead, scope: agency}
          manager: {title: Agency manager, scope: agency}
    """,
    "agencies.yaml": """
        agencies:
          a: {name: Agency A, kind: council}
          b: {name: Agency B, kind: police}
          c: {name: Agency C, kind: health}
    """,
    "people.yaml": """
        people:
          - {name: Unit One, email: unit1@p.example, holds: [{role: bu-officer}]}
          - {name: Unit Two, email: unit2@p.example, holds: [{role: bu-officer, deputy: true}]}
          - {name: Chair One, email: chair1@p.example, holds: [{role: chair}]}
          - {name: Chair Two, email: chair2@p.example, holds: [{role: chair, deputy: true}]}
          - {name: DSP One, email: dsp1@p.example, holds: [{role: dsp}]}
          - {name: Approver One, email: appr1@p.example, holds: [{role: approver}]}
          - {name: Approver Two, email: appr2@p.example, holds: [{role: approver}]}
          - {name: Approver Three, email: appr3@p.example, holds: [{role: approver, deputy: true}]}
          - {name: Lead A, email: lead.a@a.example, holds: [{role: lead, agency: a}]}
          - {name: Lead A Deputy, email: lead.a2@a.example, holds: [{role: lead, agency: a, deputy: true}]}
          - {name: Lead B, email: lead.b@b.example, holds: [{role: lead, agency: b}]}
          - {name: Lead C, email: lead.c@c.example, holds: [{role: lead, agency: c}]}
          - {name: Manager A, email: mgr.a@a.example, holds: [{role: manager, agency: a}]}
          - {name: Manager B, email: mgr.b@b.example, holds: [{role: manager, agency: b}]}
    """,
}
AGENCIES = ["a", "b", "c"]
STANDS_IN = ["locum1@elsewhere.example", "locum2@elsewhere.example"]
OUTSIDER = "outsider@elsewhere.example"
START = datetime(2027, 1, 11, 10, 0, tzinfo=LONDON)
PARTNERSHIP_ROLES = ["bu-officer", "chair", "dsp", "approver", "vacant"]
AGENCY_ROLES = ["lead", "manager"]


def _config():
    folder = Path(tempfile.mkdtemp(prefix="parties-config-"))
    for name, text in CONFIG_FILES.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return load_config(folder)


CONFIG = _config()


@st.composite
def processes(draw: st.DrawFn) -> Process:
    """A process of one to three stages in a row: owners partnership-wide, per agency fact or fanned out; others
    involved; ladders of up to three steps; an approver or none, with self-approval or not."""
    stages: dict[str, Any] = {}
    for number in range(1, draw(st.integers(1, 3)) + 1):
        shape = draw(st.sampled_from(["partnership", "fanned", "agency"]))
        stage: dict[str, Any] = {"title": f"Stage {number}"}
        ladder_roles = PARTNERSHIP_ROLES
        if shape == "partnership":
            stage["owner"] = draw(st.sampled_from(PARTNERSHIP_ROLES))
        else:
            stage["owner"] = draw(st.sampled_from(AGENCY_ROLES))
            stage["for_each" if shape == "fanned" else "agency"] = "agencies" if shape == "fanned" else "lead_agency"
            ladder_roles = PARTNERSHIP_ROLES + AGENCY_ROLES
        involved = draw(
            st.lists(
                st.sampled_from(
                    [
                        {"role": "manager", "agency": "other_agency"},
                        {"role": "lead", "agency": "other_agency"},
                        {"role": "chair"},
                        {"role": "dsp"},
                        {"role": "vacant"},
                    ]
                ),
                max_size=2,
                unique_by=lambda party: party["role"],
            )
        )
        if involved:
            stage["involves"] = involved
        steps = draw(st.lists(st.sampled_from(ladder_roles), max_size=3))
        stage["escalation"] = [{"after": f"{n} working days", "notify": role} for n, role in enumerate(steps, 1)]
        stage["due"] = {"in": f"{draw(st.integers(1, 3))} working days", "from": "opened"}
        stage["reminders"] = {"before": ["1 working day"], "on_due_day": True, "overdue_every": "1 working day"}
        if shape != "fanned" and draw(st.booleans()):
            stage["decision"] = {"options": {"yes": {"label": "Yes"}, "no": {"label": "No"}}}
        if number > 1:
            stage["after"] = [f"s{number - 1}"]
        stages[f"s{number}"] = stage
    return Process.model_validate(
        {
            "id": "random",
            "title": "Random process",
            "version": 1,
            "reference": "R-{seq}",
            "facts": {
                "agencies": {"type": "agency-list", "required": True},
                "lead_agency": {"type": "agency", "required": True},
                "other_agency": {"type": "agency", "required": True},
            },
            "stages": stages,
            "pause": {"reasons": {"hold": "Held"}},
            "extension_approver": draw(st.sampled_from(["approver", "chair", None])),
            "extension_self_approval": draw(st.booleans()),
        }
    )


def frozen(state: CaseState) -> str:
    return json.dumps(case_to_json(state), sort_keys=True, default=str)


class WhoIsToldAndWhoMayAct(RuleBasedStateMachine):
    config = CONFIG

    def __init__(self) -> None:
        super().__init__()
        self.state: CaseState | None = None
        self.now = START
        self.timers: dict[Slot, datetime] = {}
        self.replaced: dict[Slot, set[str]] = defaultdict(set)
        self.escalations: dict[tuple[Slot, int, int], int] = defaultdict(int)
        self.people = sorted({person.email for person in self.config.directory.people})
        self.people += [OUTSIDER, self.config.partnership.business_unit_email, *STANDS_IN]

    @initialize(process=processes(), data=st.data())
    def start(self, process: Process, data: st.DataObject) -> None:
        # As the runtime builds it: roles held per agency known, so a partnership-wide role is named at no agency.
        self.definition = Definition(
            process, self.config.timing_rules(process), "hash-random", agency_roles=frozenset(AGENCY_ROLES)
        )
        self.oracle = Oracle(self.config, process)
        facts = {
            "agencies": data.draw(st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=3, unique=True)),
            "lead_agency": data.draw(st.sampled_from(AGENCIES)),
            "other_agency": data.draw(st.sampled_from(AGENCIES)),
        }
        self.state, effects = start_case(self.definition, "R-1", facts, self.now)
        self.record(effects)

    # -- the driver ----------------------------------------------------------------------------------------------

    def record(self, effects: list) -> None:
        """Timers kept as the store keeps them; every message checked against the table as it is queued."""
        notices: dict[tuple[str, Slot | None, int], set[str]] = defaultdict(set)
        for effect in effects:
            if isinstance(effect, SetTimer):
                self.timers[effect.slot] = effect.at
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.slot, None)
            elif isinstance(effect, Notify):
                recipients = resolve(self.config.directory, self.config.partnership, effect.audience)
                slot = Slot(effect.stage, effect.task) if effect.stage else None
                notices[(effect.kind, slot, effect.key.split("/with-")[0])] |= {a.lower() for a in recipients.all()}
        for (kind, slot, key), recipients in notices.items():
            self.check_notice(kind, slot, key, recipients)

    def check_notice(self, kind: str, slot: Slot | None, key: str, recipients: set[str]) -> None:
        assert self.state is not None
        if slot is None:
            assert kind == "case-closed" and recipients == {self.config.partnership.business_unit_email}
            return
        request = self.request_of(kind, key)
        level = int(key.rsplit("/escalation-", 1)[1].split("/")[0]) if kind == "escalation" else 0
        if "/assigned-to-" in key:  # a reassignment: the person named, alone
            assert recipients == {self.state.item(slot).assignee.lower()}
            return
        expected = self.oracle.told(kind, self.state, slot, level=level, request=request)
        assert recipients == expected, (kind, slot, sorted(recipients), sorted(expected))
        event(f"message checked: {kind}")
        if kind == "escalation":
            version = self.state.stages[slot.stage].due_version
            self.escalations[(slot, version, level)] += 1
            assert self.escalations[(slot, version, level)] == 1, f"escalation {level} of {slot} sent twice"
            step = self.oracle.ladder(self.state, slot, level)
            assert step.holders <= recipients or not step.holders
        # Those a reassignment replaced may still get it, but only as one of its other parties (a ladder's role...).
        others = self.oracle.told(kind, self.state, slot, level=level, request=request, holders=False)
        stale = (self.replaced[slot] & recipients) - others
        assert not stale, f"{sorted(stale)} were replaced on {slot} and still got {kind}"

    def request_of(self, kind: str, key: str):
        if kind not in ("extension-requested", "extension-refused", "extension-approved"):
            return None
        assert self.state is not None
        if kind == "extension-approved":
            return self.last_approved
        number = int(key.rsplit("-", 1)[1])
        return self.state.extension_request(number)

    def run(self, command: Any, *, expect: bool | None, on_behalf: bool = False) -> bool:
        """Apply `command`; `expect` says whether the table lets it through when the case can take it (None: no
        opinion). A refused command changes nothing; a taken one by the business unit for someone else says so."""
        assert self.state is not None
        before = frozen(self.state)
        try:
            after, effects = apply(self.definition, self.state, command, self.now)
        except (CommandRefused, InvalidInput):
            assert frozen(self.state) == before
            assert expect is not True, f"{command} was refused though the table allows it"
            event(f"refused: {type(command).__name__}" + (" (the table refuses)" if expect is False else ""))
            return False
        assert expect is not False, f"{command} was taken though the table refuses it"
        event(f"taken: {type(command).__name__}" + (" for someone else" if on_behalf else ""))
        self.state = after
        self.record(effects)
        by = getattr(command, "by", None)
        acted = [effect.detail for effect in effects if isinstance(effect, Audit) and by and effect.actor == by]
        if acted and expect is not None:
            said = any("on behalf of" in detail or "asked by the business unit" in detail for detail in acted)
            assert said == on_behalf, (command, acted)
        return True

    def someone(self, data: st.DataObject, slot: Slot) -> str:
        """Half the time someone with a part in the item (its holders, deputies, involved, ladder, approvers, who
        asked), else anyone at all: outsiders, the business unit, people a reassignment named or replaced."""
        assert self.state is not None
        oracle, state = self.oracle, self.state
        near = oracle.task_holders(state, slot).everyone | oracle.approvers().everyone | self.replaced[slot]
        near = near.union(*(party.everyone for party in oracle.involved(state, slot)))
        level = state.item(slot).escalation_level
        near = near.union(*(oracle.ladder(state, slot, k).everyone for k in range(1, level + 1)))
        near |= {request.requested_by for request in state.extension_requests}
        pool = sorted(near) if near and data.draw(st.booleans()) else self.people
        return data.draw(st.sampled_from(pool))

    def can_take(self, slot: Slot) -> bool:
        assert self.state is not None
        return self.state.status is CaseStatus.OPEN and self.state.item(slot).status is ItemStatus.OPEN

    def expect(self, allowed: bool, slot: Slot) -> bool | None:
        """What the table predicts: refused whenever it refuses; taken when it allows and the case can take it."""
        if not allowed:
            return False
        return True if self.can_take(slot) else None

    # -- rules ---------------------------------------------------------------------------------------------------

    @precondition(lambda self: self.state is not None)
    @rule(hours=st.integers(min_value=1, max_value=24 * 5))
    def time_passes_and_the_sweeper_runs(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        for _ in range(60):
            due = sorted(slot for slot, at in self.timers.items() if at <= self.now)
            if not due:
                return
            for slot in due:
                self.run(FireTimer(slot), expect=None)

    @precondition(lambda self: self.state is not None and open_slots(self.state))
    @rule(data=st.data())
    def someone_finishes_an_item(self, data: st.DataObject) -> None:
        assert self.state is not None
        slot = data.draw(st.sampled_from(open_slots(self.state)))
        email = self.someone(data, slot)
        allowed, on_behalf = self.oracle.may("finish", self.state, slot, email)
        actor = actor_for(self.config, email)
        decision = self.definition.process.stages[slot.stage].decision
        if decision:
            command = Decide(slot.stage, data.draw(st.sampled_from(sorted(decision.options))), by=email, actor=actor)
        else:
            command = Complete(slot.stage, slot.task, by=email, actor=actor)
        self.run(command, expect=self.expect(allowed, slot), on_behalf=on_behalf)

    @precondition(lambda self: self.state is not None and open_slots(self.state))
    @rule(data=st.data())
    def someone_asks_for_more_time(self, data: st.DataObject) -> None:
        assert self.state is not None
        slot = data.draw(st.sampled_from(open_slots(self.state)))
        if slot.task is not None and data.draw(st.booleans()):
            slot = Slot(slot.stage)  # the whole fanned-out stage: the business unit's to ask
        email = self.someone(data, slot)
        allowed, on_behalf = self.oracle.may("ask", self.state, slot, email)
        amount = parse_duration(data.draw(st.sampled_from(["1 working day", "2 working days"])))
        command = RequestExtension(slot.stage, amount, "more time", email, slot.task, actor_for(self.config, email))
        self.run(command, expect=self.expect(allowed, slot), on_behalf=on_behalf)

    @precondition(lambda self: self.state is not None and self.state.extension_requests)
    @rule(data=st.data(), approve=st.booleans())
    def someone_answers_a_request(self, data: st.DataObject, approve: bool) -> None:
        assert self.state is not None
        request = data.draw(st.sampled_from(self.state.extension_requests))
        slot = Slot(request.stage, request.task)
        email = data.draw(st.sampled_from([request.requested_by, self.someone(data, slot)]))
        allowed, _ = self.oracle.may("answer", self.state, slot, email, request)
        pending = request.status == "pending" and self.state.status is CaseStatus.OPEN
        pending = pending and self.state.stages[request.stage].status is ItemStatus.OPEN
        if request.task is not None:
            pending = pending and self.state.item(slot).status is ItemStatus.OPEN
        expected = False if not allowed else (True if pending else None)
        before = self.state
        self.last_approved = request
        answer = ApproveExtension if approve else RefuseExtension
        if self.run(answer(request.number, email, actor_for(self.config, email)), expect=expected) and approve:
            self.check_only_what_was_asked_about_moved(before, request.stage, request.task)

    @precondition(lambda self: self.state is not None and self.definition.process.extension_approver is not None)
    @rule(data=st.data())
    def a_holder_asks_for_more_time_on_one_task_and_an_approver_grants_it(self, data: st.DataObject) -> None:
        """The request and answer most likely to move the wrong thing: one task of a fanned-out stage."""
        assert self.state is not None
        tasks = [slot for slot in open_slots(self.state) if slot.task is not None]
        if not tasks:
            return
        slot = data.draw(st.sampled_from(tasks))
        unit = self.config.partnership.business_unit_email
        holders = sorted(self.oracle.task_holders(self.state, slot).everyone) or [unit]
        asker = data.draw(st.sampled_from(holders))
        command = RequestExtension(slot.stage, parse_duration("2 working days"), "sickness", asker, slot.task)
        if not self.run(dataclasses.replace(command, actor=actor_for(self.config, asker)), expect=None):
            return
        request = self.state.extension_requests[-1]
        approvers = sorted(self.oracle.approvers().everyone - {asker.lower()})
        if not approvers:
            return
        approver = data.draw(st.sampled_from(approvers))
        before, self.last_approved = self.state, request
        answer = ApproveExtension(request.number, approver, actor_for(self.config, approver))
        if self.run(answer, expect=True if self.can_take(slot) else None):
            event("a task's own extension approved")
            self.check_only_what_was_asked_about_moved(before, slot.stage, slot.task)

    def check_only_what_was_asked_about_moved(self, before: CaseState, stage_id: str, task: str | None) -> None:
        assert self.state is not None
        moved = {
            name
            for name, item in self.state.stages[stage_id].tasks.items()
            if item.due_at != before.stages[stage_id].tasks[name].due_at
        }
        if task is not None:
            assert moved <= {task}, f"an extension of {task} moved {sorted(moved - {task})}"
            assert self.state.stages[stage_id].due_at == before.stages[stage_id].due_at
        for other_id, other in self.state.stages.items():
            if other_id != stage_id:
                assert other.due_at == before.stages[other_id].due_at

    @precondition(lambda self: self.state is not None and open_slots(self.state))
    @rule(data=st.data())
    def someone_acknowledges_an_escalation(self, data: st.DataObject) -> None:
        assert self.state is not None
        slot = data.draw(st.sampled_from(open_slots(self.state)))
        email = self.someone(data, slot)
        allowed, on_behalf = self.oracle.may("acknowledge", self.state, slot, email)
        escalated = self.state.item(slot).escalation_level > 0
        expected = self.expect(allowed, slot) if escalated else None
        command = Acknowledge(slot.stage, slot.task, email, actor_for(self.config, email))
        self.run(command, expect=expected, on_behalf=on_behalf)

    @precondition(lambda self: self.state is not None and open_slots(self.state))
    @rule(data=st.data())
    def the_business_unit_reassigns_an_item(self, data: st.DataObject) -> None:
        assert self.state is not None
        slot = data.draw(st.sampled_from(open_slots(self.state)))
        to = data.draw(st.sampled_from([*STANDS_IN, *self.people[:3]]))
        replaced = self.oracle.task_holders(self.state, slot).everyone
        if self.run(Reassign(slot.stage, to, "leave", slot.task), expect=None):
            self.replaced[slot] = (self.replaced[slot] | replaced) - {to.lower()}

    @precondition(lambda self: self.state is not None)
    @rule()
    def the_clock_is_paused_or_resumed(self) -> None:
        assert self.state is not None
        self.run(Resume() if self.state.status is CaseStatus.PAUSED else Pause("hold"), expect=None)


TestWhoIsToldAndWhoMayAct = WhoIsToldAndWhoMayAct.TestCase
TestWhoIsToldAndWhoMayAct.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)
)
