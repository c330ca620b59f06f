"""`deliver`: send what the outbox holds over one reused SMTP connection per batch.

Each recipient's outcome is committed as soon as the server accepts or refuses it, so a crash resends at
most the one message in flight, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import MessageError
from email.policy import SMTP as SMTP_POLICY
from typing import Any

import aiosmtplib
from jinja2 import TemplateError
from sqlalchemy.exc import SQLAlchemyError

from workflows import clock
from workflows.directory.addresses import address_problem
from workflows.engine.parties import Audience
from workflows.engine.vocabulary import OutboxStatus
from workflows.notify import outcomes
from workflows.notify.compose import Queued, Unsendable, build_email, context_for
from workflows.notify.links import link_for
from workflows.notify.quiet_hours import calendars_open
from workflows.notify.recipients import resolve
from workflows.notify.settings import SmtpSettings
from workflows.notify.templates import Templates
from workflows.operations.process_names import gone, this_process
from workflows.operations.runtime import Runtime
from workflows.store import outbox
from workflows.text.plain import one_line

log = logging.getLogger(__name__)

CLAIM_LENGTH = timedelta(minutes=5)
# The message as it goes on the wire: SMTP's line endings, headers folded only past RFC 5322's 998-character limit.
# At 78 a long X-Workflows-Key or Message-ID is folded onto a continuation line, and mail filters read it back with
# a leading space.
WIRE_POLICY = SMTP_POLICY.clone(max_line_length=998)
_CONNECTION_ERRORS = (
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPTimeoutError,
    aiosmtplib.SMTPConnectTimeoutError,
    OSError,
    asyncio.TimeoutError,
)


# What a mail server answered, as it is kept (the outbox's error, a recipient's outcome): one line of text, no
# control character (no database keeps NUL), at most this long.
SAID_AT_MOST = 300


def said(answer: object) -> str:
    """A server's answer (or an error about the connection) as it is kept: whatever it held, one line of text."""
    text = one_line(answer)
    return text if len(text) <= SAID_AT_MOST else text[: SAID_AT_MOST - 1] + "…"


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


def _unbuildable(error: Exception, kind: str) -> str:
    """Why a message could not be built, in one line that repeats none of its values (they may be anything)."""
    if isinstance(error, Unsendable):
        return f"cannot be built: {error}"
    if isinstance(error, TemplateError):
        return f"template {kind}: {said(error)}"
    return f"cannot be built ({type(error).__name__})"


def _fail(runtime: Runtime, row: Any, reason: str) -> str:
    with runtime.db.begin() as connection:
        outbox.record_failed(connection, row.id, reason)
    return OutboxStatus.FAILED


@dataclass(frozen=True, slots=True)
class Attempt:
    """One run of delivery: its clock as cases see it (`now`: a rehearsal's, if set; stamps the messages and says
    whose working hours these are), the real time (`wall`: due times, claims and back-offs), who claims, and how
    long a failing message is tried."""

    now: datetime
    wall: datetime
    claimer: str
    retry_for: timedelta


async def _send_one(runtime: Runtime, client: aiosmtplib.SMTP, templates: Templates, row: Any, attempt: Attempt) -> str:
    """Send one outbox message to each recipient not yet served; return its outcome.

    A message that cannot be built (a row an older version queued with a line end in its reference, say) is
    failed with the reason, and the batch goes on: one bad row never holds up the others.
    """
    config = runtime.config
    try:
        queued = _queued(runtime, row)
        if row.audience is None:
            raise Unsendable("it names nobody to send it to (queued before audiences were stored)")
        recipients = resolve(config.directory, config.partnership, Audience.from_json(row.audience))
    except SQLAlchemyError:
        raise
    except Exception as error:
        return _fail(runtime, row, _unbuildable(error, row.kind))
    # An address that is not one bare address is never tried (nor stored as a recipient: it may be anything).
    addresses = [address for address in recipients.all() if not address_problem(address)]
    skipped = len(recipients.all()) - len(addresses)
    if not addresses:
        return _fail(runtime, row, f"cannot be built: no valid recipient address ({skipped} not valid)")
    note = "; ".join(
        filter(None, [recipients.note, f"{skipped} recipient address(es) not valid: not sent" if skipped else None])
    )
    progress: dict[str, str] = dict(row.recipients or {})
    for address in addresses:
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
                stamp=attempt.now,
            )
            wire = message.as_bytes(policy=WIRE_POLICY)  # a header that cannot be written fails here, not mid-send
        except SQLAlchemyError:
            raise
        except Exception as error:
            return _fail(runtime, row, _unbuildable(error, queued.kind))
        try:
            await client.sendmail(config.partnership.sender, [address], wire)
            progress[address] = OutboxStatus.SENT
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusal = error.recipients[0]
            if refusal.code >= 500:
                progress[address] = f"refused ({refusal.code} {said(refusal.message)})"
            else:
                return _defer(runtime, row, attempt, f"{address}: {refusal.code} {said(refusal.message)}")
        except aiosmtplib.SMTPResponseException as error:
            if error.code >= 500:
                progress[address] = f"refused ({error.code} {said(error.message)})"
            else:
                return _defer(runtime, row, attempt, f"{error.code} {said(error.message)}")
        except _CONNECTION_ERRORS as error:
            _defer(runtime, row, attempt, f"connection lost: {said(error)}")
            raise ConnectionLost(str(error)) from None
        except (aiosmtplib.SMTPNotSupported, ValueError, MessageError) as error:
            # Refused before anything reached the server (aiosmtplib checks addresses and encodings first).
            progress[address] = f"not sent ({type(error).__name__})"
        with runtime.db.begin() as connection:
            outbox.save_progress(connection, row.id, progress)
    with runtime.db.begin() as connection:
        return outcomes.finish(connection, row.id, attempt.now, progress, note or None)


def _defer(runtime: Runtime, row: Any, attempt: Attempt, reason: str) -> str:
    with runtime.db.begin() as connection:
        return outcomes.defer(connection, row, attempt.wall, reason, attempt.retry_for)


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
    wall: datetime | None = None,
    batch_size: int = 200,
    max_batches: int = 50,
) -> Counter[str]:
    """Send pending messages in batches over one connection each; count outcomes. `now` is the cases' clock
    (WORKFLOWS_NOW in a rehearsal), `wall` the real one (given by tests that let real time pass)."""
    attempt = Attempt(
        now=now or clock.now(),
        wall=wall or clock.wall_now(),
        claimer=this_process(),
        retry_for=timedelta(hours=settings.retry_hours),
    )
    report: Counter[str] = Counter()
    open_calendars = calendars_open(runtime.config, attempt.now)
    hours = outbox.SendingHours(frozenset(open_calendars), runtime.config.default_calendar)
    templates = Templates()
    for _ in range(max_batches):
        with runtime.db.begin() as connection:
            gone_claimers = [name for name in outbox.claimers(connection, attempt.wall) if gone(name)]
            claim = (attempt.claimer, attempt.wall + CLAIM_LENGTH)
            rows = outbox.claim_batch(connection, attempt.wall, batch_size, claim, hours, gone_claimers)
        if not rows:
            break
        try:
            client = await _connect(settings)
        except (aiosmtplib.SMTPException, *_CONNECTION_ERRORS) as error:
            unreachable = f"cannot reach {settings.host}:{settings.port}: {said(error)}"
            for row in rows:
                report[_defer(runtime, row, attempt, unreachable)] += 1
            break
        done: set[int] = set()
        try:
            for row in rows:
                report[await _send_one(runtime, client, templates, row, attempt)] += 1
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
            report["waiting for working hours"] = outbox.waiting_for_hours(connection, attempt.wall, hours)
    return +report


def deliver(runtime: Runtime, settings: SmtpSettings | None = None, **kwargs: Any) -> Counter[str]:
    return asyncio.run(deliver_async(runtime, settings or SmtpSettings.from_environment(), **kwargs))
