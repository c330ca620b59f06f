"""One catalogue page per library process, in every form it is published in, and the files of a catalogue
folder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from workflows.catalogue.html_page import html_page
from workflows.catalogue.index_page import index_html, index_markdown
from workflows.catalogue.markdown_page import markdown_page
from workflows.catalogue.sheet import process_sheet
from workflows.catalogue.timeline_svg import timeline_svg
from workflows.catalogue.typical_case import TYPICAL_START, typical_case
from workflows.catalogue.wording import first_sentence
from workflows.config.loader import BUILT_IN_CALENDAR, Config
from workflows.definitions.library import Library
from workflows.definitions.model import Process

ARTIFACT_PREFIX = "process-"


@dataclass(frozen=True, slots=True)
class CataloguePage:
    process_id: str
    title: str
    summary: str  # the first sentence of its purpose, for the index
    markdown: str  # <id>.md: with the timeline image, the Mermaid gantt and links to the other pages
    html: str  # <id>.html: standalone, the SVG inline
    svg: str  # <id>.svg
    prefect_markdown: str  # the Prefect artifact: the timeline as a data: image and a table, no Mermaid or link

    @property
    def artifact_key(self) -> str:
        """The key of the Prefect markdown artifact publishing this page."""
        return f"{ARTIFACT_PREFIX}{self.process_id}"


def _calendar(config: Config, process: Process) -> tuple[str, str]:
    """The process's calendar: its name, and what it counts out."""
    name = config.calendar_of(process)
    if name == BUILT_IN_CALENDAR:
        return name, "weekends and the England & Wales bank holidays are not working days"
    described = config.calendar_settings.calendars[name].description
    return name, " ".join((described or "weekends, bank holidays and its closure days are not working days").split())


def catalogue_page(
    config: Config, library: Library, process_id: str, start: date | datetime = TYPICAL_START
) -> CataloguePage:
    """The page of one library process; its typical case starts at `start` (CalendarRangeError when its
    timeline runs off the calendar)."""
    process = library.get(process_id)
    rules = config.timing_rules(process)
    titles = {known_id: known.title for known_id, known in library.processes.items()}
    sheet = process_sheet(
        process,
        library.texts[process_id],
        typical_case(process, rules, start),
        config.directory.roles,
        titles,
        _calendar(config, process),
        config.partnership.extension_limit,
    )
    svg = timeline_svg(sheet)
    return CataloguePage(
        process_id=process.id,
        title=process.title,
        summary=first_sentence(process.description),
        markdown=markdown_page(sheet, diagram=True, links=True),
        html=html_page(sheet, svg, links=True),
        svg=svg,
        prefect_markdown=markdown_page(sheet, diagram=False, links=False, embedded_svg=svg),
    )


def catalogue_pages(config: Config, library: Library, start: date | datetime = TYPICAL_START) -> list[CataloguePage]:
    """A page for every process of the library (its sound ones: see `library.broken` for those left out), by
    process id."""
    return [catalogue_page(config, library, process_id, start) for process_id in sorted(library.processes)]


def catalogue_files(pages: Sequence[CataloguePage], left_out: Sequence[str] = ()) -> dict[str, str]:
    """The catalogue folder's files by name, the index last: three per page, and index.md and index.html (which
    name the processes `left_out`)."""
    files: dict[str, str] = {}
    for page in pages:
        files[f"{page.process_id}.md"] = page.markdown
        files[f"{page.process_id}.html"] = page.html
        files[f"{page.process_id}.svg"] = page.svg
    files["index.md"] = index_markdown(pages, left_out)
    files["index.html"] = index_html(pages, left_out)
    return files
