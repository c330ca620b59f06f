"""The DSPs' PNG charts: they decode at the size the Prefect UI is laid out for, the same input gives the same bytes,
gaps stay gaps, and many processes or no overdue items still give a chart."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from PIL import Image

from workflows.reporting import charts
from workflows.reporting.charts import on_time_rate_by_month_chart, overdue_by_agency_chart

TWELVE_MONTHS = [date(2025 + (month // 12), month % 12 + 1, 1) for month in range(3, 15)]  # Apr 2025 .. Mar 2026
AGENCIES = [
    ("Staffordshire Police", 12),
    ("University Hospitals of North Midlands NHS Trust", 7),
    ("Stoke-on-Trent City Council", 3),
]
MAX_BYTES = 200_000  # embedded in an artifact as base64, fetched with the page


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every row: a truncated or corrupt PNG fails here
    assert image.format == "PNG"
    return image


def noisy_series(processes: int, seed: int = 7) -> dict[str, list[tuple[date, float | None]]]:
    """Rates jumping about, some months withheld: the hardest case for the PNG's size."""
    chance = random.Random(seed)
    return {
        f"Process {number} with a longish title for the legend": [
            (month, None if chance.random() < 0.15 else round(chance.random(), 2)) for month in TWELVE_MONTHS
        ]
        for number in range(1, processes + 1)
    }


def test_the_on_time_chart_decodes_at_its_laid_out_size():
    png = on_time_rate_by_month_chart({"Rapid review": [(month, 0.8) for month in TWELVE_MONTHS]})
    assert decoded(png).size == (charts.WIDTH_PX, charts.ON_TIME_FRAME_PX + charts.LEGEND_LINE_PX)
    assert len(png) < MAX_BYTES


def test_the_agency_chart_decodes_with_a_bar_slot_per_agency():
    png = overdue_by_agency_chart(AGENCIES)
    expected_height = charts.AGENCY_CHART_FRAME_PX + charts.BAR_HEIGHT_PX * len(AGENCIES)
    assert decoded(png).size == (charts.WIDTH_PX, expected_height)
    assert len(png) < MAX_BYTES


def test_the_same_input_gives_the_same_bytes():
    series = noisy_series(4)
    assert on_time_rate_by_month_chart(series) == on_time_rate_by_month_chart(series)
    assert overdue_by_agency_chart(AGENCIES) == overdue_by_agency_chart(list(AGENCIES))
    assert b"Software" not in on_time_rate_by_month_chart(series)  # no version stamp to change with an upgrade


def test_agencies_are_sorted_most_overdue_first_whatever_order_they_come_in():
    assert overdue_by_agency_chart(list(reversed(AGENCIES))) == overdue_by_agency_chart(AGENCIES)


def test_nothing_overdue_gives_a_chart_saying_so():
    empty = overdue_by_agency_chart([])
    assert decoded(empty).size == (charts.WIDTH_PX, charts.NOTHING_OVERDUE_HEIGHT_PX)
    assert overdue_by_agency_chart([("Cafcass", 0), ("Staffordshire Police", 0)]) == empty
    assert overdue_by_agency_chart([("Cafcass", 1)]) != empty


def test_a_month_without_a_rate_is_a_gap_not_a_zero():
    with_gaps = {
        "Rapid review": [(month, None if index in (0, 5, 11) else 0.75) for index, month in enumerate(TWELVE_MONTHS)],
        "Withheld all year": [(month, None) for month in TWELVE_MONTHS],
    }
    png = on_time_rate_by_month_chart(with_gaps)
    decoded(png)
    as_zero = {process: [(month, rate or 0.0) for month, rate in points] for process, points in with_gaps.items()}
    assert on_time_rate_by_month_chart(as_zero) != png


def test_fifteen_processes_stay_within_size_and_width():
    png = on_time_rate_by_month_chart(noisy_series(15))
    width, height = decoded(png).size
    assert width == charts.WIDTH_PX
    assert charts.ON_TIME_FRAME_PX < height < 2 * charts.ON_TIME_FRAME_PX
    assert len(png) < MAX_BYTES


def test_no_processes_still_gives_a_chart():
    assert decoded(on_time_rate_by_month_chart({})).width == charts.WIDTH_PX


def test_month_labels_read_like_apr_2026():
    assert charts.month_label(date(2026, 4, 1)) == "Apr 2026"
    assert charts.month_tick(date(2026, 4, 1)) == "Apr\n2026"  # on the axis: month over year


def test_a_very_long_agency_name_gets_a_taller_bar_slot():
    name = "Midlands Partnership University NHS Foundation Trust, Children and Young People's Services"
    height = decoded(overdue_by_agency_chart([(name, 2)])).height
    assert height > charts.AGENCY_CHART_FRAME_PX + charts.BAR_HEIGHT_PX


@pytest.mark.parametrize(
    ("points", "complaint"),
    [
        ([(date(2026, 4, 1), 1.2)], "not 0..1"),
        ([(date(2026, 4, 1), -0.1)], "not 0..1"),
        ([(date(2026, 4, 15), 0.5)], "first day"),
        ([(date(2026, 4, 1), 0.5), (date(2026, 4, 1), None)], "more than once"),
    ],
)
def test_rates_that_cannot_be_drawn_are_refused(points, complaint):
    with pytest.raises(ValueError, match=complaint):
        on_time_rate_by_month_chart({"Rapid review": points})


def test_a_negative_overdue_count_is_refused():
    with pytest.raises(ValueError, match="negative"):
        overdue_by_agency_chart([("Cafcass", -1)])
