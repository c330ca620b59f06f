"""Delivery throughput to a local aiosmtpd: template rendering and building per kind; SMTP alone (messages built
beforehand) over one reused connection vs a new connection per message; and the whole `deliver` path (outbox rows,
rendering, building, SMTP, each recipient's outcome committed), in outbox messages per second, each message going to
2 recipients (2 emails).

The whole path is measured twice: with the mail server in this process (a thread, as the SMTP rows measure it: its
work shares this process's interpreter lock, so its cost is in the figure) and in a process of its own (as a real
relay is). SMTP alone over one connection with delivery's envelope bounds the first: the whole path cannot send
emails faster than that row, nor outbox messages faster than half of it.

Run: .venv/bin/python bench/delivery.py [--messages N]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import aiosmtplib
from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


class Sink:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += len(envelope.rcpt_tos)
        return "250 OK"


def serve(port: int, ready, stop) -> None:
    """A sink in a process of its own, until `stop` is set."""
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SENDER = "bench@example.org"
RECIPIENT = "lead@example.org"


async def reused(port: int, messages: list[bytes]) -> float:
    started = time.perf_counter()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    for message in messages:
        await client.sendmail(SENDER, [RECIPIENT], message)
    await client.quit()
    return time.perf_counter() - started


async def reused_envelope(port: int, messages: list[bytes]) -> float:
    """As `reused`, with delivery's own envelope (MAIL, RCPT, DATA without re-parsing checked addresses)."""
    from workflows.notify import envelope

    started = time.perf_counter()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    for message in messages:
        await envelope.send(client, SENDER, RECIPIENT, message)
    await client.quit()
    return time.perf_counter() - started


async def fresh_each(port: int, messages: list[bytes]) -> float:
    started = time.perf_counter()
    for message in messages:
        await aiosmtplib.send(
            message, sender=SENDER, recipients=[RECIPIENT], hostname="127.0.0.1", port=port, start_tls=False
        )
    return time.perf_counter() - started


def whole_path(runtime, settings) -> tuple[int, float]:
    """Deliver the whole outbox; how many messages were sent, in how many seconds."""
    from workflows.notify.delivery import deliver

    started = time.perf_counter()
    report = deliver(runtime, settings, batch_size=200)
    return report.get("sent", 0), time.perf_counter() - started


def reset(runtime) -> None:
    """Every message pending again, as never tried: the same outbox, delivered once more."""
    from sqlalchemy import update

    from workflows.store.schema import outbox

    with runtime.db.begin() as connection:
        connection.execute(
            update(outbox).values(
                status="pending", recipients=None, sent_at=None, attempts=0, claimed_until=None, error=None
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    count = parser.parse_args().messages
    folder = Path(tempfile.mkdtemp())
    os.environ["WORKFLOWS_NOW"] = "2026-12-18T10:00"
    from sqlalchemy import select

    from workflows.notify.compose import build_email, context_for
    from workflows.notify.delivery import _queued
    from workflows.notify.settings import SmtpSettings
    from workflows.notify.templates import KINDS, Templates
    from workflows.operations import cases
    from workflows.operations.runtime import Runtime
    from workflows.store.schema import cases as case_table
    from workflows.store.schema import outbox

    runtime = Runtime.open(REPO / "config", REPO / "processes", f"sqlite:///{folder / 'bench.db'}")
    cases.start(runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"]})
    with runtime.db.connect() as connection:
        row = connection.execute(
            select(outbox, case_table.c.reference, case_table.c.definition_hash).join(
                case_table, case_table.c.id == outbox.c.case_id
            )
        ).first()
    base = _queued(runtime, row)
    templates = Templates()
    sender = runtime.config.partnership.sender

    def email_for(kind: str, number: int):
        queued = dataclasses.replace(base, kind=kind, key=f"{base.key}/{number}", details={**base.details, "items": []})
        context = context_for(queued, runtime.config, "lead@example.org", False, "http://127.0.0.1:8000/x")
        return build_email(
            queued, templates.render(kind, context), sender=sender, recipient="lead@example.org", stamp=base.due_at
        )

    print("| rendering and building (subject + text + HTML + .ics, as bytes) | messages/s |")
    print("|---|---|")
    for kind in KINDS:
        started = time.perf_counter()
        for number in range(300):
            email_for(kind, number)
        print(f"| {kind} | {300 / (time.perf_counter() - started):,.0f} |")

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        messages = [email_for("reminder", number).as_bytes() for number in range(count)]
        reuse = min(asyncio.run(reused(port, messages)) for _ in range(3))
        own_envelope = min(asyncio.run(reused_envelope(port, messages)) for _ in range(3))
        fresh = min(asyncio.run(fresh_each(port, messages)) for _ in range(3))
        print()
        print(f"| SMTP to local aiosmtpd, {count} messages | messages/s |")
        print("|---|---|")
        print(f"| one reused connection | {count / reuse:,.0f} |")
        print(
            f"| one reused connection, delivery's envelope (the whole path's ceiling) | {count / own_envelope:,.0f} |"
        )
        print(f"| a new connection per message | {count / fresh:,.0f} |")
        print(f"| ratio | {fresh / reuse:.1f}x |")

        for _ in range(count - 1):
            cases.start(runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"]})
        print()
        heading = f"whole `deliver` path: {count} outbox messages to 2 recipients each, SQLite"
        print(f"| {heading} | outbox messages/s | emails/s |")
        print("|---|---|---|")
        sink = controller.handler
        sink.received = 0
        sent, elapsed = whole_path(runtime, dataclasses.replace(SmtpSettings(), port=port))
        emails = sink.received
        print(f"| mail server in this process (a thread) | **{sent / elapsed:,.0f}** | {emails / elapsed:,.0f} |")
        assert sent == count and emails == 2 * count, (sent, emails)
        reset(runtime)
        own_port, ready, stop = free_port(), multiprocessing.Event(), multiprocessing.Event()
        server = multiprocessing.Process(target=serve, args=(own_port, ready, stop), daemon=True)
        server.start()
        ready.wait()
        try:
            sent, elapsed = whole_path(runtime, dataclasses.replace(SmtpSettings(), port=own_port))
        finally:
            stop.set()
            server.join()
        print(f"| mail server in a process of its own | {sent / elapsed:,.0f} | {2 * sent / elapsed:,.0f} |")
        assert sent == count, sent
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
