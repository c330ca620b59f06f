"""Jinja2 templates in `notifications/`: a subject, a plain-text and an HTML part per kind.

A partnership overrides any of them by putting a file of the same name in WORKFLOWS_TEMPLATES (or
`config/notifications/`): no code change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from workflows.config.locations import locate_config_dir, locate_folder
from workflows.engine.vocabulary import MessageKind

OVERRIDES_VARIABLE = "WORKFLOWS_TEMPLATES"

# Every kind has its three templates, named after the kind's text: `<kind>.subject.j2`, `.txt.j2`, `.html.j2`.
KINDS = tuple(MessageKind)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def template_folders() -> list[Path]:
    folders = []
    if os.environ.get(OVERRIDES_VARIABLE):
        folders.append(Path(os.environ[OVERRIDES_VARIABLE]))
    folders.append(locate_config_dir() / "notifications")
    folders.append(locate_folder("WORKFLOWS_NOTIFICATIONS", "notifications"))
    return [folder for folder in folders if folder.is_dir()]


class Templates:
    def __init__(self, folders: list[Path] | None = None) -> None:
        loaders = [FileSystemLoader(str(folder)) for folder in (folders or template_folders())]
        common = {
            "loader": ChoiceLoader(loaders),
            "undefined": StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": True,
        }
        self.text = Environment(autoescape=False, **common)
        self.html = Environment(autoescape=select_autoescape(default=True, default_for_string=True), **common)

    def render(self, kind: str, context: dict[str, Any]) -> Rendered:
        subject = self.text.get_template(f"{kind}.subject.j2").render(context)
        return Rendered(
            subject=" ".join(subject.split()),
            text=self.text.get_template(f"{kind}.txt.j2").render(context),
            html=self.html.get_template(f"{kind}.html.j2").render(context),
        )
