"""Text from definitions made safe for where it goes: Markdown, HTML/SVG markup, Mermaid.

Titles and descriptions are written by people, so any of them may hold markup (`<script>`), table pipes or
characters XML does not allow; every renderer passes text through here.
"""

from __future__ import annotations

import html
import re

from workflows.text.markdown import escape, literal, opening_safe
from workflows.text.plain import one_line  # the form every renderer starts from: one line, no controls

# `like this` in a comment: a name or a snippet of YAML, shown as code. No backtick can be inside one.
_CODE_SPAN = re.compile(r"`([^`]+)`")


def markup(text: str) -> str:
    """Text for HTML or SVG, element content or attribute value alike."""
    return html.escape(one_line(text), quote=True)


def markdown(text: str) -> str:
    """Text for Markdown (a paragraph or a table cell): nothing in it is read as markup (text/markdown.py)."""
    return escape(text)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """`text` (one line) cut into plain pieces and `code` pieces (without their backticks)."""
    pieces, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        pieces += [(text[last : match.start()], False), (match[1], True)]
        last = match.end()
    return [*pieces, (text[last:], False)]


def markdown_with_code(text: str) -> str:
    """Like `markdown`, but what the author put in backticks stays a code span (shown literally, never markup)."""
    # A pipe would end a table cell even inside a code span: such a piece stays plain, escaped.
    return opening_safe(
        "".join(
            f"`{piece}`" if code and "|" not in piece else literal(f"`{piece}`" if code else piece)
            for piece, code in _pieces(one_line(text))
        )
    )


def markup_with_code(text: str) -> str:
    """Like `markup`, with what the author put in backticks as <code>."""
    return "".join(
        f"<code>{html.escape(piece)}</code>" if code else html.escape(piece) for piece, code in _pieces(one_line(text))
    )


def mermaid(text: str) -> str:
    """Text for a Mermaid gantt task or title: no `:` (it ends a task name), `;` or `#` (statement and entity
    syntax), `%%` (a comment) or markup."""
    cleaned = one_line(text).replace(":", " -").replace(";", ",").replace("#", "No.").replace("%", " per cent")
    return re.sub(r"[<>{}\[\]\"`]", "", cleaned).strip() or "-"
