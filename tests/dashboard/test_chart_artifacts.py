"""A chart travels to Prefect as a Markdown image holding its PNG: what that Markdown says, and what is refused."""

from __future__ import annotations

import base64
import re

import pytest

from workflows.dashboard.chart_artifacts import PNG_SIGNATURE, chart_markdown, publish_chart

PNG = PNG_SIGNATURE + b"rest of a picture"


def test_the_markdown_is_one_image_holding_the_png_with_the_description_as_its_text():
    found = re.fullmatch(r"!\[([^\]]*)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", chart_markdown(PNG, "On time"))
    assert found and found[1] == "On time"
    assert base64.b64decode(found[2]) == PNG


def test_brackets_in_the_description_cannot_end_the_alternative_text_early():
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(chart_markdown(PNG, "Overdue [now] \\ by agency](javascript:x)"))
    assert html.count("<img") == 1 and "javascript" not in html.split('alt="')[0]
    assert 'alt="Overdue [now] \\ by agency](javascript:x)"' in html
    assert 'src="data:image/png;base64,' in html


@pytest.mark.parametrize(
    ("key", "png", "says"),
    [("Overdue By Agency", PNG, "lower-case"), ("overdue-by-agency", b"GIF89a", "not a PNG")],
)
def test_a_bad_key_or_a_picture_that_is_not_a_png_is_refused_before_anything_is_sent(key, png, says):
    with pytest.raises(ValueError, match=says):
        publish_chart(key, png, "chart")
