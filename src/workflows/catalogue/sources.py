"""The source tags in a definition's comments: which facts are national, the partnership's own, varying between
partnerships, or unverified.

A definition file opens with a block of comments whose notes are tagged, e.g.

    # Sources (see shared domain reference):
    # - [national] Working Together to Safeguard Children 2023, ch. 5: ...
    #   continued on an indented line.
    # Clock start [varies]: from the notification (most common) ...

and single values carry inline tags (`due: {in: 12 weeks}   # [varies]`). Only comments are read: a tag-like
word in a value (`after: [launch]`) is no source.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

TAGS = ("national", "partnership", "varies", "unverified")

_TAG = re.compile(r"\[(" + "|".join(TAGS) + r")\]")
_LEADING_TAGS = re.compile(r"^(?:\s*\[(?:" + "|".join(TAGS) + r")\])+\s*")
# "Sources (see shared domain reference):" introduces the notes: not part of the first one.
_SOURCES_HEADING = re.compile(r"^Sources\b[^:]*:\s*")
# A comment starts at a `#` opening the line or following a space (a `#` inside a word, e.g. a URL, does not).
_COMMENT = re.compile(r"(?:^|\s)#(.*)$")
_SENTENCE_END = (".", "!", "?")


@dataclass(frozen=True, slots=True)
class SourceNote:
    """One note of the header: its tags, in the order written, and its text without the leading ones."""

    tags: tuple[str, ...]
    text: str


def header_comment_lines(text: str) -> list[str]:
    """The comment lines the file opens with (their text after `#`), up to its first line of YAML."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        lines.append(stripped[1:])
    return lines


def _notes(lines: list[str]) -> list[str]:
    """The header's lines joined into notes: a `- ` item with its indented continuation lines, or a free
    sentence running over several lines until one ends it."""
    notes: list[str] = []
    for line in lines:
        body = line.strip()
        if not body:
            continue
        starts_item = body.startswith("- ")
        continues_item = line.startswith("   ") and not starts_item  # "#   " under "# - "
        continues_sentence = bool(notes) and not notes[-1].endswith(_SENTENCE_END) and not starts_item
        if notes and (continues_item or continues_sentence):
            notes[-1] = f"{notes[-1]} {body}"
        else:
            notes.append(body[2:] if starts_item else body)
    return notes


def source_notes(text: str) -> list[SourceNote]:
    """The header's tagged notes, in file order."""
    notes = []
    for note in _notes(header_comment_lines(text)):
        tags = tuple(dict.fromkeys(_TAG.findall(note)))
        if not tags:
            continue
        body = _LEADING_TAGS.sub("", _SOURCES_HEADING.sub("", note)).strip()
        notes.append(SourceNote(tags, body))
    return notes


def comment_of(line: str) -> str | None:
    """A line's comment text, if it has one. Good enough for definitions: a quoted value holding " #" would be
    misread, and the shipped files have none."""
    match = _COMMENT.search(line)
    return match[1].strip() if match else None


def tag_counts(text: str) -> dict[str, int]:
    """How often each tag is written in the file's comments (every tag, zero included, in TAGS order)."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        comment = comment_of(line)
        if comment:
            found.update(_TAG.findall(comment))
    return {tag: found[tag] for tag in TAGS}


def tagged_comment_on_line(text: str, line_number: int) -> str | None:
    """The comment on a line (1-based) when it carries a tag: e.g. the `# [varies] about day 10` beside a due
    rule."""
    lines = text.splitlines()
    if not 1 <= line_number <= len(lines):
        return None
    comment = comment_of(lines[line_number - 1])
    return comment if comment and _TAG.search(comment) else None
