"""A process's catalogue page as one standalone HTML file: a plain inline style, the timeline SVG inline, every
text escaped, no script and nothing fetched from elsewhere (it opens from a shared drive or an email)."""

from __future__ import annotations

from workflows.catalogue.escaping import markup, markup_with_code
from workflows.catalogue.sheet import OptionRow, ProcessSheet, StageRow, moment_words
from workflows.catalogue.summary_rows import Writing, summary_rows
from workflows.catalogue.wording import RoleName

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 980px; margin: 2em auto;
  padding: 0 1em; line-height: 1.45; }
h1 { font-size: 2em; margin-bottom: 0.2em; }
h2 { margin-top: 1.8em; border-bottom: 2px solid #b1b4b6; padding-bottom: 0.2em; }
h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.8em 0; width: 100%; }
th, td { border: 1px solid #b1b4b6; padding: 0.35em 0.55em; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
code { background: #f3f2f1; padding: 0 0.2em; }
.tag { font-weight: bold; white-space: nowrap; }
.purpose { font-size: 1.15em; }
figure { margin: 1em 0; overflow-x: auto; }
svg { max-width: 100%; height: auto; }
dl.stage dt { font-weight: bold; float: left; clear: left; width: 11em; }
dl.stage dd { margin-left: 12em; margin-bottom: 0.3em; }
""".strip()


def _code(text: str) -> str:
    return f"<code>{markup(text)}</code>"


def _role(role: RoleName) -> str:
    """The role's title with its key as code."""
    return f"{markup(role.title)} ({_code(role.key)})" if role.title else _code(role.key)


def _table(headers: list[str], rows: list[list[str]], caption: str | None = None) -> list[str]:
    """A table from cells already in HTML."""
    lines = ["<table>"]
    if caption:
        lines.append(f"<caption>{markup(caption)}</caption>")
    lines.append(
        "<thead><tr>" + "".join(f'<th scope="col">{markup(header)}</th>' for header in headers) + "</tr></thead>"
    )
    lines.append("<tbody>")
    lines += ["<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
    lines += ["</tbody>", "</table>"]
    return lines


def _option(option: OptionRow, links: bool) -> str:
    text = f"{_code(option.option_id)}: {markup(option.label)}"
    if option.automatic:
        text += " (taken by itself when the stage is still unresolved at its deadline)"
    if option.opens:
        text += "; opens " + ", ".join(markup(title) for title in option.opens)
    if option.starts:
        name = markup(option.starts_title or option.starts)
        target = f'<a href="{markup(option.starts)}.html">{name}</a>' if links and option.starts_title else name
        text += f"; starts {target} ({_code(option.starts)})"
        if option.hands_over:
            text += " with " + ", ".join(_code(fact) for fact in option.hands_over)
    return text


def _stage(number: int, stage: StageRow, links: bool) -> list[str]:
    lines = [
        f'<h3 id="stage-{markup(stage.stage_id)}">{number}. {markup(stage.title)} ({_code(stage.stage_id)})</h3>',
        '<dl class="stage">',
    ]

    def item(name: str, value: str) -> None:
        lines.extend([f"<dt>{markup(name)}</dt>", f"<dd>{value}</dd>"])

    item("Owner", _role(stage.owner) + (f", {markup(stage.owner_scope)}" if stage.owner_scope else ""))
    if stage.involves:
        involved = [
            _role(other.role) + (f", {markup(other.agency)}" if other.agency else "") for other in stage.involves
        ]
        item("Also involved", "; ".join(involved))
    if stage.waits_for:
        item("Opens when done", "; ".join(markup(title) for title in stage.waits_for))
    if stage.asks:
        item("Asks", markup(stage.asks))
    deadline = f"{markup(stage.deadline)} ({_code(stage.rule)})"
    if stage.counting:
        deadline += f", counting {markup(stage.counting)}"
    if stage.deadline_source:
        deadline += f"; source: {markup_with_code(stage.deadline_source)}"
    item("Deadline", deadline)
    item("Reminders", "; ".join(markup(words) for words in stage.reminders) or "none")
    if stage.escalation:
        steps = []
        for step in stage.escalation:
            when = (
                f" (in the typical case: {markup(moment_words(step.in_typical_case))})" if step.in_typical_case else ""
            )
            steps.append(f"<li>{markup(step.after)}: {_role(step.told)} told{when}</li>")
        item("Escalation if overdue", "<ol>" + "".join(steps) + "</ol>")
    elif stage.moves_on_to:
        item("Escalation if overdue", f"never overdue: unresolved at its deadline, it takes {_code(stage.moves_on_to)}")
    else:
        item("Escalation if overdue", "none")
    if stage.options:
        item("Decision", "<ul>" + "".join(f"<li>{_option(option, links)}</li>" for option in stage.options) + "</ul>")
    lines.append("</dl>")
    return lines


def _summary(sheet: ProcessSheet) -> list[str]:
    rows = summary_rows(sheet, Writing(code=_code, text=markup, role=_role))
    lines = ["<table>", "<tbody>"]
    lines += [f'<tr><th scope="row">{markup(name)}</th><td>{value}</td></tr>' for name, value in rows]
    return [*lines, "</tbody>", "</table>"]


def _sources(sheet: ProcessSheet) -> list[str]:
    counts = " · ".join(f'<span class="tag">[{tag}]</span> {count}' for tag, count in sheet.tag_counts.items())
    lines = ['<h2 id="sources">Sources</h2>', f"<p>Tags in the file's comments: {counts}</p>", "<ul>"]
    for note in sheet.sources:
        tags = " ".join(f"[{markup(tag)}]" for tag in note.tags)
        lines.append(f'<li><span class="tag">{tags}</span> {markup_with_code(note.text)}</li>')
    if not sheet.sources:
        lines.append("<li>No tagged notes in the file's header.</li>")
    return [*lines, "</ul>"]


def _stages_table(sheet: ProcessSheet) -> list[str]:
    rows = [
        [
            str(number),
            f'<a href="#stage-{markup(stage.stage_id)}">{markup(stage.title)}</a> ({_code(stage.stage_id)})',
            _role(stage.owner),
            markup(stage.deadline),
            "; ".join(f"{markup(step.after)}: {_role(step.told)}" for step in stage.escalation) or "-",
        ]
        for number, stage in enumerate(sheet.stages, 1)
    ]
    return _table(["#", "Stage", "Owner", "Deadline", "Escalation if overdue"], rows)


def _facts(sheet: ProcessSheet) -> list[str]:
    if not sheet.facts:
        return []
    rows = [
        [
            _code(fact.name),
            markup(fact.title),
            markup(fact.kind),
            "yes" if fact.required else "no",
            "yes" if fact.sensitive else "no",
        ]
        for fact in sheet.facts
    ]
    headers = ["Fact", "Title", "Type", "Required", "Sensitive (never sent)"]
    return ['<h2 id="facts">Facts a case starts with</h2>', *_table(headers, rows)]


def _typical_case(sheet: ProcessSheet, svg: str) -> list[str]:
    lines = ['<h2 id="typical-case">A typical case</h2>', "<ul>"]
    lines += [f"<li>{markup(assumption)}</li>" for assumption in sheet.assumptions]
    if sheet.not_reached:
        lines.append(
            "<li>Not reached in this case: " + "; ".join(markup(title) for title in sheet.not_reached) + ".</li>"
        )
    lines += ["</ul>", "<figure>", svg.rstrip("\n"), "</figure>"]
    rows = [
        [markup(moment_words(row.at)), markup(row.event), markup(row.stage), markup(row.to.shown if row.to else "-")]
        for row in sheet.timeline
    ]
    return [*lines, "<h3>Timeline</h3>", *_table(["When", "Event", "Stage", "To"], rows)]


def html_page(sheet: ProcessSheet, svg: str, *, links: bool = True) -> str:
    """The standalone page; `svg` is the timeline (timeline_svg), put inline."""
    body = [
        f"<h1>{markup(sheet.title)}</h1>",
        f'<p class="purpose">{markup(sheet.purpose) or "No description given."}</p>',
        *_summary(sheet),
        *_sources(sheet),
        '<h2 id="stages">Stages</h2>',
        *_stages_table(sheet),
    ]
    for number, stage in enumerate(sheet.stages, 1):
        body += _stage(number, stage, links)
    body += _facts(sheet)
    body += _typical_case(sheet, svg)
    if links:
        body.append('<p><a href="index.html">All processes</a></p>')
    return document(f"{sheet.title} ({sheet.process_id})", body)


def document(title: str, body: list[str]) -> str:
    """A complete HTML page around `body` (lines of HTML already escaped)."""
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{markup(title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"
