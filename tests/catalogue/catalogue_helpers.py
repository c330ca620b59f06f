"""Reading what the catalogue wrote as its readers do: HTML through a parser, Markdown without its escapes."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROCESSES = REPO / "processes"
SHIPPED_IDS = sorted(path.stem for path in PROCESSES.glob("*.yaml"))

# Elements HTML never closes: every other one the pages open must be closed, in order.
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
# Elements a browser shows apart from their neighbours: their text never runs into the next one's.
BLOCKS = frozenset(
    {"caption", "dd", "div", "dt", "figure", "h1", "h2", "h3", "li", "p", "td", "th", "title", "tr", "text", "desc"}
)


class PageReader(HTMLParser):
    """Reads an HTML page as a browser would, and records what a test needs: the tags opened (every one closed in
    order, or `problems` says which was not), their attributes, and the text shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in BLOCKS:
            self.texts.append(" ")
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))  # <rect .../> inside the SVG: opened and closed at once

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.texts.append(" ")
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.texts).split())


def read_html(page: str) -> PageReader:
    reader = PageReader()
    reader.feed(page)
    reader.close()
    assert not reader.problems, reader.problems
    assert not reader.open, f"never closed: {reader.open}"
    return reader


def shown_markdown(text: str) -> str:
    """Markdown as its reader sees the words: backslash escapes and code-span backticks removed, spaces folded."""
    return " ".join(text.replace("\\", "").replace("`", "").split())
