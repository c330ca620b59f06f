"""`prefect.yaml` (the deployments for a work pool) written from `deployments()`, so it lists exactly what
`workflows serve` serves: a start form per process and a trigger form per event included.

Regenerate after adding, removing or renaming a process or a trigger event (tests/flows fail until you do):

    .venv/bin/python -m flows.prefect_yaml
"""

from __future__ import annotations

import importlib
import json
import re
from datetime import timedelta
from pathlib import Path

import prefect
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.deployments.runner import RunnerDeployment

from flows.deployments import deployments

REPOSITORY = Path(__file__).resolve().parents[1]
PREFECT_YAML = REPOSITORY / "prefect.yaml"
WORK_POOL = "workflows"

HEADER = """\
# Written by `.venv/bin/python -m flows.prefect_yaml` from flows/deployments.py and the process library: do not
# edit by hand. Deployments for a work pool (see "Running at scale" in the README): `prefect deploy --all`, then
# `python -m flows.locked_forms` (prefect deploy drops the forms' refusal of extra parameters and their titles).
# `workflows serve` serves the same deployments from one process without a work pool (the main job does).
"""


def entrypoint(deployment: RunnerDeployment) -> str:
    """Relative to the repository, as the work pool's pull step makes the checkout the working directory
    (a RunnerDeployment's entrypoint is relative to wherever it was built)."""
    path, _, function = (deployment.entrypoint or "").rpartition(":")
    return f"{(Path.cwd() / path).resolve().relative_to(REPOSITORY).as_posix()}:{function}"


def _quoted(text: str) -> str:
    if re.fullmatch(r"[a-z][a-z0-9-]*", text):
        return text
    return json.dumps(text, ensure_ascii=False)  # JSON strings are YAML strings


def _flow_description(deployment: RunnerDeployment) -> str | None:
    path, _, function = (deployment.entrypoint or "").rpartition(":")
    return getattr(importlib.import_module(f"flows.{Path(path).stem}"), function).description


def _entry(deployment: RunnerDeployment) -> list[str]:
    lines = [f"  - name: {_quoted(deployment.name)}", f"    entrypoint: {entrypoint(deployment)}"]
    # prefect deploy falls back on the flow's description: a process's own (its YAML) stays out of this file.
    if deployment.description and deployment.description != _flow_description(deployment):
        lines.append(f"    description: {_quoted(deployment.description)}")
    lines.append(f"    tags: [{', '.join(_quoted(tag) for tag in deployment.tags)}]")
    intervals = [item.schedule.interval for item in deployment.schedules if isinstance(item.schedule, IntervalSchedule)]
    if intervals:
        lines.append("    schedules:")
        lines += [f"      - interval: {_seconds(every)}" for every in intervals]
    lines.append(f"    work_pool: {{name: {WORK_POOL}}}")
    return lines


def _seconds(every: timedelta) -> int:
    return int(every.total_seconds())


def prefect_yaml_text() -> str:
    lines = [
        f"name: safeguarding-workflows\nprefect-version: {prefect.__version__}\n",
        "pull:",
        "  - prefect.deployments.steps.set_working_directory:",
        '      directory: "{{ $WORKFLOWS_CHECKOUT }}"',
        "",
        "deployments:",
    ]
    for deployment in deployments():
        lines += _entry(deployment)
    return HEADER + "\n".join(lines) + "\n"


if __name__ == "__main__":
    PREFECT_YAML.write_text(prefect_yaml_text())
    print(f"wrote {PREFECT_YAML}")
