"""Values in a terminal: one line each, whatever they hold. A line end, a tab, an escape sequence or a
bidirectional control is shown as its escape (`\\n`, `\\x1b`, `\\u202e`), never acted on: an entry of `history`
stays one line, and no reason can forge another entry, colour the screen or reverse what follows it."""

from __future__ import annotations

from workflows.text.plain import UNSEEN

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(character: str) -> str:
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(value: object) -> str:
    """`value` for a terminal: every character a terminal would act on written as its escape, and a backslash
    doubled so that an escape written by us cannot be forged."""
    text = "-" if value is None else str(value)
    return UNSEEN.sub(lambda found: _visible(found.group()), text.replace("\\", "\\\\"))
