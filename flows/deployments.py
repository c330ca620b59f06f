"""Every deployment, as `workflows serve` serves them from one process (and `prefect.yaml` lists them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Interval

from flows.cases import (
    approve_extension,
    extend_deadline,
    pause_case,
    record_outcome,
    refuse_extension,
    resume_case,
)
from flows.generated import TAGS
from flows.locked_forms import lock
from flows.report import partnership_report
from flows.starts import START_FLOWS
from flows.sweep import sweep
from flows.triggers import TRIGGER_FLOWS

SWEEP_INTERVAL = timedelta(minutes=1)  # an interval, not cron: legal dates are ours, and no DST edge
# The DSPs' pictures once a day, at 06:00 London (the zone keeps it 06:00 across the clock changes).
DAILY_REPORT = Interval(timedelta(days=1), anchor_date=datetime(2026, 1, 1, 6, 0), timezone="Europe/London")


def deployments(sweep_every: timedelta = SWEEP_INTERVAL) -> list[RunnerDeployment]:
    """The sweep, a start form per process, the actions on a running case, a trigger form per event."""
    return [
        lock(
            sweep.to_deployment(
                "sweep",
                interval=sweep_every,
                tags=["workflows"],
                description="Fire due timers, deliver messages, refresh the DSP views.",
            )
        ),
        lock(
            partnership_report.to_deployment(
                "partnership-report",
                schedule=DAILY_REPORT,
                tags=["workflows"],
                description="The reporting year's headline figures, the DSPs' charts and the process catalogue.",
            )
        ),
        *(start.to_deployment() for start in START_FLOWS.values()),
        lock(record_outcome.to_deployment("record-outcome", tags=TAGS)),
        lock(pause_case.to_deployment("pause-case", tags=TAGS)),
        lock(resume_case.to_deployment("resume-case", tags=TAGS)),
        lock(extend_deadline.to_deployment("extend-deadline", tags=TAGS)),
        lock(approve_extension.to_deployment("approve-extension", tags=TAGS)),
        lock(refuse_extension.to_deployment("refuse-extension", tags=TAGS)),
        *(trigger.to_deployment() for trigger in TRIGGER_FLOWS.values()),
    ]
