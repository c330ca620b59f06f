"""From an outbox row to the email each recipient gets: context, rendering, headers, attachment.

The context is built from the definition, the directory and the row only. Case facts are never read
here, so no child's or family's data can reach a message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from workflows.calendar.london import long_date, to_london
from workflows.config.loader import Config
from workflows.definitions.model import Process
from workflows.directory.addresses import address_problem
from workflows.engine.vocabulary import MessageKind
from workflows.notify.invite import deadline_invite, invite_uid
from workflows.notify.templates import Rendered

# Kinds about a deadline: these carry the calendar attachment.
DEADLINE_KINDS = {
    MessageKind.TASK_ASSIGNED,
    MessageKind.DECISION_NEEDED,
    MessageKind.AUDIT_ROUND_OPENED,
    MessageKind.REMINDER,
    MessageKind.DUE_TODAY,
    MessageKind.OVERDUE,
    MessageKind.ESCALATION,
    MessageKind.EXTENSION_APPROVED,
    MessageKind.EXTENSION_REFUSED,
    MessageKind.DEADLINE_MOVED,
}


@dataclass(frozen=True, slots=True)
class Queued:
    """An outbox row, as delivery needs it."""

    id: int
    key: str
    kind: str
    reference: str | None
    process: Process | None
    stage: str | None
    task: str | None
    role: str | None
    agency: str | None
    copy_role: str | None
    due_at: datetime | None
    details: dict[str, Any]


def message_id(key: str, recipient: str, domain: str) -> str:
    """Derived from the message key and recipient: a resend after a crash is recognisably the same message."""
    return f"<{hashlib.sha256(f'{key}|{recipient.lower()}'.encode()).hexdigest()[:40]}@{domain}>"


def context_for(queued: Queued, config: Config, recipient: str, copied: bool, link: str) -> dict[str, Any]:
    directory = config.directory
    process = queued.process
    stage = process.stages.get(queued.stage) if process and queued.stage else None
    hour_based = bool(stage and stage.due.is_elapsed_time)
    agency = directory.agencies.get(queued.task or queued.agency or "")
    roles = directory.roles
    return {
        "kind": queued.kind,
        "partnership": config.partnership.name,
        "business_unit_email": config.partnership.business_unit_email,
        "reference": queued.reference,
        "process": process.title if process else None,
        "stage": stage.title if stage else None,
        "asks": stage.asks if stage else None,
        "options": [option.label for option in stage.decision.options.values()] if stage and stage.decision else [],
        "agency": agency.name if agency else None,
        "role": roles[queued.role].title if queued.role in roles else None,
        "copy_role": roles[queued.copy_role].title if queued.copy_role in roles else None,
        "due": long_date(queued.due_at, with_time=hour_based) if queued.due_at else None,
        "previous_due": _previous_due(queued, hour_based),
        "because": queued.details.get("because") or None,
        "urgent": hour_based,
        "level": queued.details.get("number") if queued.kind == MessageKind.ESCALATION else None,
        "items": queued.details.get("items", []),
        "copied": copied,
        "recipient": recipient,
        "link": link,
    }


def _previous_due(queued: Queued, hour_based: bool) -> str | None:
    """Where a moved deadline was before (as the engine recorded it: an ISO instant)."""
    previous = queued.details.get("previous_due")
    if not isinstance(previous, str):
        return None
    try:
        return long_date(datetime.fromisoformat(previous), with_time=hour_based)
    except ValueError:
        return None


class Unsendable(ValueError):
    """A message that cannot be built as it stands: a value bound for a header that would break it (a line end in a
    reference or key, a recipient that is not one bare address). Nothing in the edge lets one in now; a database
    written by an older version may still hold one. Its text never repeats the value."""


# What the values bound for headers may be: printable ASCII, and no longer than the outbox stores them.
MAX_KEY_LENGTH = 400
MAX_REFERENCE_LENGTH = 200


def _printable_ascii(text: str, *, spaces: bool) -> bool:
    low = 0x20 if spaces else 0x21
    return all(low <= ord(char) <= 0x7E for char in text)


def header_problem(queued: Queued, recipient: str, subject: str) -> str | None:
    """Why this message cannot be built for `recipient`, or None."""
    if not _printable_ascii(queued.key, spaces=False) or len(queued.key) > MAX_KEY_LENGTH:
        return f"its key is not printable ASCII of at most {MAX_KEY_LENGTH} characters"
    reference = queued.reference or ""
    if not _printable_ascii(reference, spaces=True) or len(reference) > MAX_REFERENCE_LENGTH:
        return f"its case reference is not printable ASCII of at most {MAX_REFERENCE_LENGTH} characters"
    problem = address_problem(recipient)
    if problem:
        return f"a recipient address is not valid ({problem})"
    if not subject.isprintable():
        return "its subject has a control character"
    return None


def build_email(queued: Queued, rendered: Rendered, *, sender: str, recipient: str, stamp: datetime) -> EmailMessage:
    """The message for one recipient; `Unsendable` if a value bound for a header would break it."""
    problem = header_problem(queued, recipient, rendered.subject)
    if problem:
        raise Unsendable(problem)
    domain = sender.rpartition("@")[2]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Message-ID"] = message_id(queued.key, recipient, domain)
    message["Date"] = format_datetime(stamp)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Workflows-Key"] = queued.key
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if queued.kind in DEADLINE_KINDS and queued.due_at is not None and queued.reference and queued.stage:
        stage = queued.process.stages.get(queued.stage) if queued.process else None
        hour_based = bool(stage and stage.due.is_elapsed_time)
        ics = deadline_invite(
            uid=invite_uid(queued.reference, queued.stage, queued.task, domain),
            sequence=int(queued.details.get("due_version", 0)),
            summary=f"Due: {rendered.subject}",
            description=f"{queued.reference}: see the message for the link",
            due_at=queued.due_at,
            due_day=None if hour_based else to_london(queued.due_at).date(),
            stamp=stamp,
        )
        message.add_attachment(
            ics.encode(), maintype="text", subtype="calendar", filename="deadline.ics", params={"method": "PUBLISH"}
        )
    return message
