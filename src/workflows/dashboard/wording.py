"""Short wording for narrow views: titles and names cut to a width, lateness and delivery problems in a few words."""

from __future__ import annotations

import re

ELLIPSIS = "…"

# Abbreviations DSPs use themselves, tried only when a title is too long for its column.
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("delegated safeguarding partner", "DSP"),
    ("child protection", "CP"),
    ("designated safeguarding lead", "DSL"),
    ("integrated care board", "ICB"),
    ("child death overview panel", "CDOP"),
    ("NHS foundation trust", "NHS FT"),
    ("quality assurance", "QA"),
    ("local authority", "LA"),
)

_TRAILING_BRACKETS = re.compile(r"\s*\([^()]*\)$")


def abbreviate(text: str, width: int) -> str:
    """Abbreviate phrase by phrase, in order, until the text fits `width` (or no abbreviation is left)."""
    for phrase, short in ABBREVIATIONS:
        if len(text) <= width:
            break
        text = re.sub(rf"\b{re.escape(phrase)}\b", short, text, flags=re.IGNORECASE)
    return text


def cut(text: str, width: int) -> str:
    """At most `width` characters, cut at a word boundary and ended with an ellipsis."""
    if len(text) <= width:
        return text
    keep = width - len(ELLIPSIS)
    head = text[: keep + 1]
    words = head.rsplit(" ", 1)[0].rstrip(" ,:;-") if " " in head else ""
    if len(words) < keep // 2:
        words = text[:keep].rstrip(" ,:;-")  # one long word: a cut inside it says more than the stub left
    return words + ELLIPSIS


def shorten(text: str, width: int) -> str:
    """Fit a title or name to `width`: abbreviate, then drop a closing aside in brackets, then cut."""
    if len(text) <= width:
        return text
    text = abbreviate(text, width)
    if len(text) > width:
        text = _TRAILING_BRACKETS.sub("", text) or text
    return cut(text, width)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def lateness(working_days_overdue: int, at_risk: bool) -> str:
    """How late: "3 working days", "< 1 working day" (no working day has ended since), or "at risk" (not due yet)."""
    if at_risk:
        return "at risk"
    if working_days_overdue == 0:
        return "< 1 working day"
    return plural(working_days_overdue, "working day")


def delivery_trouble(undelivered: int) -> str:
    return f"{undelivered} undelivered" if undelivered else ""
