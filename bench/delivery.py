"""Delivery throughput to a local aiosmtpd: one reused connection vs a new connection per message, the
whole `deliver` path (outbox, rendering, SMTP, marking sent), and template rendering per kind.

Run: .venv/bin/python bench/delivery.py [--messages N]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
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
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def reused(port: int, messages: list) -> float:
    started = time.perf_counter()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    for message in messages:
        await client.send_message(message)
    await client.quit()
    return time.perf_counter() - started


async def fresh_each(port: int, messages: list) -> float:
    started = time.perf_counter()
    for message in messages:
        await aiosmtplib.send(message, hostname="127.0.0.1", port=port, start_tls=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    count = parser.parse_args().messages
    folder = Path(tempfile.mkdtemp())
    os.environ["WORKFLOWS_NOW"] = "2026-12-18T10:00"
    from sqlalchemy import select

    from workflows.notify.compose import build_email, context_for
    from workflows.notify.delivery import _queued, deliver
    from workflows.notify.settings import SmtpSettings
    from workflows.notify.templates import KINDS, Templates
    from workflows.operations import cases
    from workflows.operations.runtime import Runtime
    from workflows.store.schema import cases as case_table
    from workflows.store.schema import outbox

    runtime = Runtime.open(REPO / "config", REPO / "processes", f"sqlite:///{folder / 'bench.db'}", create=True)
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

    print("| rendering (subject + text + HTML + .ics) | messages/s |")
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
        messages = [email_for("reminder", number) for number in range(count)]
        reuse = min(asyncio.run(reused(port, messages)) for _ in range(3))
        fresh = min(asyncio.run(fresh_each(port, messages)) for _ in range(3))
        print()
        print(f"| SMTP to local aiosmtpd, {count} messages | messages/s |")
        print("|---|---|")
        print(f"| one reused connection | {count / reuse:,.0f} |")
        print(f"| a new connection per message | {count / fresh:,.0f} |")
        print(f"| ratio | {fresh / reuse:.1f}x |")

        for _ in range(count - 1):
            cases.start(runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"]})
        settings = dataclasses.replace(SmtpSettings(), port=port)
        started = time.perf_counter()
        report = deliver(runtime, settings, batch_size=200)
        elapsed = time.perf_counter() - started
        sent = report.get("sent", 0)
        print(f"| whole `deliver` path ({sent} outbox messages, 2 recipients each, SQLite) | {sent / elapsed:,.0f} |")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
