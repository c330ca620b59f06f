"""`workflows report`: the partnership's timeliness figures for a period, in a format for reading or for a report."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from workflows.cli.dates import typed_day
from workflows.cli.errors import ExitCode, UserError

_FORMATS = ("table", "csv", "json", "xlsx")


@click.command()
@click.option("--from", "first", metavar="DATE", help="First day (YYYY-MM-DD). Default: the reporting year's.")
@click.option("--to", "last", metavar="DATE", help="Last day, included. Default: the end of --from's reporting year.")
@click.option("--process", "process_id", metavar="P", help="Only this process.")
@click.option("--format", "output_format", type=click.Choice(_FORMATS), default="table", show_default=True)
@click.option(
    "--output",
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Write to FILE (whole, or not at all); '-' is standard output.",
)
@click.option("--public", is_flag=True, help="For publication: small counts suppressed, rates on them withheld.")
def report(
    first: str | None, last: str | None, process_id: str | None, output_format: str, output: Path | None, public: bool
) -> None:
    """Timeliness per process and stage, per agency, and per audit round, for a period (README: Reporting)."""
    from workflows import clock
    from workflows.calendar.london import to_london
    from workflows.cli.case_commands import runtime
    from workflows.operations.report_period import period_from_options
    from workflows.operations.timeliness import timeliness_report
    from workflows.reporting.disclosure import Disclosure
    from workflows.reporting.documents import ReportFormat, render_report

    chosen = ReportFormat(output_format)
    to_stdout = output is None or str(output) == "-"
    if chosen is ReportFormat.XLSX and to_stdout and sys.stdout.isatty():
        raise UserError("--format xlsx writes a workbook: name it with --output FILE", ExitCode.INVALID_INPUT)
    first_day, last_day = typed_day(first, "--from"), typed_day(last, "--to")
    with runtime() as rt:
        settings = rt.config.partnership.reporting
        now: datetime = clock.now()
        period = period_from_options(first_day, last_day, to_london(now).date(), settings.year_starts_month)
        figures = timeliness_report(rt, period, process_id, now)
    disclosure = Disclosure(settings.suppress_below if public else None)
    try:
        written = render_report(figures, chosen, disclosure)
    except OSError as error:  # a workbook is built in temporary files: a full disk stops it there
        reason = error.strerror or type(error).__name__
        message = f"--output: the report could not be made: {reason}; nothing was changed"
        raise UserError(message, ExitCode.INVALID_INPUT) from None
    if to_stdout:
        if isinstance(written, bytes):
            sys.stdout.buffer.write(written)
        else:
            click.echo(written, nl=False)
        return
    from workflows.cli.output_files import OutputRefused, write_file

    assert output is not None
    try:
        write_file(output, written if isinstance(written, bytes) else written.encode("utf-8"))
    except OutputRefused as error:
        raise UserError(f"--output {error}", ExitCode.INVALID_INPUT) from None
    click.echo(f"wrote {output} ({chosen.value}, {period.label()})", err=True)
