"""Titles and descriptions are written by people: whatever they hold is shown as text, never run as markup."""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ElementTree

import pytest
from catalogue_helpers import read_html

from workflows.catalogue.pages import catalogue_page
from workflows.definitions.library import load_sound_library

HOSTILE_TITLE = "<script>alert('title')</script> & Co | \"quoted\""
HOSTILE_STAGE = "<img src=x onerror=alert(1)> ](javascript:alert(2)) *stage*"
HOSTILE_DRAFT = textwrap.dedent(
    """\
    # A draft written to test escaping.
    # - [unverified] <script>alert('source')</script> with `<b>code</b>`
    id: hostile-draft
    title: "<script>alert('title')</script> & Co | \\"quoted\\""
    version: 1
    description: "</svg><script>alert('purpose')</script>. Second sentence."
    reference: "HD-{year}-{seq:3}"
    stages:
      first:
        title: "<img src=x onerror=alert(1)> ](javascript:alert(2)) *stage*"
        owner: business-manager
        asks: "<iframe src=//example.invalid></iframe>"
        due: {in: 5 working days}
        escalation:
          - {after: 1 working day, notify: partnership-chair}
    """
)


@pytest.fixture(scope="module")
def hostile_page(config, tmp_path_factory):
    drafts = tmp_path_factory.mktemp("drafts")
    (drafts / "hostile-draft.yaml").write_text(HOSTILE_DRAFT, encoding="utf-8")
    library = load_sound_library([drafts], config)
    assert not library.broken, library.broken_files()
    return catalogue_page(config, library, "hostile-draft")


def test_the_html_shows_hostile_text_as_text(hostile_page):
    reader = read_html(hostile_page.html)
    tags = {tag for tag, _ in reader.tags}
    assert not tags & {"script", "img", "iframe", "b"}
    assert not [name for _, attrs in reader.tags for name in attrs if name.startswith("on")]
    assert "&lt;script&gt;" in hostile_page.html
    assert HOSTILE_TITLE in reader.text
    assert HOSTILE_STAGE in reader.text
    assert "<b>code</b>" in reader.text  # the source note's code, shown literally


def test_the_svg_stays_well_formed_xml_with_the_title_as_text(hostile_page):
    root = ElementTree.fromstring(hostile_page.svg)
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert not tags & {"script", "img", "iframe", "foreignObject"}
    assert HOSTILE_TITLE in root[0].text


def test_the_markdown_holds_no_raw_markup_or_link(hostile_page):
    for text in (hostile_page.markdown, hostile_page.prefect_markdown):
        body = re.sub(r"```mermaid.*?```", "", text, flags=re.DOTALL)
        for raw in ("<script>", "<img", "<iframe", "](javascript:"):
            assert not re.search(r"(?<!\\)" + re.escape(raw), body), raw  # only backslash-escaped, as text
        assert "\\<script\\>" in body
    block = hostile_page.markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert "<" not in block and ">" not in block and "javascript:" not in block


def test_the_first_sentence_is_the_index_summary(hostile_page):
    assert hostile_page.summary == "</svg><script>alert('purpose')</script>."
