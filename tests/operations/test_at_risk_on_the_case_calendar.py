"""At risk is counted on the case's own calendar (issue class: the window was counted on England and Wales,
ignoring the partnership's closure days)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar.london import LONDON, london_wall_time
from workflows.operations import cases, reports
from workflows.operations.runtime import Runtime

CALENDAR_YAML = """
default_calendar: stoke
day_ends_at: "17:00"
at_risk_within: 2 working days
calendars:
  stoke:
    closures:
      2027-01-12: Staff development day
      2027-01-13: Office move
"""


@pytest.fixture
def runtime(tmp_path, config_dir, demo_text, db_url):
    (config_dir / "calendar.yaml").write_text(CALENDAR_YAML.lstrip())
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "demo.yaml").write_text(demo_text.replace("calendar: partnership\n", ""))  # the default: stoke
    opened = Runtime.open(config_dir, processes, db_url, create=True)
    yield opened
    opened.db.dispose()


def test_an_item_with_one_working_day_left_on_its_calendar_is_at_risk(runtime, set_clock):
    """Monday 11 January 2027; Tuesday and Wednesday are stoke closure days. `request` (1 working day from
    notification on Wednesday 13) is due Thursday 14 at 17:00: one working day away on stoke, so at risk,
    though England and Wales would count Tuesday and Wednesday and leave Thursday outside the window."""
    set_clock("2027-01-11T10:00")
    reference, _ = cases.start(runtime, "demo", {"notified_on": date(2027, 1, 13)})
    listed = [item for item in reports.overdue(runtime) if item.reference == reference]
    assert [(item.stage, item.at_risk, item.due_at) for item in listed] == [
        ("request", True, datetime(2027, 1, 14, 17, 0, tzinfo=LONDON))
    ]


def nth_working_day_after(calendar, day: date, n: int) -> date:
    """Oracle: step day by day."""
    seen = 0
    while seen < n:
        day += timedelta(days=1)
        seen += calendar.is_working_day(day)
    return day


moments = st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2027, 12, 20))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=moments, closed=st.sets(st.integers(min_value=0, max_value=20), max_size=8))
def test_the_window_ends_the_configured_working_days_later_on_each_calendar(tmp_path, config_dir, moment, closed):
    """Property: on any calendar (random closures), the at-risk window ends at the cut-off of the 2nd working
    day after today, counted on that calendar."""
    from workflows.config.loader import load_config

    now = moment.replace(tzinfo=LONDON)
    closures = "".join(f"      {(now.date() + timedelta(days=d)).isoformat()}: closed\n" for d in sorted(closed))
    text = CALENDAR_YAML.split("    closures:")[0] + ("    closures:\n" + closures if closures else "    {}\n")
    (config_dir / "calendar.yaml").write_text(text.replace("  stoke:\n    {}", "  stoke: {}").lstrip())
    runtime = Runtime(load_config(config_dir), None, None)  # type: ignore[arg-type]  # the horizon needs config only
    for name in ("stoke", "england-and-wales"):
        calendar = runtime.config.calendar(name)
        expected = london_wall_time(nth_working_day_after(calendar, now.date(), 2), time(17, 0))
        assert reports.at_risk_horizon(runtime, name, now) == expected
