"""Suggest the names a misspelt one was probably meant to be."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# difflib's similarity ratio a suggestion needs: one slip in a name of four or more letters still passes.
_CLOSE_ENOUGH = 0.6
_MOST = 3


def close_names(name: str, known: Iterable[str]) -> list[str]:
    """Up to three known names nearest to `name`, nearest first; none when nothing is close."""
    candidates = sorted({str(candidate) for candidate in known} - {name})
    return difflib.get_close_matches(name, candidates, n=_MOST, cutoff=_CLOSE_ENOUGH)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the nearest known names, or '' when none is close enough."""
    names = [repr(candidate) for candidate in close_names(name, known)]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"
