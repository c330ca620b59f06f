"""A JSON array written as its values come: the same text as `click.echo(json.dumps(values, indent=2))`, without
holding every value (or the whole text) at once."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

# Values encoded together: json.dumps with an indent is pure Python and costs a fixed setup per call, a third of
# the work for one small object each; a batch of 500 objects is well under a megabyte.
BATCH = 500


def write_json_array(values: Iterable[Any], out: IO[str], batch: int = BATCH) -> int:
    """Write `values` to `out` as one JSON array, indented by 2 like json.dumps(list(values), indent=2), then a
    newline, holding at most `batch` values at a time; how many values were written."""
    count = 0
    pending: list[Any] = []
    for value in values:
        pending.append(value)
        if len(pending) == batch:
            _write_batch(pending, out, first=count == 0)
            count += len(pending)
            pending.clear()
    if pending:
        _write_batch(pending, out, first=count == 0)
        count += len(pending)
    out.write("\n]\n" if count else "[]\n")
    return count


def _write_batch(values: list[Any], out: IO[str], first: bool) -> None:
    # json.dumps(values, indent=2) is "[\n" + the values, each line indented as in the whole array + "\n]": the
    # inside of a batch is the text of its part of the whole array.
    inside = json.dumps(values, indent=2)[2:-2]
    out.write(("[\n" if first else ",\n") + inside)
