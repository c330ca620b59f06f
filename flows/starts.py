"""One `start-case` flow per process in the library (`start-case/rapid-review`, ...): its run form asks for the
process's non-sensitive facts, typed, and nothing else.

A sensitive fact (a child's name) has no field, and the deployment's schema refuses extra parameters, so it
cannot be sent through Prefect at all: it is recorded with the `workflows` command on the server.
The flows are built when this module is imported, from the library `open_runtime` reads.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from flows.flow_runs import after_action, case_state, load_definitions, open_runtime, refusals_fail_the_run
from flows.forms import CASE_REFERENCE, start_form, typed_facts
from flows.generated import TAGS, FormFlow, form_flow, identifier, version
from workflows.dashboard.events import CASE_STARTED, Happening
from workflows.dashboard.publish import emit
from workflows.definitions.model import Process
from workflows.operations import cases

FLOW_NAME = "start-case"


def start_from_form(process_id: str, values: dict[str, Any]) -> str:
    """Start a case of the process with the form's values; the run is named `<reference>-start`."""
    runtime = open_runtime()
    given = dict(values)
    reference = given.pop(CASE_REFERENCE, None) or None
    facts = typed_facts(runtime.library.get(process_id), given)
    with refusals_fail_the_run():
        started, _ = cases.start(runtime, process_id, facts, reference=reference, actor="prefect")
    after_action(runtime, case_state(runtime, started), "start")
    emit(Happening(CASE_STARTED, started, process_id), runtime)
    return started


def _description(process: Process) -> str:
    sensitive = [name for name, fact in process.facts.items() if fact.sensitive]
    text = f"Start a case: {process.title}. {(process.description or '').strip()}".strip()
    if sensitive:
        text += (
            f" Sensitive facts ({', '.join(sensitive)}) are not asked for here: record them with the `workflows`"
            " command on the server."
        )
    return text


def _build() -> dict[str, FormFlow]:
    config, library = load_definitions()
    built: dict[str, FormFlow] = {}
    for process in library.processes.values():
        form = start_form(process, config.directory)
        for problem in form.problems:
            logging.getLogger(__name__).error(problem)
        description = _description(process)
        generated = form_flow(
            flow_name=FLOW_NAME,
            function_name=identifier("start", process.id),
            run_name=f"start-{process.id}",
            module=__name__,
            form=form,
            returns=str,
            run=partial(start_from_form, process.id),
            description=description,
            definitions_version=version([library.texts[process.id]]),
        )
        built[process.id] = FormFlow(generated, form, process.id, description, [*TAGS, f"process:{process.id}"])
    return built


START_FLOWS = _build()
