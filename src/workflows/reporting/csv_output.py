"""`workflows report --format csv`: the tables one after another, each under a row holding its title, a blank
row between them (a spreadsheet opens it as it is)."""

from __future__ import annotations

import csv
import io

from workflows.reporting.cell_text import cell_text
from workflows.reporting.report_tables import Table


def csv_report(heading: list[str], tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in heading:
        writer.writerow([line])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([column.heading for column in table.columns])
        for row in table.rows:
            writer.writerow([cell_text(value, column.kind) for column, value in zip(table.columns, row, strict=True)])
    return out.getvalue()
