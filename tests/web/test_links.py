"""Every action through a link over real HTTP, and every rejection: clear page, 4xx, nothing changed."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from workflows import clock
from workflows.engine.commands import Complete
from workflows.engine.state import RequestStatus
from workflows.links.tokens import new_claims, sign
from workflows.notify.delivery import deliver
from workflows.operations import cases, reports
from workflows.operations.sweeper import tick
from workflows.store.cases import load_case
from workflows.store.schema import outbox

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]
SECRET = "Zebedee Quillfeather"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/t/[A-Za-z0-9_\-.]+)")


def links_in(received) -> list[str]:
    """The action links in a delivered email's plain-text part (paths only)."""
    return LINK.findall(received.message.get_body(preferencelist=("plain",)).get_content())


def start_review(runtime):
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, "child_name": SECRET}
    return cases.start(runtime, "rapid-review", facts)[0]


def holder(runtime, role, agency=None):
    return runtime.config.directory.holders(role, agency)[0].email


def link(reference, stage, email, task=None, **kwargs):
    return "/t/" + sign(
        new_claims(reference, stage, task, email, clock.wall_now(), **kwargs), b"test-secret-not-for-production"
    )


def csrf_of(page) -> str:
    """The form token a link's page carries (bound to the link: no cookie)."""
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def open_and_post(client, base, path, action, **fields):
    page = client.get(base + path)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    return page, client.post(f"{base}{path}/{action}", data={"csrf": csrf.group(1), **fields})


def history_of(runtime, reference):
    return [(e["action"], e["actor"]) for e in reports.history(runtime, reference)]


def test_mark_done_from_the_link_in_a_delivered_email(web, smtp, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = start_review(runtime)
    deliver(runtime)
    manager = holder(runtime, "business-manager")
    (received,) = smtp.mailbox.to(manager)
    (path,) = links_in(received)
    page, done = open_and_post(browser_client, base, path, "done", note="sent to agencies")
    assert page.status_code == 200
    assert "Request agency chronologies" in page.text and reference in page.text and SECRET not in page.text
    assert done.status_code == 200 and "Recorded" in done.text
    assert reports.status(runtime, reference)["stages"][0]["state"] == "done"
    assert ("stage-done", manager) in history_of(runtime, reference)
    again = browser_client.post(f"{base}{path}/done", data={"csrf": csrf_of(page)})
    assert again.status_code == 409 and "used already" in again.text


def test_each_recipient_gets_their_own_link(web, smtp, set_clock):
    _, runtime = web
    set_clock("2026-12-18T10:00")
    start_review(runtime)
    deliver(runtime)
    paths = {tuple(links_in(received)) for received in smtp.mailbox.received}
    assert len(paths) == len(smtp.mailbox.received) == 2


def test_forged_expired_someone_elses_and_cross_site_posts_are_refused(web, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = start_review(runtime)
    manager = holder(runtime, "business-manager")
    good = link(reference, "request-chronologies", manager)
    before = history_of(runtime, reference)

    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    assert browser_client.get(base + forged).status_code == 403
    other_task = link(reference, "request-chronologies", "nobody@elsewhere.example")
    response = browser_client.get(base + other_task)
    assert response.status_code == 403 and "not yours" in response.text
    no_csrf = browser_client.post(f"{base}{good}/done", data={})
    assert no_csrf.status_code == 403
    set_clock("2027-01-20T10:00")  # a rehearsal's clock does not expire a link: its 30 days are real time
    assert browser_client.get(base + good).status_code == 200
    month_ago = clock.wall_now() - timedelta(days=31)
    old = "/t/" + sign(
        new_claims(reference, "request-chronologies", None, manager, month_ago), b"test-secret-not-for-production"
    )
    expired = browser_client.get(base + old)
    assert expired.status_code == 410 and "expired" in expired.text
    assert history_of(runtime, reference) == before
    assert reports.status(runtime, reference)["stages"][0]["state"] == "open"


def test_decision_through_a_link(web, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = start_review(runtime)
    cases.run(runtime, reference, Complete("request-chronologies"))
    for agency in AGENCIES:
        cases.run(runtime, reference, Complete("agency-chronology", task=agency))
    cases.run(runtime, reference, Complete("panel-meeting"))
    dsp = holder(runtime, "dsp-local-authority")
    page, decided = open_and_post(
        browser_client, base, link(reference, "dsp-decision", dsp), "decide", option="no-further-review"
    )
    assert "No further review" in page.text
    assert decided.status_code == 200 and "No further review" in decided.text
    stages = {s["id"]: s for s in reports.status(runtime, reference)["stages"]}
    assert stages["dsp-decision"]["state"] == "done"


def test_extension_request_goes_to_the_approver_who_approves_it(web, smtp, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = cases.start(runtime, "section-11-audit", {})[0]
    stage = next(s["id"] for s in reports.status(runtime, reference)["stages"] if s["state"] == "open")
    owner_role = runtime.library.get("section-11-audit").stages[stage].owner
    owner = holder(runtime, owner_role)
    due_before = reports.status(runtime, reference)["stages"][0]["due"]
    _, requested = open_and_post(
        browser_client,
        base,
        link(reference, stage, owner),
        "request-extension",
        amount="5 working days",
        reason="Staff absence",
    )
    assert requested.status_code == 200 and "sent to the approver" in requested.text
    deliver(runtime)
    approver = holder(runtime, "business-manager")
    (mail,) = [r for r in smtp.mailbox.to(approver) if "Extension requested" in r.message["Subject"]]
    (approve_path,) = links_in(mail)
    page = browser_client.get(base + approve_path)
    assert "Staff absence" in page.text
    approve_page, approved = open_and_post(browser_client, base, approve_path, "approve")
    assert approved.status_code == 200 and "approved" in approved.text
    assert reports.status(runtime, reference)["stages"][0]["due"] != due_before
    with runtime.db.connect() as connection:
        (asked,) = load_case(connection, reference).state.extension_requests
    assert (asked.status, asked.decided_by, asked.requested_by) == (RequestStatus.APPROVED, approver, owner)
    refused_again = browser_client.post(f"{base}{approve_path}/refuse", data={"csrf": csrf_of(approve_page)})
    assert refused_again.status_code == 409


def test_acknowledge_an_escalation(web, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = start_review(runtime)
    cases.run(runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-11T10:00")  # overdue since the end of 7 January, escalated at the end of the 8th
    assert tick(runtime)["escalation"] >= 1
    escalated_to = holder(runtime, "business-manager")
    path = link(reference, "agency-chronology", escalated_to, task="staffordshire-police")
    _, acknowledged = open_and_post(browser_client, base, path, "acknowledge")
    assert acknowledged.status_code == 200 and "acknowledged" in acknowledged.text
    assert ("acknowledged", escalated_to) in history_of(runtime, reference)
    with runtime.db.connect() as connection:
        assert connection.execute(select(outbox.c.id)).first()


def test_a_refused_extension_is_told_to_the_person_who_asked(web, smtp, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = cases.start(runtime, "section-11-audit", {})[0]
    stage = next(s["id"] for s in reports.status(runtime, reference)["stages"] if s["state"] == "open")
    owner = holder(runtime, runtime.library.get("section-11-audit").stages[stage].owner)
    due_before = reports.status(runtime, reference)["stages"][0]["due"]
    open_and_post(
        browser_client,
        base,
        link(reference, stage, owner),
        "request-extension",
        amount="5 working days",
        reason="Staff absence",
    )
    deliver(runtime)
    approver = holder(runtime, "business-manager")
    (mail,) = [r for r in smtp.mailbox.to(approver) if "Extension requested" in r.message["Subject"]]
    (approve_path,) = links_in(mail)
    _, refused = open_and_post(browser_client, base, approve_path, "refuse")
    assert refused.status_code == 200 and "refused" in refused.text
    assert reports.status(runtime, reference)["stages"][0]["due"] == due_before
    deliver(runtime)
    told = [r for r in smtp.mailbox.to(owner) if "Extension refused" in r.message["Subject"]]
    assert len(told) == 1


def test_a_manager_the_stage_involves_can_record_its_outcome_and_an_outsider_cannot(web, set_clock, browser_client):
    """Escalation stage 2 involves the receiving agency's line manager besides the raising agency's."""
    from workflows.engine.commands import Decide

    base, runtime = web
    set_clock("2027-01-04T10:00")
    facts = {"raising_agency": "staffordshire-police", "receiving_agency": "stoke-on-trent-city-council"}
    reference, _ = cases.start(runtime, "professional-escalation", facts)
    cases.run(runtime, reference, Decide("stage-1", "escalate"))
    involved = holder(runtime, "line-manager", "stoke-on-trent-city-council")
    outsider = holder(runtime, "line-manager", "university-hospitals-north-midlands")
    refused = browser_client.get(base + link(reference, "stage-2", outsider))
    assert refused.status_code == 403
    _, done = open_and_post(browser_client, base, link(reference, "stage-2", involved), "decide", option="resolved")
    assert done.status_code == 200, done.text
    assert reports.status(runtime, reference)["stages"][1]["state"] == "done"
    assert ("stage-done", involved) in history_of(runtime, reference)


# -- what each refusal answers: the status, and a page saying what to do -------------------------------------------


def test_a_link_to_a_case_that_does_not_exist_is_404_and_says_whom_to_ask(web, set_clock, browser_client):
    base, _ = web
    set_clock("2026-12-18T10:00")
    response = browser_client.get(base + link("RR-2026-404", "request-chronologies", "lee@example.org"))
    assert response.status_code == 404
    assert "This case no longer exists" in response.text and "Ask the partnership business unit" in response.text
    assert "Nothing has been changed" in response.text


def test_a_task_done_by_someone_else_meanwhile_is_409_and_says_what_to_do(web, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = start_review(runtime)
    manager = holder(runtime, "business-manager")
    path = link(reference, "request-chronologies", manager)
    page = browser_client.get(base + path)
    cases.run(runtime, reference, Complete("request-chronologies"))  # from another link, after the page opened
    before = history_of(runtime, reference)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = browser_client.post(f"{base}{path}/done", data={"csrf": csrf})
    assert response.status_code == 409
    assert "That could not be recorded" in response.text and "is already done" in response.text
    assert "Open the link in your latest email" in response.text and "Nothing has been changed" in response.text
    assert history_of(runtime, reference) == before


def test_an_amount_that_is_not_a_duration_is_422_and_the_link_still_works(web, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = cases.start(runtime, "section-11-audit", {})[0]
    stage = next(s["id"] for s in reports.status(runtime, reference)["stages"] if s["state"] == "open")
    owner = holder(runtime, runtime.library.get("section-11-audit").stages[stage].owner)
    path = link(reference, stage, owner)
    before = history_of(runtime, reference)
    _, refused = open_and_post(browser_client, base, path, "request-extension", amount="5 days", reason="Staff absence")
    assert refused.status_code == 422
    assert "Check what you entered" in refused.text and "working days" in refused.text
    assert "correct how much more time" in refused.text and "Nothing has been changed" in refused.text
    assert history_of(runtime, reference) == before
    _, requested = open_and_post(
        browser_client, base, path, "request-extension", amount="5 working days", reason="Staff absence"
    )
    assert requested.status_code == 200  # the refused attempt did not use the link up


def test_an_extension_asked_for_on_the_command_line_is_decided_through_the_approvers_link(
    web, smtp, set_clock, browser_client
):
    from workflows.operations import extensions

    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = cases.start(runtime, "section-11-audit", {})[0]
    stage = next(s["id"] for s in reports.status(runtime, reference)["stages"] if s["state"] == "open")
    owner = holder(runtime, runtime.library.get("section-11-audit").stages[stage].owner)
    first = extensions.request(runtime, reference, stage, "2 working days", "Training day", owner)
    second = extensions.request(runtime, reference, stage, "5 working days", "Staff absence", owner)
    assert (first.number, second.number) == (1, 2)
    deliver(runtime)
    approver = holder(runtime, "business-manager")
    mails = [r for r in smtp.mailbox.to(approver) if "Extension requested" in r.message["Subject"]]
    assert len(mails) == 2
    extensions.refuse(runtime, reference, first.number, approver)
    pages = {path: browser_client.get(base + path).text for mail in mails for path in links_in(mail)}
    (second_path,) = [path for path, text in pages.items() if "Staff absence" in text]
    assert "This request is refused." in next(text for text in pages.values() if "Training day" in text)
    _, approved = open_and_post(browser_client, base, second_path, "approve")
    assert approved.status_code == 200 and "The extension of 5 working days is approved." in approved.text
    actions = [action for action, _ in history_of(runtime, reference)]
    assert actions.count("extension-requested") == 2 and "extension-refused" in actions and "extended" in actions


def test_one_link_asks_for_more_time_and_later_marks_the_task_done_but_does_neither_twice(
    web, set_clock, browser_client
):
    """A link is used once per kind of action: asking for time, then marking done, is what its holder expects."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = cases.start(runtime, "section-11-audit", {})[0]
    cases.run(runtime, reference, Complete("launch"))
    lead = holder(runtime, "agency-safeguarding-lead", "staffordshire-police")
    path = link(reference, "self-assessment", lead, task="staffordshire-police")
    page, asked = open_and_post(
        browser_client, base, path, "request-extension", amount="5 working days", reason="Staff absence"
    )
    assert asked.status_code == 200, asked.text
    again = browser_client.post(
        f"{base}{path}/request-extension", data={"csrf": csrf_of(page), "amount": "1 working day", "reason": "x"}
    )
    assert again.status_code == 409 and "used already" in again.text
    done = browser_client.post(f"{base}{path}/done", data={"csrf": csrf_of(page), "note": "returned"})
    assert done.status_code == 200, done.text
    twice = browser_client.post(f"{base}{path}/done", data={"csrf": csrf_of(page)})
    assert twice.status_code == 409
    assert [entry[0] for entry in history_of(runtime, reference)].count("task-done") == 1


def test_the_page_offers_only_what_its_person_may_do(web, set_clock, browser_client):
    """The task's holder may mark it done and ask for time; a role the ladder reached may acknowledge and record it
    done, not ask for time; an involved-nowhere reader gets no page at all."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference = start_review(runtime)
    cases.run(runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-12T10:00")  # overdue two working days: escalated to the business manager, then the DSP
    tick(runtime)
    lead = holder(runtime, "agency-safeguarding-lead", "staffordshire-police")
    escalated_to = holder(runtime, "dsp-local-authority")
    own = browser_client.get(base + link(reference, "agency-chronology", lead, task="staffordshire-police")).text
    assert 'id="mark-done"' in own and 'id="acknowledge"' not in own
    assert 'id="request-extension"' not in own  # the rapid review names no extension approver
    police = "staffordshire-police"
    theirs = browser_client.get(base + link(reference, "agency-chronology", escalated_to, police)).text
    assert 'id="acknowledge"' in theirs and 'id="mark-done"' in theirs
    stranger = browser_client.get(base + link(reference, "agency-chronology", "x@elsewhere.example", police))
    assert stranger.status_code == 403
