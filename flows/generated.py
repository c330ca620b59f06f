"""Flows whose parameters are a generated form: a function given the form's signature, wrapped as a flow.

Prefect reads a flow's parameters (its run form, its validation) from `inspect.signature`, which honours
`__signature__`. A deployment names its flow by module file and function name, so each generated flow is
set as a global of the module that generates it; a flow-run process imports that module and finds it.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from prefect import Flow, flow
from prefect.deployments.runner import RunnerDeployment

from flows.flow_runs import FORGET_UNKNOWN_PARAMETERS
from flows.forms import Form
from flows.locked_forms import lock

TAGS = ["workflows"]


@dataclass(frozen=True)
class FormFlow:
    """One generated flow and how it is deployed."""

    flow: Flow[..., Any]
    form: Form
    deployment_name: str
    description: str
    tags: list[str] = field(default_factory=lambda: list(TAGS))

    def to_deployment(self) -> RunnerDeployment:
        deployment = self.flow.to_deployment(self.deployment_name, description=self.description, tags=self.tags)
        return lock(deployment, self.form)


def identifier(prefix: str, kebab: str) -> str:
    """`start` and `rapid-review` give `start_rapid_review`, the function's (and the entrypoint's) name."""
    return f"{prefix}_{kebab.replace('-', '_')}"


def version(texts: Iterable[str]) -> str:
    """The definitions the form was built from: the deployment's version changes when they do."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:12]


def form_flow(
    *,
    flow_name: str,
    function_name: str,
    run_name: str,
    module: str,
    form: Form,
    returns: Any,
    run: Callable[[dict[str, Any]], Any],
    description: str,
    definitions_version: str,
) -> Flow[..., Any]:
    """A flow named `flow_name` whose parameters are `form`'s fields; it hands them to `run` as a dict.

    The flow's function is set as `function_name` in `module` (the caller's `__name__`), where it is found again.
    """

    def generated(**values: Any) -> Any:
        return run(values)

    signature = form.signature(returns)
    generated.__signature__ = signature  # type: ignore[attr-defined]
    generated.__annotations__ = {
        **{name: parameter.annotation for name, parameter in signature.parameters.items()},
        "return": returns,
    }
    generated.__name__ = generated.__qualname__ = function_name
    generated.__module__ = module
    generated.__doc__ = description
    wrapped = flow(
        name=flow_name,
        flow_run_name=run_name,  # until the run is named after its case
        description=description,
        version=definitions_version,
        **FORGET_UNKNOWN_PARAMETERS,
    )(generated)
    setattr(sys.modules[module], function_name, wrapped)
    return wrapped
