"""The page's opening table (id, version, reference, calendar, how it starts, pauses, approver), said once for the
Markdown and the HTML pages, each passing its own way of writing code, text and a role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflows.catalogue.sheet import ProcessSheet
from workflows.catalogue.wording import RoleName


@dataclass(frozen=True, slots=True)
class Writing:
    code: Callable[[str], str]
    text: Callable[[str], str]
    role: Callable[[RoleName], str]


def summary_rows(sheet: ProcessSheet, write: Writing) -> list[tuple[str, str]]:
    rows = [
        ("Process id", write.code(sheet.process_id)),
        ("Version", str(sheet.version)),
        ("Case reference", write.code(sheet.reference)),
        ("Calendar", f"{write.code(sheet.calendar)}: {write.text(sheet.calendar_described)}"),
        ("Counting", write.text(sheet.counting)),
    ]
    if sheet.triggers:
        rows.append(("Started by", "; ".join(write.text(trigger) for trigger in sheet.triggers)))
    if sheet.recurrence:
        rows.append(("Recurs", write.text(sheet.recurrence)))
    if not sheet.triggers and not sheet.recurrence:
        rows.append(("Started by", "the business unit, or another process's decision"))
    pauses = "; ".join(f"{write.code(key)}: {write.text(meaning)}" for key, meaning in sheet.pause_reasons)
    rows.append(("Clock pauses", pauses or "not allowed"))
    approver = "none named: deadlines are not extended"
    if sheet.extension_approver:
        approver = f"{write.role(sheet.extension_approver)}; {write.text(sheet.extension_terms)}"
    rows.append(("Extension approver", approver))
    return rows
