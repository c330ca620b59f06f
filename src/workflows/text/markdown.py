"""Markdown for the DSPs' artifacts: documents are built only from these pieces, and every value that is not
Markdown we wrote is escaped by `escape`, the one function that puts text into Markdown.

What `escape` guarantees, for any value, whichever CommonMark/GFM renderer draws it (both Prefect UIs): the text
shows as it was written, on one line, and adds nothing: no heading, list, quote, rule, emphasis, code, link,
autolink, image, raw HTML, table column or footnote. Punctuation Markdown reads is backslash-escaped; what GFM
would turn into a link by itself (a URL's scheme, `www.`, an email address) is broken by an invisible word joiner;
controls and bidirectional controls become spaces. The raw text stays readable: ordinary punctuation (`.`, `:`,
`-` inside a line, `&`) is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from workflows.text.plain import UNSEEN, one_line


class Markdown(str):
    """Markdown we wrote (or built here from escaped values): what it holds is read as markup."""

    __slots__ = ()


# What Markdown reads as markup wherever it stands: escapes, code, emphasis, links and images, raw HTML and
# autolinks in angle brackets, table cells, headings, strikethrough. CommonMark lets a backslash make each literal.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")
# What it reads as markup only at the start of a line: a list item, a setext underline, a thematic break.
_OPENING = re.compile(r"^(\d*)([-+=.)])")
# `&` only where it could start a reference (`&lt;`), so that "A & B" stays readable in the raw text.
_REFERENCE_START = re.compile(r"&(?=#?\w+;)")
# What GFM links by itself, with no markup at all: a URL (its scheme's `://`), `www.`, an email address (its `@`).
# Renderers look for these in the text after decoding it (remark-gfm, which Prefect's V2 UI uses, does), so no
# escape or character reference hides them: an invisible word joiner goes where the pattern needs two characters
# side by side, and the text shows as it was written (a copied address no longer works, which is the point).
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp):|www(?=\.)|@")
JOINER = "\u2060"


def _unlinked(found: re.Match[str]) -> str:
    return found.group() + JOINER


def escape(value: object) -> Markdown:
    """`value` as literal text in Markdown (a paragraph, a heading's text, a list item or a table cell)."""
    return opening_safe(literal(one_line("-" if value is None else value)))


def literal(text: str) -> Markdown:
    """A piece of one line of text, spaces kept as they are, made literal wherever it stands in the line: `escape`
    without the folding, for a line cut into pieces (some of them code of ours)."""
    escaped = _SPECIAL.sub(r"\\\1", _REFERENCE_START.sub("&amp;", UNSEEN.sub(" ", text)))
    return Markdown(_AUTOLINK.sub(_unlinked, escaped))


def opening_safe(line: str) -> Markdown:
    """A line whose start Markdown would read as a list item, an underline or a rule, made literal there."""
    return Markdown(_OPENING.sub(r"\1\\\2", line))


def _piece(part: object) -> str:
    """A part of a line: Markdown as it is; anything else literal, its spaces kept (the line is folded once)."""
    return part if isinstance(part, Markdown) else literal(str("-" if part is None else part))


def _cell(part: object) -> str:
    """A table cell: inside a row nothing opens a block, so only what is markup anywhere is escaped."""
    return part if isinstance(part, Markdown) else literal(one_line("-" if part is None else part))


def cat(*parts: object) -> Markdown:
    """The parts in a row, as one line: Markdown as it is, anything else escaped."""
    return opening_safe("".join(_piece(part) for part in parts).strip())


def bold(*parts: object) -> Markdown:
    return Markdown(f"**{cat(*parts)}**")


def code(ours: str) -> Markdown:
    """A command or name of ours, shown as code (never a value from outside: those are `escape`d)."""
    if "`" in ours or "\n" in ours:
        raise ValueError("a code span of ours holds no backtick or line end")
    return Markdown(f"`{ours}`")


def picture(alternative: str, png_base64: str) -> Markdown:
    """A PNG of ours, carried in the page itself (a `data:` address: nothing is fetched from anywhere), with its
    alternative text escaped."""
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", png_base64):
        raise ValueError("the picture is not base64")
    alt = literal(one_line(alternative))
    return Markdown(f"![{alt}](data:image/png;base64,{png_base64})")


def heading(level: int, *parts: object) -> Markdown:
    return Markdown(f"{'#' * level} {cat(*parts)}")


def bullets(items: Iterable[Sequence[object] | object]) -> list[Markdown]:
    """A list: each item one line, its parts escaped unless Markdown."""
    lines = []
    for item in items:
        parts = item if isinstance(item, list | tuple) else (item,)
        lines.append(Markdown(f"- {cat(*parts)}"))
    return lines


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], align: str | None = None) -> list[Markdown]:
    """A GFM table: a header of ours, then each row's cells escaped unless Markdown; every row has the header's
    columns. `align` is one letter a column, `l` or `r`."""
    width = len(headers)
    marks = align or "l" * width
    lines = [
        Markdown("| " + " | ".join(escape(header) for header in headers) + " |"),
        Markdown("|" + "".join("--:|" if mark == "r" else "---|" for mark in marks) + ""),
    ]
    for row in rows:
        cells = list(row)
        if len(cells) != width:
            raise ValueError(f"a row of {len(cells)} cells in a table of {width} columns")
        lines.append(Markdown("| " + " | ".join(_cell(cell) for cell in cells) + " |"))
    return lines


def document(*blocks: Markdown | Sequence[Markdown]) -> str:
    """Blocks (a line, or a block of lines) one after another, a blank line between each, ending with a line end."""
    lines: list[str] = []
    for block in blocks:
        chunk = [block] if isinstance(block, str) else list(block)
        if not chunk:
            continue
        if lines:
            lines.append("")
        for line in chunk:
            if not isinstance(line, Markdown):
                raise TypeError("a document is built of Markdown: escape values with escape() or cat()")
            lines.append(line)
    return "\n".join(lines) + "\n"
