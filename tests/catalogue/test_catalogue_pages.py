"""A catalogue page for every shipped process: what it must say, its timeline in each form, and its HTML and SVG
well formed. Expectations come from the definitions and the engine's own simulation, never from the pages."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ElementTree

import pytest
from catalogue_helpers import SHIPPED_IDS, read_html, shown_markdown

from workflows.catalogue.pages import catalogue_files, catalogue_pages
from workflows.catalogue.typical_case import TYPICAL_START
from workflows.engine.schedule.simulation import simulate, start_moment

SVG = "{http://www.w3.org/2000/svg}"
MERMAID_BLOCK = re.compile(r"```mermaid\n(.*?)```", re.DOTALL)


def typical_projection(config, process):
    """The engine's projection of the page's typical case, worked out here independently of the catalogue."""
    rules = config.timing_rules(process)
    return simulate(process, rules, start_moment(TYPICAL_START, rules), {}, {}, {})


def opened_stages(projection) -> list[str]:
    return [event.stage for event in projection.events if event.kind == "start" and event.stage]


def test_every_shipped_process_has_one_page_in_id_order(pages, library):
    assert SHIPPED_IDS, "no shipped processes found"
    assert list(pages) == SHIPPED_IDS == sorted(library.processes)
    for process_id, page in pages.items():
        assert page.artifact_key == f"process-{process_id}"
        assert page.title == library.processes[process_id].title


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_the_page_names_the_process_and_every_stage_in_order(pages, library, process_id):
    process = library.processes[process_id]
    page = pages[process_id]
    html_text = read_html(page.html).text
    for shown in (shown_markdown(page.markdown), shown_markdown(page.prefect_markdown), html_text):
        assert process.title in shown
        assert process_id in shown
        assert f"Version {process.version}" in shown or f"Version | {process.version}" in shown
        assert " ".join(process.description.split()) in shown
        positions = []
        for stage_id, stage in process.stages.items():
            assert stage_id in shown, stage_id
            assert stage.title in shown, stage.title
            positions.append(shown.index(f"{stage.title} ({stage_id})"))
        assert positions == sorted(positions), "stages out of file order"


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_owners_and_every_escalation_step_are_named_with_their_role_titles(pages, library, config, process_id):
    process = library.processes[process_id]
    roles = config.directory.roles
    page = pages[process_id]
    for shown in (shown_markdown(page.markdown), read_html(page.html).text):
        for stage in process.stages.values():
            assert f"{roles[stage.owner].title} ({stage.owner})" in shown
            for step in stage.escalation:
                assert f"overdue by {step.after}: {roles[step.notify].title} ({step.notify})" in shown


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_deadline_rules_decisions_fan_out_pauses_and_approver_are_shown(pages, library, config, process_id):
    process = library.processes[process_id]
    shown = shown_markdown(pages[process_id].markdown)
    for stage in process.stages.values():
        assert f"({stage.due})" in shown  # the definition's own shorthand beside the words
        if stage.for_each:
            assert f"one task per item of '{process.facts[stage.for_each].title}'" in shown
        for option_id, option in (stage.decision.options if stage.decision else {}).items():
            assert f"{option_id}: {' '.join(option.label.split())}" in shown
    for reason, meaning in process.pause.reasons.items() if process.pause else ():
        assert f"{reason}: {meaning}" in shown
    if process.extension_approver:
        role = config.directory.roles[process.extension_approver]
        assert f"Extension approver | {role.title} ({process.extension_approver})" in shown
    for trigger in process.triggers:
        assert f"event '{trigger.event}'" in shown
    if process.recurs:
        assert f"a new case every {process.recurs.every}" in shown


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_the_svg_is_xml_with_a_title_and_one_bar_per_stage_the_typical_case_opens(pages, library, config, process_id):
    page = pages[process_id]
    root = ElementTree.fromstring(page.svg)
    assert root.tag == f"{SVG}svg"
    assert root[0].tag == f"{SVG}title" and page.title in root[0].text
    projection = typical_projection(config, library.processes[process_id])
    bars = [element for element in root.iter(f"{SVG}rect") if element.get("class") == "stage-bar"]
    assert [bar.get("data-stage") for bar in bars] == opened_stages(projection)
    reminders = [element for element in root.iter(f"{SVG}circle") if element.get("class") == "reminder"]
    assert len(reminders) == sum(event.kind == "reminder" for event in projection.events)
    escalations = [element for element in root.iter(f"{SVG}polygon") if element.get("class") == "escalation-if-late"]
    process = library.processes[process_id]
    opened = set(opened_stages(projection))
    expected_steps = sum(
        len(stage.escalation)
        for stage_id, stage in process.stages.items()
        if stage_id in opened and not (stage.decision and stage.decision.when_unresolved)
    )
    assert len(escalations) == expected_steps
    texts = {element.text for element in root.iter(f"{SVG}text")}
    assert {process.stages[stage_id].title[:20] for stage_id in opened} <= {text[:20] for text in texts}
    # Dates along the axis: at least one tick label, each a day and a month or a month.
    assert any(element.get("class") == "tick" for element in root.iter(f"{SVG}line"))


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_the_svg_runs_nothing_and_fetches_nothing(pages, process_id):
    root = ElementTree.fromstring(pages[process_id].svg)
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in {"script", "foreignObject", "image", "use", "a"}
        assert not [name for name in element.attrib if name.lower().startswith("on") or "href" in name]


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_the_markdown_has_a_mermaid_gantt_with_each_stage_from_opening_to_due(pages, library, config, process_id):
    blocks = MERMAID_BLOCK.findall(pages[process_id].markdown)
    assert len(blocks) == 1
    lines = blocks[0].splitlines()
    assert lines[0] == "gantt"
    assert "    dateFormat YYYY-MM-DD HH:mm" in lines
    projection = typical_projection(config, library.processes[process_id])
    bars = [line for line in lines if re.search(r":s\d+, ", line)]
    assert len(bars) == len(opened_stages(projection))
    for bar, stage_id in zip(bars, opened_stages(projection), strict=True):
        own = [event for event in projection.events if event.stage == stage_id]
        opened = next(event.at for event in own if event.kind == "start")
        due = next(event.at for event in own if event.kind == "due")
        assert bar.endswith(f", {opened:%Y-%m-%d %H:%M}, {due:%Y-%m-%d %H:%M}")
        title = library.processes[process_id].stages[stage_id].title
        assert bar.strip().startswith(title.split(":")[0])


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_the_timeline_table_lists_every_projected_event_in_each_form(pages, library, config, process_id):
    process = library.processes[process_id]
    projection = typical_projection(config, process)
    roles = config.directory.roles
    for text in (pages[process_id].markdown, pages[process_id].prefect_markdown):
        table = text.split("| When | Event | Stage | To |\n|---|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
        rows = [row.strip("| ").split(" | ") for row in table.splitlines()]
        assert len(rows) == len(projection.events)
        for row, event in zip(rows, projection.events, strict=True):
            assert row[0] == f"{event.at:%a} {event.at.day} {event.at:%b %Y %H:%M}"
            if event.stage:
                assert shown_markdown(row[2]) == process.stages[event.stage].title
                assert shown_markdown(row[3]) == roles[event.to].title
    html_text = read_html(pages[process_id].html).text
    assert html_text.count("Stage opens") == len(opened_stages(projection))


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_the_prefect_markdown_has_no_mermaid_and_no_relative_link(pages, process_id):
    text = pages[process_id].prefect_markdown
    assert "```" not in text
    assert not re.search(r"\]\((?!https?://|data:image/svg\+xml;base64,)", text), "a link Prefect cannot follow"
    assert "| When | Event | Stage | To |" in text
    # The timeline travels inside the artifact, as the SVG the HTML page holds.
    embedded = re.search(
        r"!\[Timeline of a typical case of [^\]]*\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", text
    )
    assert embedded and base64.b64decode(embedded[1]).decode("utf-8") == pages[process_id].svg
    # The page's own Markdown links to its timeline and the index, and otherwise says the same.
    assert f"]({process_id}.svg)" in pages[process_id].markdown
    assert "](index.md)" in pages[process_id].markdown


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_the_html_is_a_standalone_english_page_with_the_svg_inline_and_no_script(pages, process_id):
    reader = read_html(pages[process_id].html)
    assert pages[process_id].html.startswith("<!DOCTYPE html>")
    tags = [tag for tag, _ in reader.tags]
    assert reader.tags[0] == ("html", {"lang": "en"})
    assert tags.count("svg") == 1 and "title" in tags and "style" in tags and "table" in tags
    assert "script" not in tags and "link" not in tags
    assert not [name for _, attrs in reader.tags for name in attrs if name.startswith("on")]
    sources = [attrs.get("src") for _, attrs in reader.tags if "src" in attrs]
    assert sources == []


def test_the_typical_case_and_the_facts_it_assumes_are_stated_on_every_page(pages, library):
    for process_id, page in pages.items():
        shown = shown_markdown(page.markdown)
        assert "The case starts Mon 4 Jan 2027 09:00 (London time)." in shown
        assert "Every stage is done on its due date" in shown
        process = library.processes[process_id]
        anchors = {stage.due.from_.ref for stage in process.stages.values() if stage.due.from_.kind == "fact"}
        for name in anchors:
            if process.facts[name].type.value in ("date", "datetime"):
                assert f"({name}) is taken to be Mon 4 Jan 2027" in shown


def test_decisions_the_typical_case_takes_are_stated(pages, library, config):
    process = library.processes["rapid-review"]
    projection = typical_projection(config, process)
    assert projection.decisions == {"dsp-decision": "cspr"}
    shown = shown_markdown(pages["rapid-review"].markdown)
    label = process.stages["dsp-decision"].decision.options["cspr"].label
    assert f"'{process.stages['dsp-decision'].title}' decides '{label}' (cspr), its first option." in shown
    # The process a decision starts is linked, when the catalogue has its page.
    assert "](cspr.md)" in pages["rapid-review"].markdown
    assert 'href="cspr.html"' in pages["rapid-review"].html


def test_stages_the_typical_case_never_opens_are_named(pages, library, config):
    process = library.processes["professional-escalation"]
    opened = set(opened_stages(typical_projection(config, process)))
    unopened = [stage.title for stage_id, stage in process.stages.items() if stage_id not in opened]
    assert unopened, "the escalation policy's first option resolves it at stage 1"
    assert "Not reached in this case: " + "; ".join(unopened) in shown_markdown(pages[process.id].markdown)


def test_the_catalogue_is_the_same_each_time_it_is_built(config, library, pages):
    again = catalogue_files(catalogue_pages(config, library))
    assert again == catalogue_files(list(pages.values()))


def test_the_index_lists_every_process_with_its_first_sentence_and_links(pages, library):
    files = catalogue_files(list(pages.values()))
    assert sorted(files) == sorted(
        [f"{process_id}.{kind}" for process_id in pages for kind in ("md", "html", "svg")] + ["index.md", "index.html"]
    )
    index_md, index_html = shown_markdown(files["index.md"]), read_html(files["index.html"])
    linked = {attrs["href"] for tag, attrs in index_html.tags if tag == "a"}
    for process_id, process in library.processes.items():
        first = " ".join(process.description.split()).split(". ")[0]
        assert first in index_md and first in index_html.text
        assert process.title in index_md and process.title in index_html.text
        assert f"]({process_id}.md)" in files["index.md"] and f"]({process_id}.html)" in files["index.md"]
        assert {f"{process_id}.html", f"{process_id}.md", f"{process_id}.svg"} <= linked
