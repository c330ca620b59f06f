"""How a report's cell reads as text (the table and csv formats): 88.9%, 4.5, a blank for no value."""

from __future__ import annotations

from workflows.reporting.report_tables import Kind, Value


def cell_text(value: Value, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind is Kind.PERCENT:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else f"{value:.1f}"
    return str(value)
