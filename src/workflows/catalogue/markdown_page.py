"""A process's catalogue page as Markdown: the file beside the others in the catalogue folder (with the timeline
image, the Mermaid gantt and links to the other pages), or the Prefect artifact (the timeline as a table only:
Prefect's UI draws no Mermaid and resolves no relative link)."""

from __future__ import annotations

import base64

from workflows.catalogue.escaping import markdown, markdown_with_code
from workflows.catalogue.mermaid_gantt import gantt_block
from workflows.catalogue.sheet import OptionRow, ProcessSheet, StageRow, moment_words
from workflows.catalogue.summary_rows import Writing, summary_rows
from workflows.catalogue.wording import RoleName


def _cell(text: str) -> str:
    return markdown(text) if text else "-"


def _role(role: RoleName) -> str:
    """The role's title with its key as code: "Partnership business manager (`business-manager`)"."""
    return f"{markdown(role.title)} (`{role.key}`)" if role.title else f"`{role.key}`"


def _option(option: OptionRow, links: bool) -> str:
    line = f"`{option.option_id}`: {markdown(option.label)}"
    if option.automatic:
        line += " (taken by itself when the stage is still unresolved at its deadline)"
    if option.opens:
        line += "; opens " + ", ".join(markdown(title) for title in option.opens)
    if option.starts:
        name = markdown(option.starts_title or option.starts)
        target = f"[{name}]({option.starts}.md)" if links and option.starts_title else name
        line += f"; starts {target} (`{option.starts}`)"
        if option.hands_over:
            line += " with " + ", ".join(f"`{fact}`" for fact in option.hands_over)
    return line


def _stage(number: int, stage: StageRow, links: bool) -> list[str]:
    lines = [f"### {number}. {markdown(stage.title)} (`{stage.stage_id}`)", ""]
    owner = _role(stage.owner) + (f", {markdown(stage.owner_scope)}" if stage.owner_scope else "")
    lines.append(f"- **Owner:** {owner}")
    if stage.involves:
        involved = [
            _role(other.role) + (f", {markdown(other.agency)}" if other.agency else "") for other in stage.involves
        ]
        lines.append("- **Also involved:** " + "; ".join(involved))
    if stage.waits_for:
        lines.append("- **Opens when done:** " + "; ".join(markdown(title) for title in stage.waits_for))
    if stage.asks:
        lines.append(f"- **Asks:** {markdown(stage.asks)}")
    deadline = f"- **Deadline:** {markdown(stage.deadline)} (`{stage.rule}`)"
    if stage.counting:
        deadline += f", counting {markdown(stage.counting)}"
    if stage.deadline_source:
        deadline += f"; source: {markdown_with_code(stage.deadline_source)}"
    lines.append(deadline)
    lines.append("- **Reminders:** " + ("; ".join(markdown(words) for words in stage.reminders) or "none"))
    if stage.escalation:
        lines.append("- **Escalation if overdue:**")
        for step_number, step in enumerate(stage.escalation, 1):
            when = f" (in the typical case: {moment_words(step.in_typical_case)})" if step.in_typical_case else ""
            lines.append(f"  {step_number}. {markdown(step.after)}: {_role(step.told)} told{when}")
    elif stage.moves_on_to:
        lines.append(
            f"- **Escalation if overdue:** never overdue: unresolved at its deadline, it takes `{stage.moves_on_to}`"
        )
    else:
        lines.append("- **Escalation if overdue:** none")
    if stage.options:
        lines.append("- **Decision:**")
        lines += [f"  - {_option(option, links)}" for option in stage.options]
    return [*lines, ""]


def _summary_table(sheet: ProcessSheet) -> list[str]:
    rows = summary_rows(sheet, Writing(code=lambda text: f"`{text}`", text=markdown, role=_role))
    return ["| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows), ""]


def _tag(tag: str) -> str:
    return markdown(f"[{tag}]")


def _sources(sheet: ProcessSheet) -> list[str]:
    counts = " · ".join(f"{_tag(tag)} {count}" for tag, count in sheet.tag_counts.items())
    lines = ["## Sources", "", f"Tags in the file's comments: {counts}", ""]
    notes = [
        f"- **{' '.join(_tag(tag) for tag in note.tags)}** {markdown_with_code(note.text)}" for note in sheet.sources
    ]
    lines += notes or ["- No tagged notes in the file's header."]
    return [*lines, ""]


def _stages_table(sheet: ProcessSheet) -> list[str]:
    lines = ["| # | Stage | Owner | Deadline | Escalation if overdue |", "|---|---|---|---|---|"]
    for number, stage in enumerate(sheet.stages, 1):
        ladder = "; ".join(f"{markdown(step.after)}: {_role(step.told)}" for step in stage.escalation) or "-"
        lines.append(
            f"| {number} | {markdown(stage.title)} (`{stage.stage_id}`) | {_role(stage.owner)} "
            f"| {markdown(stage.deadline)} | {ladder} |"
        )
    return [*lines, ""]


def _facts(sheet: ProcessSheet) -> list[str]:
    if not sheet.facts:
        return []
    lines = [
        "## Facts a case starts with",
        "",
        "| Fact | Title | Type | Required | Sensitive (never sent) |",
        "|---|---|---|---|---|",
    ]
    for fact in sheet.facts:
        lines.append(
            f"| `{fact.name}` | {markdown(fact.title)} | {markdown(fact.kind)} | {'yes' if fact.required else 'no'} "
            f"| {'yes' if fact.sensitive else 'no'} |"
        )
    return [*lines, ""]


def _timeline_table(sheet: ProcessSheet) -> list[str]:
    lines = ["| When | Event | Stage | To |", "|---|---|---|---|"]
    lines += [
        f"| {moment_words(row.at)} | {row.event} | {_cell(row.stage)} | {_cell(row.to.shown if row.to else '')} |"
        for row in sheet.timeline
    ]
    return [*lines, ""]


def _typical_case(sheet: ProcessSheet, diagram: bool, links: bool, embedded_svg: str | None) -> list[str]:
    lines = ["## A typical case", ""]
    lines += [f"- {markdown(assumption)}" for assumption in sheet.assumptions]
    if sheet.not_reached:
        lines.append("- Not reached in this case: " + "; ".join(markdown(title) for title in sheet.not_reached) + ".")
    lines.append("")
    alt = f"Timeline of a typical case of {markdown(sheet.title)}"
    if links:
        lines += [f"![{alt}]({sheet.process_id}.svg)", ""]
    elif embedded_svg is not None:
        # Inside the page itself (Prefect's UI shows a data: image; a relative link would point nowhere).
        encoded = base64.b64encode(embedded_svg.encode("utf-8")).decode("ascii")
        lines += [f"![{alt}](data:image/svg+xml;base64,{encoded})", ""]
    if diagram:
        lines += [gantt_block(sheet)]
    lines += ["### Timeline", "", *_timeline_table(sheet)]
    return lines


def markdown_page(
    sheet: ProcessSheet, *, diagram: bool = True, links: bool = True, embedded_svg: str | None = None
) -> str:
    """The page. `diagram`: with the Mermaid gantt; `links`: with the timeline image and links to other pages
    (both off for a Prefect artifact, which carries the timeline `embedded_svg` in itself instead)."""
    lines = [f"# {markdown(sheet.title)}", "", markdown(sheet.purpose) or "No description given.", ""]
    lines += _summary_table(sheet)
    lines += _sources(sheet)
    lines += ["## Stages", "", *_stages_table(sheet)]
    for number, stage in enumerate(sheet.stages, 1):
        lines += _stage(number, stage, links)
    lines += _facts(sheet)
    lines += _typical_case(sheet, diagram, links, embedded_svg)
    if links:
        lines += ["[All processes](index.md)", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
