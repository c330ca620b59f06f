"""The sweeper: fire due timers, deliver the outbox, refresh what DSPs see. On an interval (every minute)."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.flow_runs import open_runtime
from workflows.dashboard.events import happenings_of
from workflows.dashboard.publish import emit, publish_changed_cases, publish_overdue_views, publish_rounds
from workflows.notify.delivery import deliver
from workflows.notify.settings import SmtpSettings
from workflows.operations.sweeper import CommittedStep, LeaseHeld, tick


@flow(name="sweep", flow_run_name="sweep")
def sweep() -> dict[str, dict[str, int]]:
    logger = get_run_logger()
    runtime = open_runtime()
    committed: list[CommittedStep] = []
    try:
        fired = tick(runtime, committed=committed)
    except LeaseHeld:
        logger.info("another sweeper holds the SQLite lease; this run stands down")
        return {"fired": {}, "delivered": {}, "published": {}}
    delivered = deliver(runtime, SmtpSettings.from_environment())
    # After delivery, so that the timelines show what was just sent as sent.
    published = {
        "items": publish_overdue_views(runtime),
        "cases": publish_changed_cases(runtime),
        "rounds": publish_rounds(runtime),
    }
    for happening in happenings_of(committed):
        emit(happening, runtime)
    logger.info("fired %s; delivered %s; published %s", dict(fired), dict(delivered), published)  # counts only
    runtime.db.dispose()
    return {"fired": dict(fired), "delivered": dict(delivered), "published": published}
