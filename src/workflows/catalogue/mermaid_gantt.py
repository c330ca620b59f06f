"""The typical case as a Mermaid `gantt` block, for Markdown viewers that draw Mermaid (GitHub, GitLab, many
wikis): a bar per stage from opening to due, and each stage's first escalation were it still open."""

from __future__ import annotations

from datetime import datetime

from workflows.calendar.london import short_date, to_london
from workflows.catalogue.escaping import mermaid
from workflows.catalogue.sheet import ProcessSheet

_DATE_FORMAT = "%Y-%m-%d %H:%M"  # Mermaid's "YYYY-MM-DD HH:mm"


def _at(moment: datetime) -> str:
    return to_london(moment).strftime(_DATE_FORMAT)


def gantt_block(sheet: ProcessSheet) -> str:
    """The fenced ```mermaid block, ending with a newline."""
    typical = sheet.typical
    rows = {stage.stage_id: stage for stage in sheet.stages}
    lines = [
        "```mermaid",
        "gantt",
        f"    title {mermaid(sheet.title)} - a typical case from {mermaid(short_date(typical.started))}",
        "    dateFormat YYYY-MM-DD HH:mm",
        "    axisFormat %d %b %Y",
        "    section Stages",
    ]
    for number, span in enumerate(typical.spans, 1):
        lines.append(f"    {mermaid(rows[span.stage_id].title)} :s{number}, {_at(span.opened)}, {_at(span.due)}")
    firsts = [(span, span.ladder[0]) for span in typical.spans if span.ladder]
    if firsts:
        lines.append("    section First escalation if still open")
        for number, (span, step) in enumerate(firsts, 1):
            row = rows[span.stage_id]
            task = f"{mermaid(row.title)} - {mermaid(row.escalation[0].told.shown)}"
            lines.append(f"    {task} :crit, milestone, e{number}, {_at(step.at)}, 0d")
    lines.append("```")
    return "\n".join(lines) + "\n"
