"""The typical case as an SVG timeline: one row per stage the case opens, its bar from opening to due, markers
for reminders, the deadline and the escalation ladder that would follow were it still open, dates along the axis.

Hand-written SVG: plain shapes and text with a <title> each, no script, no external reference, and the same
bytes every time for the same definition (coordinates rounded, nothing dated by the build).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from workflows.calendar.london import london_wall_time, to_london
from workflows.catalogue.escaping import markup
from workflows.catalogue.sheet import ProcessSheet, StageRow, moment_words
from workflows.catalogue.typical_case import StageSpan, TypicalCase

WIDTH = 960
CHART_LEFT = 300  # the stage labels sit left of it
CHART_RIGHT = WIDTH - 40
TOP = 64  # below the title and subtitle
ROW_HEIGHT = 38
BAR_HEIGHT = 14
LABEL_CHARACTERS = 44  # about what fits left of the chart at 12px
OWNER_CHARACTERS = 52  # at 10px

BLUE, BLACK, GREY, LIGHT, RED, SHADE = "#1d70b8", "#0b0c0c", "#505a5f", "#b1b4b6", "#d4351c", "#f3f2f1"
FONT = "Arial, Helvetica, sans-serif"

# The axis steps by day, week, month or quarter: whichever keeps the labels apart.
_DAILY_UP_TO = timedelta(days=12)
_WEEKLY_UP_TO = timedelta(days=80)
_MONTHLY_UP_TO = timedelta(days=500)
# Non-working days are shaded on short timelines, where a day is wide enough to see.
_SHADE_UP_TO = timedelta(days=80)


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class _Scale:
    start: datetime
    end: datetime

    def x(self, moment: datetime) -> float:
        share = (moment - self.start) / (self.end - self.start)
        return CHART_LEFT + share * (CHART_RIGHT - CHART_LEFT)


def _scale(typical: TypicalCase) -> _Scale:
    span = max(typical.ends - typical.started, timedelta(days=1))
    return _Scale(typical.started, typical.started + span * 1.03)  # a little room for the last marker


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _ticks(scale: _Scale) -> list[tuple[datetime, str]]:
    """Midnights along the axis, with their labels."""
    span = scale.end - scale.start
    first, last = to_london(scale.start).date() + timedelta(days=1), to_london(scale.end).date()
    ticks: list[tuple[date, str]] = []
    for day in _days(first, last):
        if span <= _DAILY_UP_TO:
            ticks.append((day, f"{day:%a} {day.day}"))
        elif span <= _WEEKLY_UP_TO and day.weekday() == 0:
            ticks.append((day, f"{day.day} {day:%b}"))
        elif span > _WEEKLY_UP_TO and day.day == 1:
            quarterly = span > _MONTHLY_UP_TO
            if quarterly and day.month % 3 != 1:
                continue
            with_year = not ticks or day.month == 1
            ticks.append((day, f"{day:%b} {day.year}" if with_year else f"{day:%b}"))
    return [(london_wall_time(day, time(0, 0)), label) for day, label in ticks]


def _text(x: float, y: float, content: str, *, size: int = 12, fill: str = BLACK, anchor: str = "start") -> str:
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" font-size="{size}" fill="{fill}" text-anchor="{anchor}">'
        f"{markup(content)}</text>"
    )


def _triangle(x: float, y: float, *, filled: bool, css_class: str, tip: str) -> str:
    points = f"{_number(x)},{_number(y - 6)} {_number(x + 5.5)},{_number(y + 4)} {_number(x - 5.5)},{_number(y + 4)}"
    fill = RED if filled else "#ffffff"
    return (
        f'<polygon class="{css_class}" points="{points}" fill="{fill}" stroke="{RED}" stroke-width="1.5">'
        f"<title>{markup(tip)}</title></polygon>"
    )


def _diamond(x: float, y: float, *, css_class: str, tip: str) -> str:
    points = " ".join(f"{_number(px)},{_number(py)}" for px, py in ((x, y - 6), (x + 5, y), (x, y + 6), (x - 5, y)))
    return f'<polygon class="{css_class}" points="{points}" fill="{BLACK}"><title>{markup(tip)}</title></polygon>'


def _shading(scale: _Scale, typical: TypicalCase, bottom: float) -> list[str]:
    if scale.end - scale.start > _SHADE_UP_TO:
        return []
    calendar = typical.rules.calendar
    shapes = []
    for day in _days(to_london(scale.start).date(), to_london(scale.end).date()):
        reason = calendar.non_working_reason(day)
        if reason is None:
            continue
        left = max(scale.x(london_wall_time(day, time(0, 0))), CHART_LEFT)
        right = min(scale.x(london_wall_time(day + timedelta(days=1), time(0, 0))), CHART_RIGHT)
        if right <= left:
            continue
        tip = f"{day:%a} {day.day} {day:%b %Y}: {reason}"
        shapes.append(
            f'<rect class="non-working-day" x="{_number(left)}" y="{TOP}" width="{_number(right - left)}" '
            f'height="{_number(bottom - TOP)}" fill="{SHADE}"><title>{markup(tip)}</title></rect>'
        )
    return shapes


def _row(scale: _Scale, span: StageSpan, stage: StageRow, top: float) -> list[str]:
    middle = top + ROW_HEIGHT / 2
    opened, due = scale.x(span.opened), scale.x(span.due)
    tip = f"{stage.title}: opens {moment_words(span.opened)}, due {moment_words(span.due)}; {stage.owner.shown}"
    shapes = [
        f'<g class="stage-row" data-stage="{markup(stage.stage_id)}">',
        f"<title>{markup(tip)}</title>",
        _text(12, middle - 2, _cut(stage.title, LABEL_CHARACTERS)),
        _text(12, middle + 12, _cut(stage.owner.shown, OWNER_CHARACTERS), size=10, fill=GREY),
    ]
    if span.ladder:
        last = scale.x(span.ladder[-1].at)
        shapes.append(
            f'<line x1="{_number(due)}" y1="{_number(middle)}" x2="{_number(last)}" y2="{_number(middle)}" '
            f'stroke="{RED}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    shapes.append(
        f'<rect class="stage-bar" data-stage="{markup(stage.stage_id)}" x="{_number(opened)}" '
        f'y="{_number(middle - BAR_HEIGHT / 2)}" width="{_number(max(due - opened, 2))}" height="{BAR_HEIGHT}" '
        f'rx="2" fill="{BLUE}"><title>{markup(tip)}</title></rect>'
    )
    for moment in span.reminders:
        shapes.append(
            f'<circle class="reminder" cx="{_number(scale.x(moment))}" cy="{_number(middle)}" r="3.5" fill="#ffffff" '
            f'stroke="{BLACK}" stroke-width="1.2"><title>{markup(f"Reminder, {moment_words(moment)}")}</title></circle>'
        )
    shapes.append(_diamond(due, middle, css_class="due", tip=f"Due {moment_words(span.due)}"))
    for event in span.escalations:
        tip = f"Escalation, {moment_words(event.at)}: {event.to or 'the next stage'}"
        shapes.append(_triangle(scale.x(event.at), middle, filled=True, css_class="escalation", tip=tip))
    previous_label: tuple[float, float] | None = None  # (x, y) of the last step number written
    for step, row in zip(span.ladder, stage.escalation, strict=False):
        x = scale.x(step.at)
        tip = f"If still open: {row.after}, {row.told.shown} told ({moment_words(step.at)})"
        shapes.append(_triangle(x, middle, filled=False, css_class="escalation-if-late", tip=tip))
        # Steps days apart on a long timeline nearly coincide: lift a number that would overwrite the last one.
        label_y = middle - 9
        if previous_label and x - previous_label[0] < 8 and previous_label[1] == label_y:
            label_y -= 8
        shapes.append(_text(x, label_y, str(step.number), size=9, fill=RED, anchor="middle"))
        previous_label = (x, label_y)
    shapes.append("</g>")
    return shapes


def _legend(y: float) -> list[str]:
    return [
        '<g class="legend" font-size="11">',
        f'<rect x="{CHART_LEFT}" y="{_number(y - 9)}" width="24" height="10" rx="2" fill="{BLUE}"/>',
        _text(CHART_LEFT + 30, y, "open until due", size=11),
        f'<circle cx="{CHART_LEFT + 140}" cy="{_number(y - 4)}" r="3.5" fill="#ffffff" stroke="{BLACK}" '
        'stroke-width="1.2"/>',
        _text(CHART_LEFT + 150, y, "reminder", size=11),
        _diamond(CHART_LEFT + 225, y - 4, css_class="legend-mark", tip="due"),
        _text(CHART_LEFT + 235, y, "due", size=11),
        _triangle(CHART_LEFT + 280, y - 4, filled=False, css_class="legend-mark", tip="escalation step"),
        _text(CHART_LEFT + 292, y, "escalation step N, were the stage still open", size=11),
        "</g>",
    ]


def timeline_svg(sheet: ProcessSheet) -> str:
    """The SVG document (also valid inline in HTML): the typical case's stages, in the order they open."""
    typical = sheet.typical
    rows = {stage.stage_id: stage for stage in sheet.stages}
    scale = _scale(typical)
    bottom = TOP + max(len(typical.spans), 1) * ROW_HEIGHT
    height = bottom + 80
    heading = f"{sheet.title}: a typical case"
    subtitle = (
        f"Starting {moment_words(typical.started)} (London), each stage done on its due date; calendar {sheet.calendar}"
    )
    shapes = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_number(height)}" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" role="img" aria-labelledby="timeline-title timeline-desc" '
        f'font-family="{FONT}">',
        f'<title id="timeline-title">{markup(heading)}</title>',
        f'<desc id="timeline-desc">{markup(subtitle)}. One row per stage the case opens: a bar from when it opens to '
        "its deadline, circles for reminders, a diamond for the deadline, and hollow triangles for the steps of the "
        "escalation ladder that would follow were the stage still open.</desc>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{_number(height)}" fill="#ffffff"/>',
        _text(12, 24, heading, size=16),
        _text(12, 44, subtitle, size=11, fill=GREY),
        *_shading(scale, typical, bottom),
    ]
    for tick, label in _ticks(scale):
        x = scale.x(tick)
        shapes.append(
            f'<line class="tick" x1="{_number(x)}" y1="{TOP}" x2="{_number(x)}" y2="{_number(bottom + 4)}" '
            f'stroke="{LIGHT}" stroke-width="0.6"/>'
        )
        shapes.append(_text(x, bottom + 18, label, size=10, fill=GREY, anchor="middle"))
    shapes.append(
        f'<line class="axis" x1="{CHART_LEFT}" y1="{_number(bottom)}" x2="{CHART_RIGHT}" y2="{_number(bottom)}" '
        f'stroke="{BLACK}" stroke-width="1"/>'
    )
    for index, span in enumerate(typical.spans):
        shapes += _row(scale, span, rows[span.stage_id], TOP + index * ROW_HEIGHT)
    shapes += _legend(bottom + 52)
    shapes.append("</svg>")
    return "\n".join(shapes) + "\n"
