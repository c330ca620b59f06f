"""Keys made from names: lower-case letters and digits, with one dash for each run of anything else. Prefect's
artifact keys allow nothing more, and two case references with the same key are one case's."""

from __future__ import annotations

import re

_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")


def key_of(text: str) -> str:
    return _NOT_LETTER_OR_DIGIT.sub("-", text.lower()).strip("-")
