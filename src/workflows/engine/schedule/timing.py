"""When a stage is due, and when its reminders and escalation steps fall: pure date arithmetic.

Shared by the simulation and the engine, so a projected timeline and a running case agree.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from workflows.calendar.counting import Counting
from workflows.calendar.deadlines import Deadline, add_months, anchor_day, anchor_instant
from workflows.calendar.durations import Duration, Unit
from workflows.calendar.london import hours_later, london_wall_time, to_london
from workflows.calendar.rules import TimingRules
from workflows.definitions.model import EscalationStep, Stage

# A stage overdue for this many reminders has a problem no further reminder will solve.
MAX_OVERDUE_REMINDERS = 100


def stage_deadline(stage: Stage, anchor: date | datetime, rules: TimingRules) -> Deadline:
    """When a stage is due, from the value of its anchor, by its rule: `in`, `before` or `by`."""
    due = stage.due
    if due.by is not None:
        day = due.by.on_or_after(anchor_day(anchor))
        return Deadline(london_wall_time(day, rules.day_ends_at), day)
    if due.before is not None:
        if due.before.is_elapsed_time:
            return Deadline(hours_later(anchor_instant(anchor), -due.before.amount), None)
        day = _shift_day(rules, anchor_day(anchor), due.before, -1)
        return Deadline(london_wall_time(day, rules.day_ends_at), day)
    assert due.in_ is not None
    return rules.deadline(due.in_, anchor, stage.counting)


def _shift_day(rules: TimingRules, day: date, amount: Duration, sign: int) -> date:
    match amount.unit:
        case Unit.WORKING_DAYS:
            if sign > 0:
                return rules.calendar.add_working_days(day, amount.amount, Counting.NEXT_WORKING_DAY)
            return rules.calendar.subtract_working_days(day, amount.amount)
        case Unit.CALENDAR_DAYS:
            return day + timedelta(days=sign * amount.amount)
        case Unit.WEEKS:
            return day + timedelta(weeks=sign * amount.amount)
        case Unit.MONTHS:
            return add_months(day, sign * amount.amount)
        case _:
            return add_months(day, sign * 12 * amount.amount)


def offset_from(deadline: Deadline, amount: Duration, rules: TimingRules, *, sign: int, at: time) -> datetime:
    """`amount` after (sign=1) or before (sign=-1) a deadline; day units land at wall time `at`."""
    if amount.unit is Unit.HOURS:
        return hours_later(deadline.at, sign * amount.amount)
    base = deadline.day or to_london(deadline.at).date()
    return london_wall_time(_shift_day(rules, base, amount, sign), at)


def overdue_reminder_time(stage: Stage, deadline: Deadline, rules: TimingRules, number: int) -> datetime | None:
    """The `number`-th (1-based) overdue notice, or None past the last.

    Every overdue item gets a first notice: at the start of the next working day for day-based deadlines,
    at once for hour-based ones. `overdue_every` repeats it.
    """
    if number < 1 or number > MAX_OVERDUE_REMINDERS:
        return None
    if deadline.day is None:
        first = deadline.at
    else:
        first = london_wall_time(rules.calendar.next_working_day(deadline.day), rules.day_starts_at)
    if number == 1:
        return first
    every = stage.reminders.overdue_every
    if every is None:
        return None
    if every.unit is Unit.HOURS:
        return hours_later(first, every.amount * (number - 1))
    base = Deadline(at=first, day=first.date())
    return offset_from(base, Duration(every.amount * (number - 1), every.unit), rules, sign=1, at=rules.day_starts_at)


def escalation_time(step: EscalationStep, deadline: Deadline, rules: TimingRules) -> datetime:
    """Overdue by `step.after`: the end of that many working days after the due day (or exact hours)."""
    return offset_from(deadline, step.after, rules, sign=1, at=rules.day_ends_at)


class MomentKind(StrEnum):
    REMINDER = "reminder"  # ahead of the deadline
    DUE_TODAY = "due-today"  # the morning of the due day
    DUE = "due"  # the deadline passes: the item is overdue from now
    OVERDUE = "overdue"  # overdue notices, the first the next working morning
    ESCALATION = "escalation"  # a step of the escalation ladder
    ADVANCE = "advance"  # escalation policy: unresolved at the deadline, the case moves on


@dataclass(frozen=True, slots=True)
class Moment:
    at: datetime
    kind: MomentKind
    number: int  # which reminder, overdue notice or escalation step (1-based)


def _overdue_moments(stage: Stage, deadline: Deadline, rules: TimingRules) -> Iterator[Moment]:
    for number in itertools.count(1):
        moment = overdue_reminder_time(stage, deadline, rules, number)
        if moment is None:
            return
        yield Moment(moment, MomentKind.OVERDUE, number)


def share_reminder_time(share: float, window_start: datetime, deadline: Deadline, rules: TimingRules) -> datetime:
    """When `share` of the time allowed (from the anchor to the deadline, elapsed) has passed; for a day-based
    deadline, the start of the first working day at or after that moment (reminders go out in the morning)."""
    moment = to_london(window_start + (deadline.at - window_start) * share)
    if deadline.day is None:
        return moment
    morning = london_wall_time(moment.date(), rules.day_starts_at)
    if morning < moment or not rules.calendar.is_working_day(moment.date()):
        morning = london_wall_time(rules.calendar.next_working_day(moment.date()), rules.day_starts_at)
    return morning


def moments(
    stage: Stage, deadline: Deadline, rules: TimingRules, window_start: datetime | None = None
) -> Iterator[Moment]:
    """Every timed event of an open stage or task, in time order (lazily: overdue notices repeat).

    `window_start` (the anchor's instant) places the reminders given as a share of the time allowed.
    """
    if not stage.reminders.at_share:
        window_start = None  # it places nothing: items differing only in it share their moments
    key = (id(stage), *_exactly(deadline.at), deadline.day, deadline.skipped, rules, *_exactly(window_start))
    known = _known_moments()
    sequence = known.get(key)
    if sequence is None or sequence.stage is not stage or sequence.failed:
        if len(known) >= _MEMO_LIMIT:
            known.clear()
        sequence = known[key] = _Sequence(stage, _moments(stage, deadline, rules, window_start))
    return iter(sequence)


# Many items share a stage definition and a deadline (every task of a case; every case due the same day): their
# moments are worked out once, as far as anyone has read them, and kept per thread (a generator must not run
# in two threads at once).
_MEMO_LIMIT = 20_000
_memo = threading.local()


def _known_moments() -> dict[tuple[object, ...], _Sequence]:
    known = getattr(_memo, "moments", None)
    if known is None:
        known = _memo.moments = {}
    return known


def _exactly(moment: datetime | None) -> tuple[object, ...]:
    """A datetime as a key that tells apart equal instants written in other zones (or folds): the moments
    computed from it are written in its zone, and must be the same as if computed afresh."""
    return (moment, None if moment is None else moment.tzinfo, None if moment is None else moment.fold)


class _Sequence:
    """A lazily computed sequence of moments, kept as far as it has been read. It holds its stage: the memo's
    key names the stage by id, which a later stage could reuse once this one is gone."""

    __slots__ = ("_seen", "_source", "failed", "stage")

    def __init__(self, stage: Stage, source: Iterator[Moment]) -> None:
        self.stage = stage
        self._source = source
        self._seen: list[Moment] = []
        self.failed = False  # its source raised (a date outside the calendar): it ends there, so it is not reused

    def __iter__(self) -> Iterator[Moment]:
        index = 0
        while True:
            if index == len(self._seen):
                try:
                    moment = next(self._source, None)
                except Exception:
                    self.failed = True
                    raise
                if moment is None:
                    return
                self._seen.append(moment)
            yield self._seen[index]
            index += 1


def _moments(stage: Stage, deadline: Deadline, rules: TimingRules, window_start: datetime | None) -> Iterator[Moment]:
    ahead = [
        Moment(offset_from(deadline, before, rules, sign=-1, at=rules.day_starts_at), MomentKind.REMINDER, number)
        for number, before in enumerate(stage.reminders.before, 1)
    ]
    if window_start is not None:
        first = len(stage.reminders.before) + 1
        ahead += [
            Moment(share_reminder_time(share, window_start, deadline, rules), MomentKind.REMINDER, number)
            for number, share in enumerate(stage.reminders.at_share, first)
            if window_start < deadline.at
        ]
    if stage.reminders.on_due_day:
        due_day = deadline.day or to_london(deadline.at).date()
        morning = london_wall_time(due_day, rules.day_starts_at)
        if morning < deadline.at:
            ahead.append(Moment(morning, MomentKind.DUE_TODAY, 1))
    ahead = sorted({(m.at, m.kind, m.number): m for m in ahead if m.at < deadline.at}.values(), key=lambda m: m.at)
    yield from ahead
    if stage.decision and stage.decision.when_unresolved:
        yield Moment(deadline.at, MomentKind.ADVANCE, 1)
        return
    yield Moment(deadline.at, MomentKind.DUE, 1)
    ladder = [
        Moment(escalation_time(step, deadline, rules), MomentKind.ESCALATION, number)
        for number, step in enumerate(stage.escalation, 1)
    ]
    yield from heapq.merge(ladder, _overdue_moments(stage, deadline, rules), key=lambda m: m.at)


def next_moment(
    stage: Stage, deadline: Deadline, rules: TimingRules, after: datetime, window_start: datetime | None = None
) -> Moment | None:
    return next((m for m in moments(stage, deadline, rules, window_start) if m.at > after), None)
