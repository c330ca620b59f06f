"""Who may act, over real HTTP (issue 20): for random shipped cases moved on at random (sweeps at later clocks,
reassignments, requests for more time), every person with a link (holders, deputies, others involved, the roles a
ladder reached, approvers, the business unit, people a reassignment replaced or named, outsiders) gets from the
task pages what tests/parties_oracle.py (the docs' table) says: the page opens (200) or not (403); every action it
refuses is 403 and records nothing; one it allows is done. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parties_oracle import Oracle, open_slots

from workflows import clock
from workflows.engine.commands import Complete, Reassign
from workflows.engine.errors import EngineError
from workflows.engine.state import Slot
from workflows.links.tokens import new_claims, sign
from workflows.operations import cases, extensions, reports
from workflows.operations.sweeper import tick
from workflows.store.cases import load_case

SECRET = b"test-secret-not-for-production"
LOCUM = "locum.worker@elsewhere.example"
OUTSIDER = "someone@elsewhere.example"
ACTIONS = {"finish": None, "ask": "request-extension", "acknowledge": "acknowledge"}
CASES = {
    "rapid-review": {
        "notification_date": date(2026, 12, 18),
        "agencies": ["staffordshire-police", "stoke-on-trent-city-council"],
    },
    "professional-escalation": {
        "raising_agency": "stoke-on-trent-city-council",
        "receiving_agency": "university-hospitals-north-midlands",
    },
    "section-11-audit": {},
}
LATER = ["2026-12-21T11:00", "2026-12-30T11:00", "2027-01-06T11:00", "2027-01-12T11:00", "2027-01-19T11:00"]


def link(reference: str, slot: Slot, email: str, **kwargs) -> str:
    return "/t/" + sign(new_claims(reference, slot.stage, slot.task, email, clock.wall_now(), **kwargs), SECRET)


def history_of(runtime, reference: str) -> list:
    return [(entry["action"], entry["actor"], entry["detail"]) for entry in reports.history(runtime, reference)]


def state_of(runtime, reference: str):
    with runtime.db.connect() as connection:
        return load_case(connection, reference).state


def people_around(oracle: Oracle, state, slot: Slot, runtime) -> list[str]:
    near = oracle.task_holders(state, slot).everyone | oracle.approvers().everyone
    near = near.union(*(party.everyone for party in oracle.involved(state, slot)))
    level = state.item(slot).escalation_level
    near = near.union(*(oracle.ladder(state, slot, k).everyone for k in range(1, level + 1)))
    owner = oracle.process.stages[slot.stage].owner
    near = near | oracle.role(owner, oracle.agency_of(state, slot)).everyone  # the holders, reassigned or not
    return sorted(near | {LOCUM, OUTSIDER, runtime.config.partnership.business_unit_email})


def button(oracle: Oracle, slot: Slot, action: str) -> str:
    if action != "finish":
        return ACTIONS[action]
    return "decide" if oracle.process.stages[slot.stage].decision else "done"


def form_for(oracle: Oracle, slot: Slot, action: str) -> dict[str, str]:
    stage = oracle.process.stages[slot.stage]
    if action == "ask":
        return {"amount": "2 working days", "reason": "staff absence"}
    if action == "finish" and stage.decision:
        own = [name for name, option in stage.decision.options.items() if not option.starts]
        return {"option": own[0]}
    return {"note": "done"}


def csrf_of(text: str) -> str | None:
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    return found.group(1) if found else None


def move_on(runtime, reference: str, data, set_clock) -> None:
    """Random business: sweeps at later clocks (reminders, escalations), reassignments, the business unit's
    requests for more time."""
    for _ in range(data.draw(st.integers(0, 4))):
        state = state_of(runtime, reference)
        slots = open_slots(state)
        if not slots or state.status.value != "open":
            return
        step = data.draw(st.sampled_from(["sweep", "reassign", "ask", "finish"]))
        slot = data.draw(st.sampled_from(slots))
        try:
            if step == "sweep":
                later = [moment for moment in LATER if moment > clock.now().isoformat()[:16]]
                if later:
                    set_clock(data.draw(st.sampled_from(later)))
                    tick(runtime)
            elif step == "reassign":
                cases.run(runtime, reference, Reassign(slot.stage, LOCUM, "on leave", slot.task))
            elif step == "ask":
                unit = runtime.config.partnership.business_unit_email
                extensions.request(runtime, reference, slot.stage, "1 working day", "absence", unit, slot.task)
            elif runtime.library.get(state.process_id).stages[slot.stage].decision is None:
                cases.run(runtime, reference, Complete(slot.stage, slot.task))
        except EngineError:
            pass  # the case could not take it (no approver, nothing open): nothing moved


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_pages_answer_as_the_table_says(web, browser_client, set_clock, data):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    process_id = data.draw(st.sampled_from(sorted(CASES)))
    reference = cases.start(runtime, process_id, CASES[process_id])[0]
    move_on(runtime, reference, data, set_clock)

    state = state_of(runtime, reference)
    oracle = Oracle(runtime.config, runtime.library.get(process_id))
    slots = open_slots(state)
    if not slots:
        return
    slot = data.draw(st.sampled_from(slots))
    before = history_of(runtime, reference)
    allowed_once: list[tuple[str, str]] = []
    for person in people_around(oracle, state, slot, runtime):
        path = link(reference, slot, person)
        page = browser_client.get(base + path)
        assert page.status_code == (200 if oracle.may_open(state, slot, person) else 403), (person, page.text[:300])
        csrf = csrf_of(page.text)
        for action in ACTIONS:
            allowed, _ = oracle.may(action, state, slot, person)
            if allowed:
                allowed_once.append((person, action))
                continue
            fields = {"csrf": csrf or "", **form_for(oracle, slot, action)}
            refused = browser_client.post(f"{base}{path}/{button(oracle, slot, action)}", data=fields)
            assert refused.status_code == 403, (person, action, refused.status_code, refused.text[:300])
            assert history_of(runtime, reference) == before
    for request in state.extension_requests:
        asked = Slot(request.stage, request.task)
        for person in people_around(oracle, state, asked, runtime):
            path = link(reference, asked, person, purpose="extension", request=request.number)
            page = browser_client.get(base + path)
            answers = person.lower() in oracle.approvers().everyone
            assert page.status_code == (200 if answers else 403), (person, page.text[:300])
            if not oracle.may("answer", state, asked, person, request)[0]:
                posted = browser_client.post(f"{base}{path}/approve", data={"csrf": csrf_of(page.text) or ""})
                assert posted.status_code == 403, (person, posted.text[:300])
                assert history_of(runtime, reference) == before

    if allowed_once:  # and one thing the table allows is done, recorded as the person who did it
        person, action = data.draw(st.sampled_from(allowed_once))
        escalated = state.item(slot).escalation_level > 0
        if action == "acknowledge" and not escalated:
            return
        path = link(reference, slot, person)
        page = browser_client.get(base + path)
        fields = {"csrf": csrf_of(page.text) or "", **form_for(oracle, slot, action)}
        done = browser_client.post(f"{base}{path}/{button(oracle, slot, action)}", data=fields)
        assert done.status_code == 200, (person, action, done.text[:500])
        assert history_of(runtime, reference)[len(before)][1] == person
