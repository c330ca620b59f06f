"""The DSPs' daily pictures: the reporting year's headline figures, two charts, and the process catalogue, as
Prefect artifacts. Counts and definitions only: no child's data is read into them."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.flow_runs import open_runtime
from workflows import clock
from workflows.calendar.london import to_london
from workflows.catalogue.pages import catalogue_pages
from workflows.dashboard.chart_artifacts import publish_chart
from workflows.dashboard.publish import publish_markdown_if_changed
from workflows.operations.report_period import ReportingPeriod, months_ending, reporting_year_containing
from workflows.operations.timeliness import timeliness_report
from workflows.reporting.charts import on_time_rate_by_month_chart, overdue_by_agency_chart
from workflows.reporting.headlines import headline_rows, on_time_by_month, overdue_by_agency
from workflows.text.markdown import escape

HEADLINES_KEY = "timeliness-headlines"
ON_TIME_CHART_KEY = "on-time-by-month"
OVERDUE_CHART_KEY = "overdue-by-agency"
MONTHS_CHARTED = 12


@flow(name="partnership-report", flow_run_name="partnership-report")
def partnership_report() -> dict[str, int]:
    runtime = open_runtime()
    now = clock.now()
    today = to_london(now).date()
    year = reporting_year_containing(today, runtime.config.partnership.reporting.year_starts_month)
    figures = timeliness_report(runtime, year, now=now)
    create_table_artifact(
        key=HEADLINES_KEY,
        table=headline_rows(figures),
        description=escape(f"Timeliness, reporting year {year.label()} (workflows report gives every table)"),
    )
    months = months_ending(today, MONTHS_CHARTED)
    twelve_months = timeliness_report(runtime, ReportingPeriod(months[0], today), now=now)
    publish_chart(
        ON_TIME_CHART_KEY,
        on_time_rate_by_month_chart(on_time_by_month(twelve_months, months)),
        "Stages completed within their timescale, by month of completion, per process",
    )
    publish_chart(
        OVERDUE_CHART_KEY,
        overdue_by_agency_chart(overdue_by_agency(figures)),
        f"Items overdue now, by agency ({to_london(now):%Y-%m-%d %H:%M})",
    )
    pages = catalogue_pages(runtime.config, runtime.library)
    changed = sum(
        publish_markdown_if_changed(
            f"process-{page.process_id}", page.prefect_markdown, escape(f"What {page.title} promises")
        )
        for page in pages
    )
    get_run_logger().info("published the headlines, 2 charts and %d of %d catalogue pages", changed, len(pages))
    runtime.db.dispose()
    return {"processes": len(figures.processes), "catalogue_pages_changed": changed}
