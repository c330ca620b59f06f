"""Every deployment, as `workflows serve` serves them from one process."""

from __future__ import annotations

from datetime import timedelta

from prefect.deployments.runner import RunnerDeployment

from flows.cases import extend_deadline, pause_case, record_outcome, resume_case, start_case, trigger_event
from flows.sweep import sweep

SWEEP_INTERVAL = timedelta(minutes=1)  # an interval, not cron: legal dates are ours, and no DST edge


def deployments() -> list[RunnerDeployment]:
    return [
        sweep.to_deployment(
            "sweep",
            interval=SWEEP_INTERVAL,
            tags=["workflows"],
            description="Fire due timers, deliver messages, refresh the DSP views.",
        ),
        start_case.to_deployment("start-case", tags=["workflows"]),
        record_outcome.to_deployment("record-outcome", tags=["workflows"]),
        pause_case.to_deployment("pause-case", tags=["workflows"]),
        resume_case.to_deployment("resume-case", tags=["workflows"]),
        extend_deadline.to_deployment("extend-deadline", tags=["workflows"]),
        trigger_event.to_deployment("trigger-event", tags=["workflows"]),
    ]
