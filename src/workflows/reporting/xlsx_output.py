"""`workflows report --format xlsx`: an "About" sheet (period, definitions), then one sheet per table, headed
and formatted for a report writer: bold wrapped headings, frozen heading row, filters, widths, percentages."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from workflows.reporting.report_tables import Kind, Table
from workflows.reporting.safe_cells import neutralised

_HEADING_FILL = "1D70B8"  # GOV.UK blue, as the task pages use
_SHEET_TITLE_LIMIT = 31  # Excel's limit on a sheet name
_WIDEST = 60


def xlsx_report(about: list[tuple[str, str]], tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "About"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100
    for row, (label, text) in enumerate(about, start=1):
        _text_cell(sheet, row, 1, label).font = Font(bold=True)
        _text_cell(sheet, row, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
    for table in tables:
        _table_sheet(book, table)
    out = io.BytesIO()
    try:
        book.save(out)
        return out.getvalue()
    except OSError as error:
        failure = OSError(error.errno, error.strerror)  # not holding the failed save's frames
    del book, out
    _let_go_quietly()
    raise failure


def _let_go_quietly() -> None:
    """A save that failed (a full disk under its temporary files) leaves openpyxl's zip archive open, which Python
    would later close, print a complaint about, and fail: it is collected now, its complaint dropped."""
    import gc
    import sys

    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _table_sheet(book: Any, table: Table) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(table.title[:_SHEET_TITLE_LIMIT])
    heading_font = Font(bold=True, color="FFFFFF")
    heading_fill = PatternFill("solid", start_color=_HEADING_FILL)
    for index, column in enumerate(table.columns, start=1):
        cell = _text_cell(sheet, 1, index, column.heading)
        cell.font, cell.fill = heading_font, heading_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row_number, row in enumerate(table.rows, start=2):
        for index, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            if column.kind is Kind.DATE and isinstance(value, str):
                cell = sheet.cell(row=row_number, column=index, value=date.fromisoformat(value))
                cell.number_format = "yyyy-mm-dd"
                continue
            cell = _text_cell(sheet, row_number, index, value)
            if isinstance(value, str) and column.kind is not Kind.TEXT:
                cell.alignment = Alignment(horizontal="right")  # "fewer than 5" lines up with the numbers
            elif column.kind is Kind.PERCENT:
                cell.number_format = "0.0%"
            elif column.kind is Kind.NUMBER:
                cell.number_format = "0.#"
    for index, column in enumerate(table.columns, start=1):
        longest = max([len(str(row[index - 1] or "")) for row in table.rows] + [12])
        wide = min(_WIDEST, longest + 2) if column.kind is Kind.TEXT else max(12, min(18, len(column.heading) // 2 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = wide
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    if table.note:
        note_row = len(table.rows) + 3
        _text_cell(sheet, note_row, 1, table.note).alignment = Alignment(wrap_text=False)


def _text_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """A cell holding `value`; text as text only, never a formula (openpyxl would store "=..." as one)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        # Characters a workbook cannot hold (controls) are shown as a replacement character, not a failed report.
        cell.value = neutralised(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"
    else:
        cell.value = value
    return cell
