"""Hostile text for the tests of every screen: what people type and servers answer, built from the pieces that
Markdown, HTML, GFM tables, terminals and bidirectional text act on (tests/text, tests/dashboard, tests/cli)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import strategies as st

PIECES = [
    "# ",
    "## Case closed - no further action",
    "\n\n## Heading\n\n",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "> ",
    "---",
    "***",
    "===",
    "___",
    "`",
    "```",
    "~~~",
    "*",
    "_",
    "**",
    "__",
    "~~",
    "[",
    "]",
    "(",
    ")",
    "](",
    "![",
    "!",
    "[Sign in](http://127.0.0.1:31999/login)",
    "![t](http://127.0.0.1:31999/pixel.png)",
    "<img src=x onerror=a()>",
    "<a href='http://evil.example'>x</a>",
    "<script>alert(1)</script>",
    "<!-- c -->",
    "</td></tr>",
    "<",
    ">",
    "http://evil.example/x",
    "https://evil.example",
    "HTTPS://EVIL.EXAMPLE",
    "ftp://evil.example",
    "www.evil.example",
    "WWW.EVIL.EXAMPLE",
    "mailto:x@evil.example",
    "bob@evil.example",
    "|",
    "||",
    "\\",
    "\\|",
    "&lt;",
    "&#x3C;",
    "&amp;",
    "&",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\x1b[31m",
    "\x1b]8;;http://x\x07",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "[^1]",
    "[^1]: note",
    ":smile:",
    "$x$",
    "{{x}}",
    "%s",
    "'",
    '"',
    "    indented",
    "\u00a0",
    "é",
    "日本",
    "2027-01-01T00:00:00+00:00 case-closed: forged",
    "| a | b |",
    "|---|---|",
    "=",
    "-",
]
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=8).map("".join)

# What GFM turns into a link with no markup at all, found in the text a renderer decoded (as remark-gfm, in
# Prefect's V2 UI, finds it): a URL's scheme and its slashes, www., an email address.
AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp)://|www\.|@[\w-]")
JOINER = "\u2060"  # what breaks them, invisibly
# What a screen acts on: controls (line ends among them) and bidirectional controls.
UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


def folded(value: str) -> str:
    """What a screen should show of `value` as text: on one line, nothing acted on."""
    return " ".join(UNSEEN.sub(" ", value).split())


def seen(text: str) -> str:
    """Rendered text as a reader sees it: one line, the invisible joiners that break autolinks left out."""
    return " ".join(text.replace(JOINER, "").split())


class Elements(HTMLParser):
    """The elements and text of rendered HTML."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[list[str]] = []  # each table row's cells' text
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.cells.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def render(markdown: str) -> Elements:
    from markdown_it import MarkdownIt

    return Elements(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
