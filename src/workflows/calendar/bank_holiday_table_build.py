"""Writes bank_holiday_table.py from the installed `holidays` package:
`.venv/bin/python -m workflows.calendar.bank_holiday_table_build` (after the package's version changes).

With `--check` (run by `make lock`) it writes nothing and warns of each bank holiday the package knows that the
table lacks (a one-off holiday a new release added), and of each the table has that the package no longer knows.
"""

from __future__ import annotations

import json
from pathlib import Path

from workflows.calendar.bounds import FIRST_YEAR, LAST_YEAR

TABLE = Path(__file__).with_name("bank_holiday_table.py")
PER_LINE = 11

HEADER = '''"""England & Wales bank holidays, {first} to {last}, as the locked `holidays` package gives them (written by
bank_holiday_table_build.py; do not edit).

Read from this table, counting working days needs no import of the package, whose country_holidays imports all
of its country modules (most of a cold `workflows due`). Years outside it come from the package.
tests/calendar/test_bank_holiday_table.py checks every year against the package. Each entry is a date (YYYYMMDD)
and the index of its name in NAMES, in hexadecimal.
"""

from __future__ import annotations

FIRST_YEAR = {first}
LAST_YEAR = {last}
NAMES = (
{names}
)
ENTRIES = """
{entries}
"""
'''


def table_text() -> str:
    import holidays

    names: list[str] = []
    entries: list[str] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for day, name in sorted(holidays.country_holidays("GB", subdiv="ENG", years=year).items()):
            if name not in names:
                names.append(name)
            entries.append(f"{day:%Y%m%d}{names.index(name):x}")
    lines = [" ".join(entries[start : start + PER_LINE]) for start in range(0, len(entries), PER_LINE)]
    return HEADER.format(
        first=FIRST_YEAR,
        last=LAST_YEAR,
        names="\n".join(f"    {json.dumps(name)}," for name in names),
        entries="\n".join(lines),
    )


def table_differences() -> list[str]:
    """What the installed package and the table disagree on, a line each."""
    import holidays

    from workflows.calendar.working_days import usual_bank_holidays

    said = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        package = dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())
        table = usual_bank_holidays(year)
        said += [
            f"the package knows {day} ({name}); the table lacks it" for day, name in package.items() if day not in table
        ]
        said += [
            f"the table has {day} ({name}); the package does not" for day, name in table.items() if day not in package
        ]
    return sorted(said)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--check"]:
        for line in table_differences():
            print(
                f"warning: bank holidays: {line}: run python -m workflows.calendar.bank_holiday_table_build",
                file=sys.stderr,
            )
    else:
        TABLE.write_text(table_text())
