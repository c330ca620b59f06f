"""`deliver`: send what the outbox holds over one reused SMTP connection per batch.

Each recipient's outcome is committed as soon as the server accepts or refuses it, so a crash resends at
most the one message in flight, with the same Message-ID. A run keeps one database connection, and a batch looks
up the definitions its messages were queued under once, in the transaction that claims it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.errors import MessageError
from typing import Any

import aiosmtplib
from jinja2 import TemplateError
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from workflows import clock
from workflows.definitions.model import Process
from workflows.engine.vocabulary import OutboxStatus
from workflows.notify import envelope, outcomes
from workflows.notify.compose import Queued, Unsendable, build_email, context_for, recipient_problem
from workflows.notify.links import link_for
from workflows.notify.quiet_hours import calendars_open
from workflows.notify.recipients import Recipients, resolve
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
    """One row on its own, its definition looked up (for tests and the benchmark; delivery looks up per batch)."""
    process = None
    if row.definition_hash:
        with runtime.db.connect() as connection:
            process = runtime.pinned(connection, row.definition_hash).process
    return queued_from(row, process)


def queued_from(row: Any, process: Process | None) -> Queued:
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


@dataclass(frozen=True, slots=True)
class Batch:
    """What sending one claimed batch needs: the run's database connection, the batch's definitions by hash (or why
    one could not be read), the templates and the moment of the run; and who each kind of row goes to, as found."""

    runtime: Runtime
    connection: Connection
    templates: Templates
    definitions: dict[str, Process | Exception]
    now: datetime
    recipients_of: dict[tuple[str | None, ...], Recipients] = field(default_factory=dict)

    def queued(self, row: Any) -> Queued:
        process = self.definitions.get(row.definition_hash) if row.definition_hash else None
        if isinstance(process, Exception):
            raise process
        return queued_from(row, process)

    def recipients(self, row: Any) -> Recipients:
        """Who the row goes to: worked out once per batch for each role, agency, assignee and copied role."""
        asked = (row.role, row.agency, row.assignee, row.copy_role)
        found = self.recipients_of.get(asked)
        if found is None:
            config = self.runtime.config
            found = self.recipients_of[asked] = resolve(
                config.directory,
                config.partnership,
                role=row.role,
                agency=row.agency,
                assignee=row.assignee,
                copy_role=row.copy_role,
            )
        return found


def _definitions(runtime: Runtime, connection: Connection, rows: list[Any]) -> dict[str, Process | Exception]:
    """Each definition the rows were queued under, read once. One that cannot be read fails only its messages."""
    found: dict[str, Process | Exception] = {}
    for digest in sorted({row.definition_hash for row in rows if row.definition_hash}):
        try:
            found[digest] = runtime.pinned(connection, digest).process
        except SQLAlchemyError:
            raise
        except Exception as error:
            found[digest] = error
    return found


def _unbuildable(error: Exception, kind: str) -> str:
    """Why a message could not be built, in one line that repeats none of its values (they may be anything)."""
    if isinstance(error, Unsendable):
        return f"cannot be built: {error}"
    if isinstance(error, TemplateError):
        return f"template {kind}: {' '.join(str(error).split())[:300]}"
    return f"cannot be built ({type(error).__name__})"


def _fail(batch: Batch, row: Any, reason: str) -> str:
    with batch.connection.begin():
        outbox.record_failed(batch.connection, row.id, reason)
    return OutboxStatus.FAILED


async def _send_one(batch: Batch, client: aiosmtplib.SMTP, row: Any) -> str:
    """Send one outbox message to each recipient not yet served; return its outcome.

    A message that cannot be built (a row an older version queued with a line end in its reference, say) is
    failed with the reason, and the batch goes on: one bad row never holds up the others.
    """
    config = batch.runtime.config
    now = batch.now
    try:
        queued = batch.queued(row)
        recipients = batch.recipients(row)
    except SQLAlchemyError:
        raise
    except Exception as error:
        return _fail(batch, row, _unbuildable(error, row.kind))
    # An address that is not one bare address is never tried (nor stored as a recipient: it may be anything).
    addresses = [address for address in recipients.all() if not recipient_problem(address)]
    skipped = len(recipients.all()) - len(addresses)
    if not addresses:
        return _fail(batch, row, f"cannot be built: no valid recipient address ({skipped} not valid)")
    note = "; ".join(
        filter(None, [recipients.note, f"{skipped} recipient address(es) not valid: not sent" if skipped else None])
    )
    progress: dict[str, str] = dict(row.recipients or {})
    # Those served before a crash or a lost connection are not sent it again.
    unserved = [address for address in addresses if progress.get(address) != OutboxStatus.SENT]
    for number, address in enumerate(unserved, start=1):
        copied = address not in recipients.to
        try:
            context = context_for(queued, config, address, copied, link_for(config, queued, address))
            wire = build_email(
                queued,
                batch.templates.render(queued.kind, context),
                sender=config.partnership.sender,
                recipient=address,
                stamp=now,
            ).as_bytes()  # a header that cannot be written fails here, not mid-send
        except SQLAlchemyError:
            raise
        except Exception as error:
            return _fail(batch, row, _unbuildable(error, queued.kind))
        try:
            await envelope.send(client, config.partnership.sender, address, wire)
            progress[address] = OutboxStatus.SENT
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusal = error.recipients[0]
            if refusal.code >= 500:
                progress[address] = f"refused ({refusal.code} {refusal.message})"
            else:
                return _defer(batch, row, f"{address}: {refusal.code} {refusal.message}")
        except aiosmtplib.SMTPResponseException as error:
            if error.code >= 500:
                progress[address] = f"refused ({error.code} {error.message})"
            else:
                return _defer(batch, row, f"{error.code} {error.message}")
        except _CONNECTION_ERRORS as error:
            _defer(batch, row, f"connection lost: {error}")
            raise ConnectionLost(str(error)) from None
        except (aiosmtplib.SMTPNotSupported, ValueError, MessageError) as error:
            # Refused before anything reached the server (the envelope's addresses are checked first).
            progress[address] = f"not sent ({type(error).__name__})"
        if number < len(unserved):  # the last one's outcome is committed with the message's, just below
            with batch.connection.begin():
                outbox.save_progress(batch.connection, row.id, progress)
    with batch.connection.begin():
        return outcomes.finish(batch.connection, row.id, now, progress, note or None)


def _defer(batch: Batch, row: Any, reason: str) -> str:
    with batch.connection.begin():
        return outcomes.defer(batch.connection, row.id, row.attempts, batch.now, reason)


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
    with runtime.db.connect() as connection:
        for _ in range(max_batches):
            with connection.begin():
                rows = outbox.claim_batch(connection, now, batch_size, now + CLAIM_LENGTH, hours)
                definitions = _definitions(runtime, connection, rows)
            if not rows:
                break
            batch = Batch(runtime, connection, templates, definitions, now)
            try:
                client = await _connect(settings)
            except (aiosmtplib.SMTPException, *_CONNECTION_ERRORS) as error:
                for row in rows:
                    report[_defer(batch, row, f"cannot reach {settings.host}:{settings.port}: {error}")] += 1
                break
            done: set[int] = set()
            try:
                for row in rows:
                    report[await _send_one(batch, client, row)] += 1
                    done.add(row.id)
            except ConnectionLost:
                report[outcomes.DEFERRED] += 1
                with connection.begin():
                    outbox.release(connection, [row.id for row in rows if row.id not in done])
                break
            finally:
                if client.is_connected:
                    try:
                        await client.quit()
                    except aiosmtplib.SMTPException:
                        client.close()
        if open_calendars != runtime.config.calendar_names():
            with connection.begin():
                report["waiting for working hours"] = outbox.waiting_for_hours(connection, now, hours)
    return +report


def deliver(runtime: Runtime, settings: SmtpSettings | None = None, **kwargs: Any) -> Counter[str]:
    return asyncio.run(deliver_async(runtime, settings or SmtpSettings.from_environment(), **kwargs))
