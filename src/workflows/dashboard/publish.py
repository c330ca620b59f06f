"""Hand the DSP views and events to Prefect. Call from inside a flow or task run (artifacts need one)."""

from __future__ import annotations

import re

from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact
from prefect.events import emit_event

from workflows.dashboard.views import audit_round_progress, case_timeline, overdue_rows
from workflows.operations.happenings import Happening
from workflows.operations.runtime import Runtime

OVERDUE_KEY = "overdue-items"


def artifact_key(text: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")


def publish_overdue(runtime: Runtime) -> int:
    rows = overdue_rows(runtime)
    create_table_artifact(
        key=OVERDUE_KEY,
        table=rows or [{"status": "nothing overdue or at risk"}],
        description=f"{len(rows)} overdue or at-risk items, by agency and process",
    )
    return len(rows)


def publish_case(runtime: Runtime, reference: str) -> None:
    create_markdown_artifact(
        key=artifact_key(f"case-{reference}"),
        markdown=case_timeline(runtime, reference),
        description=f"Timeline of {reference}",
    )


def publish_rounds(runtime: Runtime) -> int:
    rounds = audit_round_progress(runtime)
    for entry in rounds:
        create_progress_artifact(
            progress=entry.percent,
            key=artifact_key(f"round-{entry.reference}"),
            description=f"{entry.reference} ({entry.process}): {entry.returned} of {entry.total} returned",
        )
    return len(rounds)


def emit(happening: Happening) -> None:
    """A Prefect event with the case as its resource, for DSPs' automations."""
    payload = {
        key: value
        for key, value in (
            ("stage", happening.stage),
            ("task", happening.task),
            ("level", happening.level),
            ("role", happening.role),
        )
        if value
    }
    emit_event(
        event=happening.event,
        resource={
            "prefect.resource.id": f"workflows.case.{happening.reference}",
            "prefect.resource.name": happening.reference,
            "workflows.process": happening.process,
        },
        related=[{"prefect.resource.id": f"workflows.process.{happening.process}", "prefect.resource.role": "process"}],
        payload=payload,
    )
