"""Cells a spreadsheet will not run: OWASP's guidance on CSV injection, for every text cell of every export.

A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a
formula, so an agency's name or a title like `=HYPERLINK("http://...")` would run when the file is opened. Such a
cell is written with a leading apostrophe, which spreadsheets show as text and never evaluate; the full-width forms
of those characters, which some spreadsheets also read, are treated alike.
"""

from __future__ import annotations

FORMULA_OPENINGS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralised(text: str) -> str:
    """`text` as a spreadsheet cell that can only be text."""
    return f"'{text}" if text[:1] in FORMULA_OPENINGS else text
