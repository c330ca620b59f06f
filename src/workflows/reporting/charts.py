"""PNG charts for Delegated Safeguarding Partners: the on-time rate per process by month, and overdue items by agency.

Drawn with matplotlib's object API (a `Figure` on its own Agg canvas, never pyplot), so no global backend or
figure registry is touched and the module is safe in a server or flow run. The same input gives the same bytes:
a fixed size and dpi, no timestamp or software name in the PNG, month names spelt here rather than by the locale.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter
from PIL import Image

# 1000 px wide, drawn at 150 dpi: Prefect's UI shows an artifact's image in a column about 655 px wide on a
# 1366 px laptop screen (800 in the V1 UI), so the chart is laid out for that width (text ~12 px there) and
# the extra pixels keep it sharp on high-density screens.
DPI = 150
WIDTH_PX = 1000
ON_TIME_FRAME_PX = 600  # title, plot, month labels and axis titles; the legend's lines come on top
LEGEND_LINE_PX = 32
LEGEND_COLUMNS = 2  # wider columns than three: process titles run to 40 characters and more
BAR_HEIGHT_PX = 50  # per agency: room for a name wrapped on two lines
BAR_EXTRA_LINE_PX = 22  # per agency, for each line past two of the longest wrapped name
AGENCY_CHART_FRAME_PX = 200  # title, axis label and margins around the bars
NOTHING_OVERDUE_HEIGHT_PX = 300

# Okabe & Ito's colour-blind-safe palette, yellow last (weakest on white); markers and, past the eighth process,
# a dashed line tell apart lines that share a colour, so ~15 processes stay distinct in print and for every reader.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")  # 10 against 8 colours: no pair repeats below 40
LINE_STYLES = ("-", "--", ":")
BAR_COLOUR = "#D55E00"

# English month names, not strftime's %b: the server's locale must not change the chart (or its bytes).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_MONTH_LABELS = 13  # a label every month for up to a year and a month; more would crowd the axis

LEGEND_WRAP = 36  # characters per line of a process title in the legend
AGENCY_WRAP = 34  # characters per line of an agency name beside its bar

ON_TIME_TITLE = "Stages completed within their timescale, by month"
OVERDUE_TITLE = "Overdue items by agency"


def month_label(month: date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def month_tick(month: date) -> str:
    """The month over its year ("Apr", "2026"): twelve one-line labels would overlap where the UI shows the chart."""
    return f"{MONTHS[month.month - 1]}\n{month.year}"


def on_time_rate_by_month_chart(
    series: Mapping[str, Sequence[tuple[date, float | None]]], title: str = ON_TIME_TITLE
) -> bytes:
    """One line per process (keyed by its title) of the share of stages completed within their timescale each
    month (the date is the month's first day; 0..1, shown as %). None (no completions, or withheld) leaves a gap
    in the line rather than a drop to zero. Legend below the plot, so up to ~15 processes stay legible."""
    months = sorted({month for points in series.values() for month, _ in points})
    _check_rates(series)
    labels = [textwrap.fill(process, LEGEND_WRAP) for process in series]
    legend_rows = math.ceil(sum(label.count("\n") + 1 for label in labels) / LEGEND_COLUMNS)
    figure = _figure(WIDTH_PX, ON_TIME_FRAME_PX + LEGEND_LINE_PX * legend_rows)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=11, loc="left")
    if not months:
        _say(axes, "No completed stages to show")
        return _png(figure)
    handles: list[Line2D] = []
    for index, (points, label) in enumerate(zip(series.values(), labels, strict=True)):
        ordered = sorted(points, key=lambda point: point[0])
        # NaN, not 0: matplotlib breaks the line there, and an isolated month still shows as its marker.
        rates = [math.nan if rate is None else rate for _, rate in ordered]
        (line,) = axes.plot(
            [date2num(month) for month, _ in ordered],
            rates,
            color=PALETTE[index % len(PALETTE)],
            marker=MARKERS[index % len(MARKERS)],
            linestyle=LINE_STYLES[(index // len(PALETTE)) % len(LINE_STYLES)],
            linewidth=1.6,
            markersize=5,
            label=label,
        )
        handles.append(line)
    step = math.ceil(len(months) / MAX_MONTH_LABELS)
    shown = months[::step]
    axes.set_xticks([date2num(month) for month in shown], [month_tick(month) for month in shown], fontsize=8)
    half_month = 15.0  # days of padding either side, so the first and last markers are not cut by the frame
    axes.set_xlim(date2num(months[0]) - half_month, date2num(months[-1]) + half_month)
    axes.set_ylim(-0.03, 1.03)  # 0% and 100% markers drawn whole
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    axes.tick_params(axis="y", labelsize=8.5)
    axes.set_xlabel("Month", fontsize=9)
    axes.set_ylabel("Completed within timescale", fontsize=9)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    if handles:
        columns = min(LEGEND_COLUMNS, len(handles))
        figure.legend(handles=handles, loc="outside lower center", ncols=columns, fontsize=8.5, frameon=False)
    return _png(figure)


def overdue_by_agency_chart(counts: Sequence[tuple[str, int]], title: str = OVERDUE_TITLE) -> bytes:
    """Horizontal bars of overdue items per agency, most overdue first (ties by name), each labelled with its
    count; long agency names wrap beside their bar. Nothing overdue (no agency, or only zeros) says so."""
    if any(count < 0 for _, count in counts):
        raise ValueError("an overdue count cannot be negative")
    if not any(count > 0 for _, count in counts):
        figure = _figure(WIDTH_PX, NOTHING_OVERDUE_HEIGHT_PX)
        axes = figure.add_subplot()
        axes.set_title(title, fontsize=11, loc="left")
        _say(axes, "Nothing overdue")
        return _png(figure)
    ordered = sorted(counts, key=lambda entry: (-entry[1], entry[0]))
    names = [textwrap.fill(agency, AGENCY_WRAP) for agency, _ in ordered]
    slot = BAR_HEIGHT_PX + BAR_EXTRA_LINE_PX * max(0, max(name.count("\n") + 1 for name in names) - 2)
    figure = _figure(WIDTH_PX, AGENCY_CHART_FRAME_PX + slot * len(ordered))
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=11, loc="left")
    positions = range(len(ordered))
    bars = axes.barh(positions, [count for _, count in ordered], color=BAR_COLOUR, height=0.65)
    axes.set_yticks(positions, names, fontsize=8.5)
    axes.invert_yaxis()  # most overdue at the top, where the eye starts
    axes.bar_label(bars, padding=3, fontsize=8.5)
    axes.set_xlim(0, max(count for _, count in ordered) * 1.12)  # room for the largest bar's label
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="x", labelsize=8.5)
    axes.set_xlabel("Overdue items", fontsize=9)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)


def _check_rates(series: Mapping[str, Sequence[tuple[date, float | None]]]) -> None:
    for process, points in series.items():
        months = [month for month, _ in points]
        if len(set(months)) != len(months):
            raise ValueError(f"{process}: a month is given more than once")
        for month, rate in points:
            if month.day != 1:
                raise ValueError(f"{process}: a month is given by its first day, not {month.isoformat()}")
            if rate is not None and not 0.0 <= rate <= 1.0:
                raise ValueError(f"{process}: the on-time rate for {month_label(month)} is {rate}, not 0..1")


def _figure(width_px: int, height_px: int) -> Figure:
    """A figure of exactly this many pixels; constrained layout keeps the legend and long labels inside it
    (bbox_inches="tight" would change the size instead)."""
    # Half a pixel more: Agg truncates inches x dpi, and 632 / 150 x 150 comes back as 631.99...
    inches = ((width_px + 0.5) / DPI, (height_px + 0.5) / DPI)
    return Figure(figsize=inches, dpi=DPI, layout="constrained", facecolor="white")


def _say(axes: Axes, text: str) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color="#505a5f", transform=axes.transAxes)


def _png(figure: Figure) -> bytes:
    """The figure as an optimised 256-colour PNG: antialiased lines make a full-colour PNG of 15 processes near
    300 KB, too heavy to embed in an artifact; a palette (without dithering, so text stays crisp) looks the same
    at about a third of the size. Pillow, matplotlib's own dependency, writes no timestamp or software name."""
    rgba, size = FigureCanvasAgg(figure).print_to_buffer()  # its own Agg canvas: no global backend chosen
    image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=256, dither=Image.Dither.NONE).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
