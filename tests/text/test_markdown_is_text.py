"""Text from people and servers is text in Markdown (issue 21, class 1): whatever a value holds, escaped it renders
as that value on one line and adds nothing (no heading, list, quote, rule, emphasis, code, link, autolink, image,
HTML, table column), in a paragraph, a list item, a heading or a table cell."""

from __future__ import annotations

from hostile_text import AUTOLINK, folded, hostile, render, seen
from hypothesis import given, settings

from workflows.text.markdown import bullets, cat, document, escape, heading, table

MARKUP = {
    "a",
    "img",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "em",
    "strong",
    "del",
    "hr",
    "script",
    "table",
}


def assert_text(markdown: str, value: str, allowed: set[str]) -> None:
    rendered = render(markdown)
    assert set(rendered.tags) <= allowed, (value, markdown, rendered.tags)
    assert seen("".join(rendered.text)) == folded(value)
    assert not AUTOLINK.search("".join(rendered.text)), markdown


@settings(max_examples=400)
@given(hostile)
def test_a_value_in_a_paragraph_is_its_text_and_nothing_else(value):
    assert_text(document(escape(value)), value, {"p"} if folded(value) else set())


@settings(max_examples=200)
@given(hostile, hostile)
def test_a_value_in_a_list_item_or_heading_adds_nothing(first, second):
    listed = render(document(bullets([first, [second, "!"]])))
    assert listed.tags.count("li") == 2 and listed.tags.count("ul") == 1
    assert not set(listed.tags) & (MARKUP - {"ul", "li"})
    titled = render(document(heading(2, first)))
    assert titled.tags in (["h2"],) and not set(titled.tags) & (MARKUP - {"h2"})
    assert not AUTOLINK.search("".join(render(document(cat(first, second))).text))


@settings(max_examples=200)
@given(hostile, hostile, hostile)
def test_a_table_keeps_its_columns_whatever_its_cells_hold(first, second, third):
    rendered = render(document(table(["one", "two", "three"], [[first, second, third], [third, "x", first]])))
    assert rendered.tags.count("table") == 1 and not set(rendered.tags) & (MARKUP - {"table"})
    assert [len(row) for row in rendered.cells] == [3, 3, 3]
    assert [seen(cell) for cell in rendered.cells[1]] == [folded(first), folded(second), folded(third)]
    assert not AUTOLINK.search("".join(rendered.text))
