"""Bank holidays declared or moved after the package was locked (config/calendar.yaml `bank_holidays`): every
calendar counts them out, and a change that cannot be one is refused at its place in the file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar import Counting, compute_deadline, parse_duration
from workflows.calendar.working_days import WorkingDayCalendar, usual_bank_holidays
from workflows.config.loader import load_config
from workflows.yamlsource import YamlSourceError

WORKFLOWS = str(Path(sys.executable).parent / "workflows")


def with_bank_holidays(config_dir: Path, section: str) -> Path:
    """The minimal config's calendar.yaml (tests/conftest.py) with `section` in place of any written before."""
    path = config_dir / "calendar.yaml"
    path.write_text(minimal_calendar(config_dir) + "\n" + section)
    return config_dir


def minimal_calendar(config_dir: Path) -> str:
    return (config_dir / "calendar.yaml").read_text().split("\nbank_holidays:")[0].rstrip("\n")


def lines_before_the_section(config_dir: Path) -> int:
    return minimal_calendar(config_dir).count("\n") + 1


def usual_weekday(day: date) -> bool:
    return day.weekday() < 5 and day not in usual_bank_holidays(day.year)


weekdays = st.dates(date(2027, 1, 1), date(2035, 12, 31)).filter(usual_weekday)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(added=weekdays, anchor_back=st.integers(1, 10))
def test_an_added_bank_holiday_is_counted_out_by_every_calendar(config_dir, added, anchor_back):
    config = load_config(with_bank_holidays(config_dir, f"bank_holidays:\n  added:\n    {added}: Coronation\n"))
    anchor = added - timedelta(days=anchor_back)
    amount = parse_duration(f"{anchor_back + 3} working days")
    for name in config.calendar_names():
        calendar = config.calendar(name)
        assert calendar.non_working_reason(added) == "bank holiday: Coronation"
        without = WorkingDayCalendar(name, calendar.closures)  # the same calendar, before the declaration
        counted = compute_deadline(amount, anchor, calendar, Counting.NEXT_WORKING_DAY).day
        before = compute_deadline(amount, anchor, without, Counting.NEXT_WORKING_DAY).day
        spans = anchor < added <= before
        assert counted == (calendar.next_working_day(before) if spans else before)


def test_a_moved_bank_holiday_leaves_its_usual_day_a_working_day(config_dir):
    # Early May bank holiday 2027 is Monday 3 May; moved to Friday 7 May (as 2020's was, for VE Day).
    config = load_config(with_bank_holidays(config_dir, "bank_holidays:\n  moved:\n    2027-05-03: 2027-05-07\n"))
    calendar = config.calendar("partnership")
    assert calendar.is_working_day(date(2027, 5, 3))
    assert calendar.non_working_reason(date(2027, 5, 7)) == "bank holiday: May Day (moved from 3 May 2027)"


REFUSED = {
    "added:\n    2027-06-12: Saturday": "2027-06-12 is a Saturday: a bank holiday is a weekday",
    "added:\n    2027-05-03: Again": "2027-05-03 is already a bank holiday (May Day)",
    "added:\n    2250-06-14: Far": "2250-06-14 is outside the years 1990 to 2200",
    "moved:\n    2027-05-04: 2027-05-07": "2027-05-04 is not a bank holiday: there is nothing to move",
    "moved:\n    2027-05-03: 2027-05-08": "cannot move to 2027-05-08: 2027-05-08 is a Saturday",
    "moved:\n    2027-05-03: 2027-05-31": "cannot move to 2027-05-31: 2027-05-31 is already a bank holiday",
}


@pytest.mark.parametrize(("section", "said"), REFUSED.items())
def test_a_change_that_cannot_be_one_is_refused_at_its_key(config_dir, section, said):
    lines_before = lines_before_the_section(config_dir)
    with_bank_holidays(config_dir, f"bank_holidays:\n  {section}\n")
    with pytest.raises(YamlSourceError) as raised:
        load_config(config_dir)
    [problem] = raised.value.problems
    assert problem.file.endswith("calendar.yaml") and said in problem.message
    assert (problem.line, problem.column) == (lines_before + 3, 5)  # the date's own key


@pytest.mark.slow
def test_due_counts_them_out_on_the_command_line_whichever_calendar(config_dir):
    with_bank_holidays(config_dir, "bank_holidays:\n  added:\n    2027-06-14: One-off bank holiday\n")
    env = {**os.environ, "WORKFLOWS_CONFIG": str(config_dir)}
    for calendar in ("england-and-wales", "partnership"):
        result = subprocess.run(
            [WORKFLOWS, "due", "1 working day", "--from", "2027-06-11", "--calendar", calendar, "--explain"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == "2027-06-15"
        assert "skipped 2027-06-14: bank holiday: One-off bank holiday" in result.stdout


def test_make_lock_warns_of_a_bank_holiday_the_package_knows_and_the_table_lacks(monkeypatch):
    from workflows.calendar import bank_holiday_table_build, working_days

    assert bank_holiday_table_build.table_differences() == []
    usual = working_days.usual_bank_holidays

    def table_without_the_coronation(year: int) -> dict[date, str]:
        return {day: name for day, name in usual(year).items() if day != date(2023, 5, 8)}

    monkeypatch.setattr(working_days, "usual_bank_holidays", table_without_the_coronation)
    [said] = bank_holiday_table_build.table_differences()
    assert said.startswith("the package knows 2023-05-08 (") and said.endswith("the table lacks it")
