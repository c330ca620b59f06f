"""`deliver`: send what the outbox holds over one reused SMTP connection per batch.

Each recipient's outcome is committed as soon as the server accepts or refuses it, so a crash resends at
most the one message in flight, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import aiosmtplib
from jinja2 import TemplateError

from workflows import clock
from workflows.engine.vocabulary import OutboxStatus
from workflows.notify import outcomes
from workflows.notify.compose import Queued, build_email, context_for
from workflows.notify.links import link_for
from workflows.notify.quiet_hours import calendars_open
from workflows.notify.recipients import resolve
from workflows.notify.settings import SmtpSettings
from workflows.notify.templates import Templates
from workflows.operations.runtime import Runtime
from workflows.store import outbox

log = logging.getLogger(__name__)

CLAIM_LENGTH = timedelta(minutes=5)
_CONNECTION_ERRORS = (
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPTimeoutError,
    aiosmtplib.SMTPConnectTimeoutError,
    OSError,
    asyncio.TimeoutError,
)


class ConnectionLost(Exception):
    """The SMTP server went away mid-batch: the rest waits for the next run."""


def _queued(runtime: Runtime, row: Any) -> Queued:
    process = None
    if row.definition_hash:
        with runtime.db.connect() as connection:
            process = runtime.pinned(connection, row.definition_hash).process
    return Queued(
        id=row.id,
        key=row.key,
        kind=row.kind,
        reference=row.reference,
        process=process,
        stage=row.stage,
        task=row.task,
        role=row.role,
        agency=row.agency,
        copy_role=row.copy_role,
        due_at=row.due_at,
        details=row.details or {},
    )


async def _send_one(runtime: Runtime, client: aiosmtplib.SMTP, templates: Templates, row: Any, now: datetime) -> str:
    """Send one outbox message to each recipient not yet served; return its outcome."""
    config = runtime.config
    queued = _queued(runtime, row)
    recipients = resolve(
        config.directory,
        config.partnership,
        role=row.role,
        agency=row.agency,
        assignee=row.assignee,
        copy_role=row.copy_role,
    )
    progress: dict[str, str] = dict(row.recipients or {})
    for address in recipients.all():
        if progress.get(address) == OutboxStatus.SENT:
            continue  # served before a crash or a lost connection
        copied = address not in recipients.to
        try:
            context = context_for(queued, config, address, copied, link_for(config, queued, address))
            message = build_email(
                queued,
                templates.render(queued.kind, context),
                sender=config.partnership.sender,
                recipient=address,
                stamp=now,
            )
        except TemplateError as error:
            with runtime.db.begin() as connection:
                outbox.record_failed(connection, row.id, f"template {queued.kind}: {error}")
            return OutboxStatus.FAILED
        try:
            await client.send_message(message, sender=config.partnership.sender, recipients=[address])
            progress[address] = OutboxStatus.SENT
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusal = error.recipients[0]
            if refusal.code >= 500:
                progress[address] = f"refused ({refusal.code} {refusal.message})"
            else:
                return _defer(runtime, row, now, f"{address}: {refusal.code} {refusal.message}")
        except aiosmtplib.SMTPResponseException as error:
            if error.code >= 500:
                progress[address] = f"refused ({error.code} {error.message})"
            else:
                return _defer(runtime, row, now, f"{error.code} {error.message}")
        except _CONNECTION_ERRORS as error:
            _defer(runtime, row, now, f"connection lost: {error}")
            raise ConnectionLost(str(error)) from None
        with runtime.db.begin() as connection:
            outbox.save_progress(connection, row.id, progress)
    with runtime.db.begin() as connection:
        return outcomes.finish(connection, row.id, now, progress, recipients.note)


def _defer(runtime: Runtime, row: Any, now: datetime, reason: str) -> str:
    with runtime.db.begin() as connection:
        return outcomes.defer(connection, row.id, row.attempts, now, reason)


async def _connect(settings: SmtpSettings) -> aiosmtplib.SMTP:
    client = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.tls,
        start_tls=settings.starttls,
        timeout=settings.timeout,
        validate_certs=True,
    )
    await client.connect()
    if settings.user:
        await client.login(settings.user, settings.password or "")
    return client


async def deliver_async(
    runtime: Runtime,
    settings: SmtpSettings,
    *,
    now: datetime | None = None,
    batch_size: int = 200,
    max_batches: int = 50,
) -> Counter[str]:
    """Send pending messages in batches over one connection each; count outcomes."""
    now = now or clock.now()
    report: Counter[str] = Counter()
    open_calendars = calendars_open(runtime.config, now)
    hours = outbox.SendingHours(frozenset(open_calendars), runtime.config.default_calendar)
    templates = Templates()
    for _ in range(max_batches):
        with runtime.db.begin() as connection:
            rows = outbox.claim_batch(connection, now, batch_size, now + CLAIM_LENGTH, hours)
        if not rows:
            break
        try:
            client = await _connect(settings)
        except (aiosmtplib.SMTPException, *_CONNECTION_ERRORS) as error:
            for row in rows:
                report[_defer(runtime, row, now, f"cannot reach {settings.host}:{settings.port}: {error}")] += 1
            break
        done: set[int] = set()
        try:
            for row in rows:
                report[await _send_one(runtime, client, templates, row, now)] += 1
                done.add(row.id)
        except ConnectionLost:
            report[outcomes.DEFERRED] += 1
            with runtime.db.begin() as connection:
                outbox.release(connection, [row.id for row in rows if row.id not in done])
            break
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()
    if open_calendars != runtime.config.calendar_names():
        with runtime.db.connect() as connection:
            report["waiting for working hours"] = outbox.waiting_for_hours(connection, now, hours)
    return +report


def deliver(runtime: Runtime, settings: SmtpSettings | None = None, **kwargs: Any) -> Counter[str]:
    return asyncio.run(deliver_async(runtime, settings or SmtpSettings.from_environment(), **kwargs))
