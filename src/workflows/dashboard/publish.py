"""Hand the DSP views and events to Prefect. Call from inside a flow or task run (artifacts need one).

Artifacts and their descriptions are Markdown, built by text/markdown.py; an event's names are one line of plain
text (the Event Feed shows them as text)."""

from __future__ import annotations

from typing import Any

from prefect.artifacts import create_markdown_artifact, create_progress_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from prefect.events import emit_event

from workflows import clock
from workflows.dashboard.events import Happening
from workflows.dashboard.views import audit_round_progress, case_timeline, overdue_views
from workflows.operations.reports import mail_counts, undelivered
from workflows.operations.runtime import Runtime
from workflows.store.view_revisions import changed_cases, mark_published
from workflows.text.keys import key_of
from workflows.text.markdown import escape
from workflows.text.plain import one_line

OVERDUE_KEY = "overdue-items"
SUMMARY_KEY = "overdue-summary"
# Case timelines republished per sweep at most; the rest wait for the next sweep, so a sweep stays short.
CASES_PER_SWEEP = 300


def artifact_key(text: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return key_of(text)


def newest_data(key: str) -> Any:
    """What the newest version of an artifact shows (None if there is none)."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), sort=ArtifactSort.CREATED_DESC, limit=1
        )
    return found[0].data if found else None


def publish_markdown_if_changed(key: str, markdown: str, description: str) -> bool:
    """A new version only when the view changed: a sweep a minute would otherwise add 1,440 identical versions
    a day to each artifact's history."""
    if newest_data(key) == markdown:
        return False
    create_markdown_artifact(key=key, markdown=markdown, description=description)
    return True


def publish_overdue_views(runtime: Runtime) -> int:
    """`overdue-items` (the worst items first) and `overdue-summary` (counts per agency and process), from one
    streamed query; how many items are overdue or at risk."""
    now = clock.now()
    views = overdue_views(runtime, now)
    description = escape(f"{views.counts}: worst first. Late counts working days since the due date.")
    failed = undelivered(runtime)
    publish_markdown_if_changed(OVERDUE_KEY, views.table(now, failed), description)
    publish_markdown_if_changed(SUMMARY_KEY, views.summary(now, mail_counts(runtime)), escape(views.counts))
    return views.total


def publish_case(runtime: Runtime, reference: str) -> None:
    create_markdown_artifact(
        key=artifact_key(f"case-{reference}"),
        markdown=case_timeline(runtime, reference),
        description=escape(f"Timeline of {reference}"),
    )


def publish_changed_cases(runtime: Runtime, limit: int = CASES_PER_SWEEP) -> int:
    """Republish the timeline of every case changed since its last publication, whatever changed it (the CLI,
    a task page, a flow, the sweep, a message's delivery); how many."""
    with runtime.db.connect() as connection:
        changed = changed_cases(connection, limit)
    for case in changed:
        publish_case(runtime, case.reference)
    with runtime.db.begin() as connection:
        mark_published(connection, changed)
    return len(changed)


def publish_rounds(runtime: Runtime) -> int:
    rounds = audit_round_progress(runtime)
    for entry in rounds:
        key = artifact_key(f"round-{entry.reference}")
        if newest_data(key) == entry.percent:
            continue  # no new return since the last sweep
        create_progress_artifact(
            progress=entry.percent,
            key=key,
            description=escape(f"{entry.reference} ({entry.process}): {entry.returned} of {entry.total} returned"),
        )
    return len(rounds)


def resource_name(reference: str, process_title: str) -> str:
    """How the Event Feed names the case: "Rapid review RR-2026-001"."""
    return one_line(f"{process_title} {reference}")


def event_fields(happening: Happening, process_title: str) -> dict[str, Any]:
    """The event: the case as its resource (named by process and reference), the process as related; no facts."""
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
    return {
        "event": happening.event,
        "resource": {
            "prefect.resource.id": f"workflows.case.{happening.reference}",
            "prefect.resource.name": resource_name(happening.reference, process_title),
            "workflows.process": happening.process,
        },
        "related": [
            {
                "prefect.resource.id": f"workflows.process.{happening.process}",
                "prefect.resource.role": "process",
                "prefect.resource.name": one_line(process_title),
            }
        ],
        "payload": payload,
    }


def emit(happening: Happening, runtime: Runtime) -> None:
    """A Prefect event for DSPs' Event Feed and automations; the process is named by its title when known."""
    process = runtime.library.processes.get(happening.process)
    emit_event(**event_fields(happening, process.title if process else happening.process))
