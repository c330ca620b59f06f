"""`workflows report` as text for a terminal: each table titled, its columns aligned, long headings wrapped."""

from __future__ import annotations

import textwrap

from workflows.reporting.cell_text import cell_text
from workflows.reporting.report_tables import Kind, Table
from workflows.text.terminal import shown

_MIN_WIDTH = 6


def text_report(heading: list[str], tables: list[Table]) -> str:
    parts = ["\n".join(heading)]
    parts += [_text_table(table) for table in tables]
    return "\n\n".join(parts) + "\n"


def _text_table(table: Table) -> str:
    cells = [
        [shown(cell_text(value, column.kind)) for column, value in zip(table.columns, row, strict=True)]
        for row in table.rows
    ]
    widths = []
    for index, column in enumerate(table.columns):
        longest_word = max(len(word) for word in column.heading.split())
        longest_value = max((len(row[index]) for row in cells), default=0)
        widths.append(max(_MIN_WIDTH, longest_word, longest_value))
    wrapped = [textwrap.wrap(column.heading, width) for column, width in zip(table.columns, widths, strict=True)]
    heading_lines = max(len(lines) for lines in wrapped)
    lines = [table.title, "=" * len(table.title)]
    for line in range(heading_lines):
        texts = [(lines_[line] if line < len(lines_) else "") for lines_ in wrapped]
        lines.append(_line(texts, widths, table))
    lines.append("  ".join("-" * width for width in widths))
    lines += [_line(row, widths, table) for row in cells]
    if not table.rows:
        lines.append("(none)")
    if table.note:
        lines += ["", *textwrap.wrap(table.note, 100)]
    return "\n".join(lines)


def _line(texts: list[str], widths: list[int], table: Table) -> str:
    aligned = [
        text.ljust(width) if column.kind in (Kind.TEXT, Kind.DATE) else text.rjust(width)
        for text, width, column in zip(texts, widths, table.columns, strict=True)
    ]
    return "  ".join(aligned).rstrip()
