"""Extension requests in the pure engine: asking, approving, refusing, each a command with its effects."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from workflows.calendar.durations import parse_duration
from workflows.calendar.london import LONDON
from workflows.engine import Audit, Complete, Definition, Notify, Pause, SetTimer, Slot, apply, start_case
from workflows.engine.commands import ApproveExtension, RefuseExtension, RequestExtension
from workflows.engine.errors import CommandRefused, EngineError, InvalidInput
from workflows.engine.parties import Actor, Party
from workflows.engine.state import RequestStatus
from workflows.engine.state_codec import case_from_json, case_to_json
from workflows.engine.vocabulary import AuditAction, MessageKind

START = datetime(2026, 12, 18, 10, tzinfo=LONDON)
LATER = datetime(2026, 12, 18, 14, tzinfo=LONDON)
OWNER = "bea@p.example"  # holds business-manager, the owner of `request`
CHAIR = Actor("cal@p.example", frozenset({("partnership-chair", None)}))  # the demo's extension_approver
HOLDERS = {
    OWNER: Actor(OWNER, frozenset({("business-manager", None)})),
    "pat@p.example": Actor("pat@p.example", frozenset({("agency-safeguarding-lead", "police")})),
    "lee@p.example": Actor("lee@p.example", frozenset({("agency-safeguarding-lead", "city-council")})),
}


def answer(decide, number: int, actor: Actor = CHAIR):
    return decide(number, actor.email, actor)


@pytest.fixture
def started(definition):
    facts = {"notified_on": date(2026, 12, 18), "agencies": ["city-council", "police"], "child_name": "Secret Name"}
    state, _ = start_case(definition, "DM-2026-001", facts, START)
    return state


def ask(definition, state, amount="3 working days", reason="sickness", stage="request", task=None, by=OWNER):
    command = RequestExtension(stage, parse_duration(amount), reason, by, task, HOLDERS.get(by))
    return apply(definition, state, command, START)


def of(effects, kind):
    return [effect for effect in effects if isinstance(effect, kind)]


def test_a_request_is_kept_in_the_case_and_told_to_the_approver_role(definition, started):
    state, effects = ask(definition, started)
    (request,) = state.extension_requests
    assert (request.number, request.stage, request.amount, request.requested_by) == (
        1,
        "request",
        "3 working days",
        OWNER,
    )
    assert request.status is RequestStatus.PENDING
    (notice,) = of(effects, Notify)
    assert (notice.kind, notice.role) == (MessageKind.EXTENSION_REQUESTED, "partnership-chair")
    assert notice.audience.to == (Party("partnership-chair"),) and notice.audience.never == (OWNER,)
    assert notice.details["request"] == 1 and notice.key == "DM-2026-001/request[]/extension-requested-1"
    assert notice.due_at == started.stages["request"].due_at  # the deadline as it stands
    (entry,) = of(effects, Audit)
    assert (entry.action, entry.actor, entry.stage) == (AuditAction.EXTENSION_REQUESTED, OWNER, "request")
    assert state.stages["request"].due_at == started.stages["request"].due_at  # nothing moves until approved
    assert not of(effects, SetTimer)


def test_requests_are_numbered_per_case(definition, started):
    state, _ = ask(definition, started)
    state, effects = ask(definition, state, amount="1 working day")
    assert [request.number for request in state.extension_requests] == [1, 2]
    assert of(effects, Notify)[0].key.endswith("extension-requested-2")


def test_approving_moves_the_deadline_as_an_extension_does(definition, started):
    state, _ = ask(definition, started)
    state, effects = apply(definition, state, answer(ApproveExtension, 1), LATER)
    (request,) = state.extension_requests
    assert (request.status, request.decided_by, request.decided_at) == (RequestStatus.APPROVED, "cal@p.example", LATER)
    assert state.stages["request"].due_day == date(2026, 12, 24)  # 21 Dec + 3 working days
    assert state.stages["request"].shifts[-1].kind == "extension"
    assert [n.kind for n in of(effects, Notify)] == [MessageKind.EXTENSION_APPROVED]
    assert [(a.action, a.actor) for a in of(effects, Audit)] == [(AuditAction.EXTENDED, "cal@p.example")]
    assert of(effects, SetTimer)


def test_refusing_leaves_the_deadline_and_tells_the_person_who_asked(definition, started):
    state, _ = ask(definition, started)
    state, effects = apply(definition, state, answer(RefuseExtension, 1), LATER)
    assert state.extension_requests[0].status is RequestStatus.REFUSED
    assert state.stages["request"].due_at == started.stages["request"].due_at
    (notice,) = of(effects, Notify)
    assert notice.kind == MessageKind.EXTENSION_REFUSED
    assert notice.audience.to == (Party(person=OWNER),)  # who asked; the task's holders copied
    assert notice.audience.cc == (Party("business-manager"),)
    assert notice.key == "DM-2026-001/request[]/extension-refused-1"
    assert [(a.action, a.actor) for a in of(effects, Audit)] == [(AuditAction.EXTENSION_REFUSED, "cal@p.example")]


@pytest.mark.parametrize("decide", [ApproveExtension, RefuseExtension])
def test_only_the_approver_role_decides_a_request(definition, started, decide):
    state, _ = ask(definition, started)
    with pytest.raises(CommandRefused, match="does not hold 'partnership-chair'"):
        apply(definition, state, answer(decide, 1, HOLDERS[OWNER]), LATER)


@pytest.mark.parametrize("first", [ApproveExtension, RefuseExtension])
@pytest.mark.parametrize("second", [ApproveExtension, RefuseExtension])
def test_a_request_is_decided_once(definition, started, first, second):
    state, _ = ask(definition, started)
    state, _ = apply(definition, state, answer(first, 1), LATER)
    with pytest.raises(CommandRefused, match=r"extension request 1 has been (approved|refused) already") as refused:
        apply(definition, state, answer(second, 1), LATER)
    assert refused.value.stage == "request"


def test_an_unknown_request_is_invalid_input(definition, started):
    state, _ = ask(definition, started)
    with pytest.raises(InvalidInput, match=r"no extension request 7 \(requests: 1\)") as refused:
        apply(definition, state, answer(ApproveExtension, 7), LATER)
    assert refused.value.field == "request"


def test_a_request_for_one_task_names_it_and_its_agency(definition, started):
    state, _ = apply(definition, started, Complete("request"), START)
    state, effects = ask(definition, state, stage="gather", task="police", by="pat@p.example")
    (notice,) = of(effects, Notify)
    assert (notice.stage, notice.task, notice.agency) == ("gather", "police", "police")
    assert state.extension_requests[0].task == "police"


@pytest.mark.parametrize(
    ("change", "error", "message", "field"),
    [
        ({"reason": "   "}, InvalidInput, "say why the extension is needed", "reason"),
        ({"stage": "gather"}, CommandRefused, "not open yet", None),
        ({"stage": "nope"}, InvalidInput, "has no stage 'nope'", "stage"),
        ({"stage": "request", "task": "police"}, InvalidInput, "has no task 'police'", "task"),
        ({"by": "stranger@elsewhere.example"}, CommandRefused, "may not ask for more time on request", None),
    ],
)
def test_a_request_that_does_not_fit_is_refused(definition, started, change, error, message, field):
    with pytest.raises(error, match=message) as refused:
        ask(definition, started, **change)
    assert getattr(refused.value, "field", None) == field


def test_no_request_while_paused_and_none_where_no_approver_is_named(definition, started):
    paused, _ = apply(definition, started, Pause("criminal-proceedings"), START)
    with pytest.raises(CommandRefused, match="paused"):
        ask(definition, paused)
    process = definition.process.model_copy(update={"extension_approver": None})
    without = Definition(process, definition.rules, definition.hash)
    with pytest.raises(CommandRefused, match="cannot be extended"):
        ask(without, started)


def test_engine_messages_name_no_command_line_option(definition, started):
    state, _ = apply(definition, started, Complete("request"), START)
    for command in (Complete("gather"), Complete("request", task="police")):
        with pytest.raises(EngineError) as refused:
            apply(definition, state, command, START)
        assert "--" not in str(refused.value)


def test_a_state_with_requests_round_trips_through_json(definition, started):
    state, _ = ask(definition, started)
    state, _ = ask(definition, state, amount="5 hours")
    state, _ = apply(definition, state, answer(RefuseExtension, 1), LATER)
    again = case_from_json(case_to_json(state))
    assert again == state
    assert again.extension_requests[0].status is RequestStatus.REFUSED
    assert again.extension_requests[1].status is RequestStatus.PENDING
    assert again.extension_requests[0].decided_at == LATER


def test_a_state_stored_before_requests_were_case_state_still_reads(started):
    stored = case_to_json(started)
    del stored["extension_requests"]
    assert case_from_json(stored).extension_requests == []
    assert case_from_json(stored) == started


def test_the_slot_of_a_task_request_is_its_task(definition, started):
    state, _ = apply(definition, started, Complete("request"), START)
    state, effects = ask(definition, state, stage="gather", task="city-council", by="lee@p.example")
    (entry,) = of(effects, Audit)
    assert Slot(entry.stage, entry.task) == Slot("gather", "city-council")
