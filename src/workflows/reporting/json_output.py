"""`workflows report --format json`: the period, the settings behind it and each table's rows as objects.

Percentages are numbers from 0 to 100 (one decimal); a suppressed figure is the text shown in its place."""

from __future__ import annotations

import json
from typing import Any

from workflows.reporting.report_tables import Kind, Table, Value


def _json_value(value: Value, kind: Kind) -> Value:
    if kind is Kind.PERCENT and isinstance(value, float):
        return round(value * 100, 1)
    return value


def json_report(about: dict[str, Any], tables: list[Table]) -> str:
    document = {
        **about,
        "tables": {
            table.key: [
                {column.key: _json_value(value, column.kind) for column, value in zip(table.columns, row, strict=True)}
                for row in table.rows
            ]
            for table in tables
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
