"""The catalogue's front page, in Markdown and HTML: every process with its title, the first sentence of its
purpose and links to its page in each form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from workflows.catalogue.escaping import markdown, markdown_with_code, markup, markup_with_code
from workflows.catalogue.html_page import document

TITLE = "Process catalogue"
INTRODUCTION = (
    "Every process the partnership runs on this system: what it is for, where each rule comes from, who owns "
    "each stage, when it is due, who is reminded and who is told when it runs late, and a typical case's timeline."
)


class Listed(Protocol):
    """What the index needs of a page (a CataloguePage)."""

    @property
    def process_id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def summary(self) -> str: ...


def _left_out_note(left_out: Sequence[str]) -> str:
    return (
        f"Left out because their files have problems (`workflows validate` lists them): {', '.join(left_out)}."
        if left_out
        else ""
    )


def index_markdown(pages: Sequence[Listed], left_out: Sequence[str] = ()) -> str:
    lines = [f"# {TITLE}", "", INTRODUCTION, "", "| Process | Purpose | Pages |", "|---|---|---|"]
    for page in pages:
        links = f"[Markdown]({page.process_id}.md) · [HTML]({page.process_id}.html) · [timeline]({page.process_id}.svg)"
        lines.append(f"| {markdown(page.title)} (`{page.process_id}`) | {markdown(page.summary) or '-'} | {links} |")
    lines.append("")
    if left_out:
        lines += [markdown_with_code(_left_out_note(left_out)), ""]
    return "\n".join(lines)


def index_html(pages: Sequence[Listed], left_out: Sequence[str] = ()) -> str:
    body = [
        f"<h1>{markup(TITLE)}</h1>",
        f"<p>{markup(INTRODUCTION)}</p>",
        "<table>",
        '<thead><tr><th scope="col">Process</th><th scope="col">Purpose</th><th scope="col">Pages</th></tr></thead>',
        "<tbody>",
    ]
    for page in pages:
        name = markup(page.process_id)
        body.append(
            f'<tr><td><a href="{name}.html">{markup(page.title)}</a> (<code>{name}</code>)</td>'
            f"<td>{markup(page.summary) or '-'}</td>"
            f'<td><a href="{name}.html">HTML</a> · <a href="{name}.md">Markdown</a> · '
            f'<a href="{name}.svg">timeline</a></td></tr>'
        )
    body += ["</tbody>", "</table>"]
    if left_out:
        body.append(f"<p>{markup_with_code(_left_out_note(left_out))}</p>")
    return document(TITLE, body)
