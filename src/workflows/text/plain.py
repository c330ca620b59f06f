"""The characters no screen should act on: line ends and other controls, and the bidirectional controls that can
make text read in another order than it is stored (a reason that shows one thing and says another)."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL (line ends among them), the line and paragraph separators, and the Unicode
# bidirectional embeddings, overrides, isolates and marks.
UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters no XML or HTML page may hold even as a reference.
NOT_IN_XML = re.compile("[\ufffe\uffff]")


def one_line(value: object) -> str:
    """`value` as one line of text with nothing a screen acts on: every control and bidirectional control becomes a
    space, runs of white space one space, and no space at either end."""
    return " ".join(NOT_IN_XML.sub(" ", UNSEEN.sub(" ", str(value))).split())
