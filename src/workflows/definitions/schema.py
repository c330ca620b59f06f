"""The JSON Schema of a process definition, for editors (yaml-language-server) and other tools."""

import json
from typing import Any

from workflows.definitions.model import Process


def process_json_schema() -> dict[str, Any]:
    schema = Process.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Safeguarding partnership process definition"
    return schema


def process_json_schema_text() -> str:
    return json.dumps(process_json_schema(), indent=2, sort_keys=False)
