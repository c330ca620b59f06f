"""The source tags of a definition's comments on its page: the header's tagged notes as a list, and a count of
each tag in the file."""

from __future__ import annotations

import re

from catalogue_helpers import PROCESSES, read_html, shown_markdown

from workflows.catalogue.sources import SourceNote, source_notes, tag_counts


def header_items(path, tag: str) -> list[str]:
    """The header's `# - [tag] ...` items with their indented continuation lines, read straight from the file."""
    items: list[str] = []
    collecting = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(f"# - [{tag}] "):
            items.append(line.removeprefix(f"# - [{tag}] "))
            collecting = True
        elif collecting and line.startswith("#   "):
            items[-1] += " " + line.removeprefix("#   ").strip()
        else:
            collecting = False
    return items


def test_the_national_notes_of_section_11_are_listed_with_their_tag(pages):
    national = header_items(PROCESSES / "section-11-audit.yaml", "national")
    assert national == [
        "Duty holders: local authorities and district councils, NHS bodies, police, probation, "
        "prisons/young offender institutions, youth offending teams."
    ]
    page = pages["section-11-audit"]
    html_text = read_html(page.html).text
    for note in national:
        for markdown in (page.markdown, page.prefect_markdown):
            assert f"- **[national]** {note}" in shown_markdown(markdown)
        assert f"[national] {note}" in html_text


def test_every_tagged_header_item_of_every_file_is_on_its_page(pages):
    for process_id, page in pages.items():
        shown = shown_markdown(page.markdown)
        for tag in ("national", "partnership", "varies", "unverified"):
            for item in header_items(PROCESSES / f"{process_id}.yaml", tag):
                assert item.replace("`", "") in shown, (process_id, item)


def test_each_tag_is_counted_in_the_file_comments(pages):
    for process_id, page in pages.items():
        text = (PROCESSES / f"{process_id}.yaml").read_text(encoding="utf-8")
        comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
        html_text = read_html(page.html).text
        for tag in ("national", "partnership", "varies", "unverified"):
            expected = sum(comment.count(f"[{tag}]") for comment in comments)
            assert f"[{tag}] {expected}" in shown_markdown(page.markdown), (process_id, tag)
            assert f"[{tag}] {expected}" in html_text


def test_a_tag_in_a_value_is_no_source_and_free_sentences_join_their_lines():
    text = (
        "# Demo process.\n"
        "# Sources (see shared domain reference): [national] Working Together 2023, ch. 5:\n"
        "# within 15 working days.\n"
        "# Clock start [varies]: from the notification\n"
        "# or from awareness.\n"
        "# - [partnership] [varies] A list item\n"
        "#   continued.\n"
        "# - An untagged item.\n"
        "id: demo\n"
        "stages:\n"
        "  a:\n"
        "    after: [launch]   # [unverified] a guess\n"
        "    title: '[national] is not a comment'\n"
    )
    assert source_notes(text) == [
        SourceNote(("national",), "Working Together 2023, ch. 5: within 15 working days."),
        SourceNote(("varies",), "Clock start [varies]: from the notification or from awareness."),
        SourceNote(("partnership", "varies"), "A list item continued."),
    ]
    assert tag_counts(text) == {"national": 1, "partnership": 1, "varies": 2, "unverified": 1}


def test_a_tagged_comment_beside_a_due_rule_is_shown_with_the_deadline(pages):
    text = (PROCESSES / "rapid-review.yaml").read_text(encoding="utf-8")
    beside = re.search(r"agency-chronology:.*?due: \{[^}]*\}\s+# (\[varies\][^\n]*)", text, re.DOTALL)
    assert beside is not None
    assert f"source: {beside[1]}" in shown_markdown(pages["rapid-review"].markdown)
