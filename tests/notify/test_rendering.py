"""Every message kind renders, says what to do and by when, and carries no sensitive fact."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from workflows.notify.compose import Queued, build_email, context_for
from workflows.notify.delivery import _queued
from workflows.notify.templates import KINDS, Templates
from workflows.operations import cases
from workflows.store.schema import cases as case_table
from workflows.store.schema import outbox

SECRETS = {
    "child_name": "Zebedee Quillfeather",
    "child_date_of_birth": date(2015, 2, 3),
    "child_address": "7 Marigold Terrace, Hanley",
    "school_attended": "Quillfeather Academy",
    "incident_summary": "Found at the canal lock",
}


@pytest.fixture
def queued_rows(shipped_runtime, set_clock):
    """A real serious incident notification with every sensitive fact set, and its first queued message."""
    set_clock("2026-12-18T10:00")
    facts = {
        "awareness_date": date(2026, 12, 18),
        "abuse_or_neglect_suspected": True,
        "agencies": ["staffordshire-police"],
        **SECRETS,
    }
    cases.start(shipped_runtime, "serious-incident-notification", facts)
    with shipped_runtime.db.connect() as connection:
        query = select(outbox, case_table.c.reference, case_table.c.definition_hash).join(
            case_table, case_table.c.id == outbox.c.case_id
        )
        return [_queued(shipped_runtime, row) for row in connection.execute(query)]


def secret_texts() -> list[str]:
    texts = []
    for value in SECRETS.values():
        if isinstance(value, date):
            texts += [str(value), value.strftime("%d/%m/%Y"), f"{value.day} {value:%B %Y}"]
        else:
            texts.append(str(value))
    return [*texts, "Zebedee", "Quillfeather", "Marigold"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_without_any_sensitive_fact(shipped_runtime, queued_rows, kind):
    base: Queued = queued_rows[0]
    queued = dataclasses.replace(
        base,
        kind=kind,
        copy_role="business-manager" if kind == "escalation" else None,
        details={
            **base.details,
            "number": 2,
            "items": [
                {
                    "reference": base.reference,
                    "process": "P",
                    "stage": "S",
                    "agency": None,
                    "owner": "O",
                    "due": "Mon 21 Dec 2026",
                    "working_days_overdue": 3,
                    "level": 1,
                    "at_risk": False,
                }
            ],
        },
    )
    templates = Templates()
    context = context_for(queued, shipped_runtime.config, "someone@example.org", False, "http://127.0.0.1:8000/x")
    rendered = templates.render(kind, context)
    message = build_email(
        queued,
        rendered,
        sender=shipped_runtime.config.partnership.sender,
        recipient="someone@example.org",
        stamp=base.due_at,
    )
    raw = message.as_string()
    for secret in secret_texts():
        assert secret not in raw, f"{kind} leaks {secret!r}"
    assert rendered.subject and "\n" not in rendered.subject
    if kind not in ("daily-digest",):
        assert base.reference in rendered.subject  # which case, without naming anyone
    if kind in ("task-assigned", "decision-needed", "reminder", "overdue", "escalation", "audit-round-opened"):
        assert "December 2026" in rendered.subject  # by when
    assert "<html" in rendered.html and "Open the task" in rendered.html


def test_a_partnership_overrides_a_template_without_touching_code(shipped_runtime, queued_rows, tmp_path, monkeypatch):
    (tmp_path / "reminder.subject.j2").write_text("Gentle nudge: {{ stage }} by {{ due }}\n")
    monkeypatch.setenv("WORKFLOWS_TEMPLATES", str(tmp_path))
    queued = dataclasses.replace(queued_rows[0], kind="reminder")
    context = context_for(queued, shipped_runtime.config, "someone@example.org", False, None)
    assert Templates().render("reminder", context).subject.startswith("Gentle nudge: ")
    assert Templates().render("overdue", context).subject.startswith("OVERDUE")  # the others stay shipped
