"""One `trigger-event` flow per event the library's triggers listen to (`trigger-event/child-death`, ...): its
run form asks for the non-sensitive facts of the processes listening to that event, typed.

A fact is required only when every listening process needs it. A fact sensitive in any listener has no
field, and the deployment's schema refuses extra parameters. The flows are built when this module is imported.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from flows.flow_runs import case_tags, label_run, load_definitions, open_runtime, refusals_fail_the_run
from flows.forms import fact_assignments, listeners_by_event, trigger_form
from flows.generated import FormFlow, form_flow, identifier, version
from workflows.dashboard.events import CASE_STARTED, Happening
from workflows.dashboard.publish import emit, publish_case
from workflows.definitions.model import Process
from workflows.operations import cases

FLOW_NAME = "trigger-event"


def trigger_from_form(event: str, values: dict[str, Any]) -> list[str]:
    """Start every process whose trigger matches the event and its facts; the references, new or not."""
    runtime = open_runtime()
    with refusals_fail_the_run():
        started = cases.trigger(runtime, event, fact_assignments(values), actor="prefect")
    references = []
    for process_id, reference, new in started:
        references.append(reference)
        if new:
            emit(Happening(CASE_STARTED, reference, process_id), runtime)
            publish_case(runtime, reference)
    process = runtime.library.processes.get(started[0][0]) if started else None
    label_run(f"{started[0][1]}-trigger" if started else f"event-{event}-none", case_tags(process))
    return references


def _description(event: str, listeners: list[Process]) -> str:
    titles = "; ".join(process.title for process in listeners)
    return (
        f"The event {event}: starts each process listening to it whose conditions hold ({titles}), at most once "
        "per event. Sensitive facts are not asked for here: record them with the `workflows` command on the server."
    )


def _build() -> dict[str, FormFlow]:
    config, library = load_definitions()
    built: dict[str, FormFlow] = {}
    for event, listeners in listeners_by_event(library.processes.values()).items():
        form = trigger_form(event, listeners, config.directory)
        for problem in form.problems:
            logging.getLogger(__name__).error(problem)
        description = _description(event, listeners)
        generated = form_flow(
            flow_name=FLOW_NAME,
            function_name=identifier("trigger", event),
            run_name=f"event-{event}",
            module=__name__,
            form=form,
            returns=list[str],
            run=partial(trigger_from_form, event),
            description=description,
            definitions_version=version(library.texts[process.id] for process in listeners),
        )
        built[event] = FormFlow(generated, form, event, description)
    return built


TRIGGER_FLOWS = _build()
