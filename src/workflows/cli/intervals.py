"""Short intervals for operators' options (`--sweep-every 10s`): how often something runs, not a legal date."""

from __future__ import annotations

import re
from datetime import timedelta

import click

_INTERVAL = re.compile(r"^\s*(?P<amount>[0-9]{1,6})\s*(?P<unit>s|m|h)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}
SHORTEST = timedelta(seconds=5)
LONGEST = timedelta(hours=24)


def parse_interval(text: str) -> timedelta:
    match = _INTERVAL.match(text)
    if not match:
        raise ValueError(f"cannot read interval {text!r}: write a number and s, m or h, e.g. 30s, 1m")
    interval = timedelta(seconds=int(match["amount"]) * _SECONDS[match["unit"]])
    if not SHORTEST <= interval <= LONGEST:
        raise ValueError(f"interval {text!r} must be between 5s and 24h")
    return interval


class IntervalType(click.ParamType):
    name = "interval"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_interval(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)
