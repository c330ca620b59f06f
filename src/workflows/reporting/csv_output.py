"""`workflows report --format csv`: the tables one after another, each under a row holding its title, a blank
row between them (a spreadsheet opens it as it is, and runs nothing: safe_cells.py)."""

from __future__ import annotations

import csv
import io

from workflows.reporting.cell_text import cell_text
from workflows.reporting.report_tables import Table
from workflows.reporting.safe_cells import neutralised
from workflows.text.plain import one_line


def csv_report(heading: list[str], tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def write(cells: list[str]) -> None:
        # One line each (a line end inside a cell splits the row in many readers), and never a formula.
        writer.writerow([neutralised(one_line(cell)) for cell in cells])

    for line in heading:
        write([line])
    for table in tables:
        write([])
        write([table.title])
        write([column.heading for column in table.columns])
        for row in table.rows:
            write([cell_text(value, column.kind) for column, value in zip(table.columns, row, strict=True)])
    return out.getvalue()
