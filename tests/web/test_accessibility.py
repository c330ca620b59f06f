"""WCAG 2.2 AA on every page a practitioner can reach, in real headless Chromium: axe-core (from the frontend's
node_modules) over each page and each error page, at a phone's width and a laptop's, failing on any serious or
critical violation; every button and radio at least 24 by 24 CSS pixels at 375 px (WCAG 2.5.8). The screenshots
are kept in test-artefacts/."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from tests.web.test_hostile_requests import section_11_task
from tests.web.test_links import AGENCIES, holder, link
from workflows import clock
from workflows.engine.commands import Complete
from workflows.links.tokens import new_claims, sign
from workflows.operations import cases, reports

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "src/workflows/web/frontend/node_modules/axe-core/axe.min.js"
ARTEFACTS = REPO / "test-artefacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(results => done(results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))))
  .catch(error => done([{id: 'axe-error', impact: 'critical', help: String(error), nodes: []}]));
"""
SMALL_TARGETS = """
const small = [];
for (const el of document.querySelectorAll('button, input:not([type=hidden]), select, textarea, .govuk-button')) {
  const box = el.getBoundingClientRect();
  if (box.width < 24 || box.height < 24) small.push(`${el.tagName}#${el.id}: ${box.width}x${box.height}`);
}
return small;
"""


class Pages:
    """Visits pages in one Chromium and checks each: axe at 375 px and 1100 px, target sizes, screenshots."""

    def __init__(self, browser) -> None:
        self.browser, self.problems, self.seen = browser, {}, []
        ARTEFACTS.mkdir(exist_ok=True)

    def width(self, width: int, height: int, mobile: bool) -> None:
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
        self.browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)

    def check(self, name: str) -> None:
        browser = self.browser
        self.seen.append(name)
        assert "govuk-template" in browser.find_element(By.TAG_NAME, "html").get_attribute("class"), name
        font = browser.execute_script("return getComputedStyle(document.querySelector('h1')).fontFamily")
        assert "arial" in font.lower(), f"{name}: the stylesheet did not load (font {font})"
        for width, height, mobile in ((375, 812, True), (1100, 900, False)):
            self.width(width, height, mobile)
            browser.execute_script(AXE.read_text())
            violations = browser.execute_async_script(RUN_AXE, WCAG_TAGS)
            for violation in violations:
                print(f"{name} at {width}px: {violation['impact']} {violation['id']}: {violation['help']}")
                for node in violation["nodes"]:
                    print(f"    {node}")
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                self.problems[f"{name} at {width}px"] = json.dumps(serious, indent=1)
            if mobile:
                small = browser.execute_script(SMALL_TARGETS)
                if small:
                    self.problems[f"{name}: targets under 24x24 px"] = ", ".join(small)
            browser.save_screenshot(str(ARTEFACTS / f"page-{name}-{width}px.png"))
        self.width(375, 812, True)

    def submit(self, button_id: str, **fields: str) -> None:
        for field, value in fields.items():
            element = self.browser.find_element(By.ID, field)
            if element.get_attribute("type") == "radio":
                element.click()
            else:
                element.clear()
                element.send_keys(value)
        page = self.browser.find_element(By.TAG_NAME, "html")
        self.browser.find_element(By.ID, button_id).click()
        WebDriverWait(self.browser, 10).until(lambda _: replaced(page))  # the answer has loaded


def replaced(page: WebElement) -> bool:
    """Whether the page an element belongs to has gone. While the next page loads, Chromium may answer "node does
    not belong to the document" rather than "stale element": both mean it has gone."""
    try:
        page.is_enabled()
    except WebDriverException:  # StaleElementReferenceException among them
        return True
    return False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_page_and_error_page_meets_wcag_22_aa_in_chromium(web, set_clock, chromium_at):
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make assets` (npm ci in src/workflows/web/frontend)")
    base, runtime = web
    set_clock("2026-12-18T10:00")
    pages = Pages(chromium_at(375, 812))
    browser = pages.browser
    pages.width(375, 812, True)
    reference, path = section_11_task(runtime)
    stage = next(s["id"] for s in reports.status(runtime, reference)["stages"] if s["state"] == "open")
    owner = holder(runtime, runtime.library.get("section-11-audit").stages[stage].owner)

    browser.get(base + path)
    # The checker itself: under the pages' CSP, axe runs and sees an unlabelled field put in on purpose.
    browser.execute_script("document.querySelector('main').append(document.createElement('input'))")
    browser.execute_script(AXE.read_text())
    assert "label" in {violation["id"] for violation in browser.execute_async_script(RUN_AXE, WCAG_TAGS)}
    browser.get(base + path)
    pages.check("task")
    pages.submit("request-extension", amount="soon", reason="Staff absence")
    assert "There is a problem" in browser.page_source
    pages.check("422-form-again")
    pages.submit("request-extension", amount="5 working days", reason="Staff absence")
    assert "sent to the approver" in browser.page_source, browser.find_element(By.TAG_NAME, "main").text
    pages.check("done")

    approver = holder(runtime, "business-manager")
    browser.get(base + link(reference, stage, approver, purpose="extension", request=1))
    pages.check("extension-approval")

    rapid = cases.start(
        runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, "child_name": "Zed"}
    )[0]
    cases.run(runtime, rapid, Complete("request-chronologies"))
    for agency in AGENCIES:
        cases.run(runtime, rapid, Complete("agency-chronology", task=agency))
    cases.run(runtime, rapid, Complete("panel-meeting"))
    decision = link(rapid, "dsp-decision", holder(runtime, "dsp-local-authority"))
    browser.get(base + decision)
    pages.check("decision")
    pages.submit("decide")  # no option chosen: the radios' error
    assert 'id="option-error"' in browser.page_source
    pages.check("422-decision-again")

    browser.get(base + path[:-2])
    pages.check("403-forged-link")
    browser.get(base + link("RR-2026-404", "request-chronologies", "lee@example.org"))
    pages.check("404-no-case")
    browser.get(base + "/nowhere")
    pages.check("404-no-page")
    browser.get(f"{base}{path}/done")
    pages.check("405-wrong-method")

    other = link(reference, stage, owner)
    browser.get(base + other)
    cases.run(runtime, reference, Complete(stage))  # done elsewhere while the page was open
    pages.submit("mark-done")
    assert "That could not be recorded" in browser.page_source
    pages.check("409-moved-on")

    browser.get(base + decision)
    browser.execute_script(
        "const form = document.querySelector('form'); form.action = form.action.replace(/decide$/, 'elsewhere');"
    )
    pages.submit("decide", option="x")
    assert "Unknown action" in browser.page_source
    pages.check("400-unknown-action")

    with runtime.db.begin() as connection:
        connection.execute(text("DROP TABLE link_uses"))
    browser.get(base + decision)
    pages.submit("decide", option="x")
    assert "Sorry, something went wrong" in browser.page_source
    pages.check("500-internal")

    # A link's 30 days are real time (a rehearsal clock expires nothing): one signed a month ago has expired.
    month_ago = clock.wall_now() - timedelta(days=31)
    secret = b"test-secret-not-for-production"
    expired = sign(new_claims(rapid, "dsp-decision", None, holder(runtime, "dsp-local-authority"), month_ago), secret)
    browser.get(f"{base}/t/{expired}")
    assert "expired" in browser.page_source
    pages.check("410-expired")

    assert not pages.problems, "\n".join(f"{name}: {problem}" for name, problem in pages.problems.items())
    assert len(pages.seen) == 14
