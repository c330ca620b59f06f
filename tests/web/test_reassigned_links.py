"""After `reassign`, the task is the new person's: the first holder's link is refused (403) for the page and for
every action, and changes nothing; the person put in their place can act; so can the roles the escalation ladder
has reached, and the business unit. Over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from workflows import clock
from workflows.engine.commands import Complete, Reassign
from workflows.links.tokens import new_claims, sign
from workflows.operations import cases, reports
from workflows.operations.sweeper import tick

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]
STAND_IN = "stand.in@stoke-council.example"  # not in the directory: reassign names anyone


def holder(runtime, role, agency=None) -> str:
    return runtime.config.directory.holders(role, agency)[0].email


def link(reference: str, stage: str, email: str, task: str | None = None) -> str:
    claims = new_claims(reference, stage, task, email, clock.wall_now())
    return "/t/" + sign(claims, b"test-secret-not-for-production")


def csrf_from(client, base: str, path: str) -> str:
    page = client.get(base + path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def history_of(runtime, reference: str) -> list[tuple[str, str | None]]:
    return [(entry["action"], entry["actor"]) for entry in reports.history(runtime, reference)]


def rapid_review(runtime) -> str:
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES}
    return cases.start(runtime, "rapid-review", facts)[0]


@dataclass(frozen=True)
class Scenario:
    """A case with one item reassigned: the item, who held it before, the form an action sends."""

    reference: str
    stage: str
    task: str | None
    first_holder: str
    form: dict[str, str]


def done_scenario(runtime, set_clock) -> Scenario:
    reference = rapid_review(runtime)
    cases.run(runtime, reference, Complete("request-chronologies"))
    lead = holder(runtime, "agency-safeguarding-lead", "staffordshire-police")
    return Scenario(reference, "agency-chronology", "staffordshire-police", lead, {"note": "sent"})


def decide_scenario(runtime, set_clock) -> Scenario:
    reference = rapid_review(runtime)
    cases.run(runtime, reference, Complete("request-chronologies"))
    for agency in AGENCIES:
        cases.run(runtime, reference, Complete("agency-chronology", task=agency))
    cases.run(runtime, reference, Complete("panel-meeting"))
    dsp = holder(runtime, "dsp-local-authority")
    return Scenario(reference, "dsp-decision", None, dsp, {"option": "no-further-review"})


def extension_scenario(runtime, set_clock) -> Scenario:
    """The police's Section 11 self-assessment: its lead may ask for more time, until it is reassigned."""
    reference = cases.start(runtime, "section-11-audit", {})[0]
    cases.run(runtime, reference, Complete("launch"))
    lead = holder(runtime, "agency-safeguarding-lead", "staffordshire-police")
    form = {"amount": "5 working days", "reason": "Staff absence"}
    return Scenario(reference, "self-assessment", "staffordshire-police", lead, form)


def acknowledge_scenario(runtime, set_clock) -> Scenario:
    reference = rapid_review(runtime)
    cases.run(runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-11T10:00")  # the police's chronology is overdue and escalated to the business manager
    assert tick(runtime)["escalation"] >= 1
    lead = holder(runtime, "agency-safeguarding-lead", "staffordshire-police")
    return Scenario(reference, "agency-chronology", "staffordshire-police", lead, {})


# What the holders of a task may do (engine/parties/); acknowledging an escalation is its ladder's, below.
SCENARIOS: dict[str, Callable[..., Scenario]] = {
    "done": done_scenario,
    "decide": decide_scenario,
    "request-extension": extension_scenario,
}


@pytest.mark.parametrize("action", SCENARIOS)
def test_the_first_holders_link_is_refused_for_the_page_and_the_action_and_the_stand_in_acts(
    web, browser_client, set_clock, action
):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    scenario = SCENARIOS[action](runtime, set_clock)
    first = link(scenario.reference, scenario.stage, scenario.first_holder, scenario.task)
    opened_before = csrf_from(browser_client, base, first)  # theirs until the reassignment: the page was open
    cases.run(runtime, scenario.reference, Reassign(scenario.stage, STAND_IN, "leave", scenario.task))
    before = history_of(runtime, scenario.reference)

    page = browser_client.get(base + first)
    assert page.status_code == 403 and "not yours" in page.text
    refused = browser_client.post(f"{base}{first}/{action}", data={"csrf": opened_before, **scenario.form})
    assert refused.status_code == 403 and "not yours" in refused.text
    assert history_of(runtime, scenario.reference) == before  # nothing recorded

    stand_in = link(scenario.reference, scenario.stage, STAND_IN, scenario.task)
    csrf = csrf_from(browser_client, base, stand_in)
    done = browser_client.post(f"{base}{stand_in}/{action}", data={"csrf": csrf, **scenario.form})
    assert done.status_code == 200, done.text
    assert history_of(runtime, scenario.reference)[len(before) :][0][1] == STAND_IN


def test_the_roles_the_escalation_has_reached_still_act_on_a_reassigned_task(web, browser_client, set_clock):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    scenario = acknowledge_scenario(runtime, set_clock)
    cases.run(runtime, scenario.reference, Reassign(scenario.stage, STAND_IN, "leave", scenario.task))
    escalated_to = holder(runtime, "business-manager")
    path = link(scenario.reference, scenario.stage, escalated_to, scenario.task)
    csrf = csrf_from(browser_client, base, path)
    acknowledged = browser_client.post(f"{base}{path}/acknowledge", data={"csrf": csrf})
    assert acknowledged.status_code == 200, acknowledged.text
    assert ("acknowledged", escalated_to) in history_of(runtime, scenario.reference)
