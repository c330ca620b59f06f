"""Complementary suppression for `--public`: no hidden small count can be worked out from what is shown.

Primary suppression (disclosure.py) hides each small count and what rests on it. A reader can still subtract: a
process's "All stages" row is the sum of its stage rows, so one hidden stage is the total less the others; those
late are the completed less those within the timescale; a percentage times the completed is those within. Here
every such relation of a table is an equation, the shown figures are known, and whatever the equations then give is
worked out, as a reader would; while any small count (shown or hidden as such) can be worked out, one more figure
of the equation that gave it is withheld: the smallest count shown there, else its percentage. Each pass hides one
more figure, so it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from workflows.reporting.disclosure import WITHHELD, Disclosure

Value = int | float | str | None
# A figure of a table: (row, column key); a number no table shows (those late in a row) has the key "late".
Cell = tuple[int, str]
LATE = "late"


@dataclass(frozen=True, slots=True)
class Relations:
    """Which columns of a table add up (a group's first row is the sum of the rest) and which make a rate."""

    additive: tuple[str, ...]  # count columns whose group total is the sum of its parts
    completed: str
    within: str
    percent: str


def _equations(
    rows: list[dict[str, Value]], groups: list[list[int]], relations: Relations
) -> list[dict[Cell, Fraction]]:
    """Each relation as {cell: coefficient}, summing to zero."""
    equations: list[dict[Cell, Fraction]] = []
    for row in range(len(rows)):
        # within + late - completed = 0
        equations.append(
            {(row, relations.within): Fraction(1), (row, LATE): Fraction(1), (row, relations.completed): Fraction(-1)}
        )
    for group in groups:
        total, parts = group[0], group[1:]
        if not parts:
            continue
        for key in (*relations.additive, LATE):
            equation = {(total, key): Fraction(1)}
            for part in parts:
                equation[(part, key)] = equation.get((part, key), Fraction(0)) - 1
            equations.append(equation)
    return equations


def _percent_equations(rows: list[dict[str, Value]], relations: Relations) -> Iterator[dict[Cell, Fraction]]:
    """A shown rate p: within - p * completed = 0."""
    for row, record in enumerate(rows):
        rate = record.get(relations.percent)
        if isinstance(rate, float | int) and not isinstance(rate, bool):
            share = Fraction(rate).limit_denominator(10_000)
            # The rate itself stands in the equation (weight 0) so that it can be the figure withheld.
            yield {
                (row, relations.within): Fraction(1),
                (row, relations.completed): -share,
                (row, relations.percent): Fraction(0),
            }


def known(
    rows: list[dict[str, Value]], equations: list[dict[Cell, Fraction]]
) -> tuple[dict[Cell, Fraction], dict[Cell, int]]:
    """Every figure a reader can work out: those shown, then whatever an equation with one unknown left gives; and,
    for each figure worked out, the equation that gave it."""
    found: dict[Cell, Fraction] = {}
    for row, record in enumerate(rows):
        for key, value in record.items():
            if isinstance(value, int) and not isinstance(value, bool):
                found[(row, key)] = Fraction(value)
    given_by: dict[Cell, int] = {}
    changed = True
    while changed:
        changed = False
        for number, equation in enumerate(equations):
            unknown = [cell for cell, weight in equation.items() if weight and cell not in found]
            if len(unknown) != 1:
                continue
            (cell,) = unknown
            rest = sum(
                (weight * found[other] for other, weight in equation.items() if other != cell and weight), Fraction(0)
            )
            found[cell] = -rest / equation[cell]
            given_by[cell] = number
            changed = True
    return found, given_by


def protect(
    shown: list[dict[str, Value]],
    truth: list[dict[str, Value]],
    groups: list[list[int]],
    relations: Relations,
    disclosure: Disclosure,
    counts: frozenset[str],
) -> list[dict[str, Value]]:
    """`shown` (primary suppression done) with more figures withheld until no small count of `truth` (a column of
    `counts`, or those late) can be worked out from it."""
    if not disclosure.public:
        return shown
    shown = [dict(record) for record in shown]
    small = {
        (row, key)
        for row, record in enumerate(truth)
        for key, value in [*record.items(), (LATE, _late(record, relations))]
        if (key in counts or key == LATE) and isinstance(value, int) and disclosure.small(value)
    }
    base = _equations(shown, groups, relations)
    while True:
        _rates_with_their_counts(shown, relations)
        equations = [*base, *_percent_equations(shown, relations)]
        found, given_by = known(shown, equations)
        leaked = sorted(cell for cell in small if cell in found)
        if not leaked:
            return shown
        withheld = _one_more(shown, equations, found, given_by, leaked[0], relations)
        row, key = withheld
        shown[row][key] = WITHHELD


def _rates_with_their_counts(shown: list[dict[str, Value]], relations: Relations) -> None:
    """A rate is shown only beside both its counts: a withheld count is not given back by its rate."""
    for record in shown:
        both = _number(record.get(relations.completed)) and _number(record.get(relations.within))
        if not both and record.get(relations.percent) is not None:
            record[relations.percent] = WITHHELD


def _number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _late(record: dict[str, Value], relations: Relations) -> Value:
    completed, within = record.get(relations.completed), record.get(relations.within)
    if isinstance(completed, int) and isinstance(within, int):
        return completed - within
    return None


def _one_more(
    shown: list[dict[str, Value]],
    equations: list[dict[Cell, Fraction]],
    found: dict[Cell, Fraction],
    given_by: dict[Cell, int],
    leaked: Cell,
    relations: Relations,
) -> Cell:
    """A shown figure whose withholding breaks the chain of equations that gave `leaked` away: in the equation that
    gave it, the smallest count shown, else its rate; failing those, the same for the figures that equation used."""
    seen: set[Cell] = set()
    waiting = [leaked]
    while waiting:
        cell = waiting.pop(0)
        if cell in seen or cell not in given_by:
            continue
        seen.add(cell)
        equation = equations[given_by[cell]]
        shown_here = [other for other in equation if other != cell and _is_shown(shown, other)]
        counts = sorted(
            (other for other in shown_here if other[1] != relations.percent),
            key=lambda other: (found.get(other, Fraction(0)) == 0, found.get(other, Fraction(0))),
        )
        if counts:
            return counts[0]
        rates = [other for other in shown_here if other[1] == relations.percent]
        if rates:
            return rates[0]
        waiting += [other for other, weight in equation.items() if other != cell and weight and other in given_by]
    raise AssertionError(f"nothing shown gives {leaked} away")


def _is_shown(shown: list[dict[str, Value]], cell: Cell) -> bool:
    row, key = cell
    value = shown[row].get(key) if key != LATE else None
    return isinstance(value, int | float) and not isinstance(value, bool)
