"""Hand a chart (PNG bytes) to Prefect as an artifact DSPs see in the UI. Call from inside a flow or task run.

The chart travels inside a Markdown artifact as a `data:image/png;base64,...` image: Prefect 3.8.8's UI renders
Markdown through rehype-sanitize with `data` allowed for `img` `src` (V2) and shows it in the V1 UI too, so no
web server has to host the picture. An image artifact (`create_image_artifact`) would show it as well, but also
prints its whole URL as a link below it: a hundred thousand characters of base64 that scroll the page sideways.
"""

from __future__ import annotations

import base64
import re

from workflows.dashboard.publish import publish_markdown_if_changed
from workflows.text.markdown import escape, picture

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ARTIFACT_KEY = re.compile(r"[a-z0-9-]+")


def chart_markdown(png: bytes, description: str) -> str:
    """The chart as a Markdown image, the description as its alternative text (read aloud by screen readers)."""
    return picture(description, base64.b64encode(png).decode("ascii"))


def publish_chart(key: str, png: bytes, description: str) -> None:
    """Publish the chart under `key` (lower-case letters, digits and dashes), as a new version only when the
    chart or its description changed: a sweep a minute would otherwise pile up identical versions."""
    if not ARTIFACT_KEY.fullmatch(key):
        raise ValueError(f"artifact key {key!r}: use lower-case letters, digits and dashes only")
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError(f"{key}: the chart is not a PNG")
    publish_markdown_if_changed(key, chart_markdown(png, description), escape(description))
