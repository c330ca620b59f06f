"""Run forms that refuse what they do not show: `additionalProperties: false` in each deployment's schema.

With the schema enforced (Prefect's default), the server answers 409 to a run whose parameters include
anything else, a sensitive fact say, before it stores the run. The fields also get their titles here.

`workflows serve` registers its deployments locked. `prefect deploy` builds each schema itself from the
flow's signature and drops both, so after `prefect deploy --all` run `python -m flows.locked_forms`.
"""

from __future__ import annotations

from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.deployments.runner import RunnerDeployment
from prefect.utilities.callables import ParameterSchema
from pydantic import ConfigDict

from flows.forms import Form


class LockedParameterSchema(ParameterSchema):
    """Prefect's parameter schema, with room for JSON Schema keywords it does not model."""

    model_config = ConfigDict(extra="allow")


def locked_schema(schema: ParameterSchema, form: Form | None = None) -> LockedParameterSchema:
    titled = {name: _titled(name, prop, form) for name, prop in schema.properties.items()}
    fields = {**schema.model_dump(exclude_unset=True), "properties": titled, "additionalProperties": False}
    return LockedParameterSchema(**fields)


def _titled(name: str, prop: dict[str, Any], form: Form | None) -> dict[str, Any]:
    field = next((field for field in form.fields if field.name == name), None) if form else None
    if field is None:
        return _plain(prop)
    described = {"description": field.description} if field.description else {}
    return {**_plain(prop), "title": field.title, **described}


def _plain(prop: dict[str, Any]) -> dict[str, Any]:
    """An optional field (`date | None = None`) as its own widget, a date picker, which the UI leaves out
    when empty; Prefect's schema would show a "date | None" switch set to None."""
    branches = prop.get("anyOf", [])
    kept = [branch for branch in branches if branch != {"type": "null"}]
    optional = "default" in prop and prop["default"] is None and len(branches) == 2 and len(kept) == 1
    if not optional:
        return dict(prop)
    rest = {key: value for key, value in prop.items() if key not in ("anyOf", "default")}
    return {**kept[0], **rest}


def lock(deployment: RunnerDeployment, form: Form | None = None) -> RunnerDeployment:
    deployment._parameter_openapi_schema = locked_schema(deployment._parameter_openapi_schema, form)
    deployment.enforce_parameter_schema = True
    return deployment


def lock_registered(deployments: list[RunnerDeployment]) -> list[str]:
    """Give deployments already registered (by `prefect deploy`) the locked forms; their names."""
    locked = []
    with get_client(sync_client=True) as client:
        for deployment in deployments:
            registered = client.read_deployment_by_name(deployment.full_name)
            schema = deployment._parameter_openapi_schema.model_dump(exclude_unset=True)
            update = DeploymentUpdate(parameter_openapi_schema=schema, enforce_parameter_schema=True)
            client.update_deployment(registered.id, update)
            locked.append(deployment.full_name)
    return locked


if __name__ == "__main__":
    from flows.deployments import deployments

    for name in lock_registered(deployments()):
        print(f"locked {name}")
