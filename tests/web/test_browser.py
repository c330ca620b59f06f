"""In real headless Chromium (Debian's chromium and chromedriver): open the link from a delivered email,
mark the task done, see the confirmation; the screenshot is kept as a test artefact."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from workflows.notify.delivery import deliver
from workflows.operations import cases, reports

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/t/[A-Za-z0-9_\-.]+)")


@pytest.fixture
def chromium(chromium_at):
    return chromium_at(1000, 1100)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_open_the_emailed_link_mark_done_and_see_the_confirmation(web, smtp, set_clock, chromium):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    facts = {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"], "child_name": "Zebedee Quillfeather"}
    reference = cases.start(runtime, "rapid-review", facts)[0]
    deliver(runtime)
    manager = runtime.config.directory.holders("business-manager")[0].email
    (received,) = smtp.mailbox.to(manager)
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    (path,) = LINK.findall(text)

    chromium.get(base + path)
    assert "Request agency chronologies" in chromium.find_element(By.TAG_NAME, "h1").text
    assert "Zebedee" not in chromium.page_source
    chromium.find_element(By.ID, "note").send_keys("Requests sent to every agency")
    chromium.find_element(By.ID, "mark-done").click()
    panel = WebDriverWait(chromium, 10).until(
        expected_conditions.presence_of_element_located((By.CLASS_NAME, "govuk-panel"))
    )
    assert "Recorded" in panel.text and "is recorded as done" in panel.text
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "mark-done-confirmation.png"
    chromium.save_screenshot(str(shot))
    assert shot.stat().st_size > 5_000
    assert reports.status(runtime, reference)["stages"][0]["state"] == "done"
