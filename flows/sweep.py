"""The sweeper: fire due timers, deliver the outbox, refresh what DSPs see. Every minute, on an interval."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.runtime import open_runtime
from workflows.dashboard.publish import emit, publish_case, publish_overdue, publish_rounds
from workflows.notify.delivery import deliver
from workflows.notify.settings import SmtpSettings
from workflows.operations.happenings import Happening
from workflows.operations.sweeper import LeaseHeld, tick


@flow(name="sweep", flow_run_name="sweep")
def sweep() -> dict[str, dict[str, int]]:
    logger = get_run_logger()
    runtime = open_runtime()
    happenings: list[Happening] = []
    try:
        fired = tick(runtime, happenings=happenings)
    except LeaseHeld:
        logger.info("another sweeper holds the SQLite lease; this run stands down")
        return {"fired": {}, "delivered": {}}
    delivered = deliver(runtime, SmtpSettings.from_environment())
    publish_overdue(runtime)
    for reference in sorted({happening.reference for happening in happenings}):
        publish_case(runtime, reference)
    publish_rounds(runtime)
    for happening in happenings:
        emit(happening)
    logger.info("fired %s; delivered %s", dict(fired), dict(delivered))  # counts only: no case data
    runtime.db.dispose()
    return {"fired": dict(fired), "delivered": dict(delivered)}
