"""The charts of /stats: horizontal bars drawn on the server as SVG (no JavaScript), from the
same numbers as the table that follows each one, which is its text equivalent.

Horizontal bars, one row per month (or per method): they read on a 360 px phone, where the SVG
is drawn at about its nominal size (viewBox 360 units wide; the figure is capped in CSS).
Geometry is computed here; templates/public/stats/_chart.html only writes it out."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import _
from app.reporting.stats_span import Span
from app.reporting.stats_tables import fmt_int

WIDTH = 360
LABEL_W = 66  # the month, left of the bars
BAR_W = 214
TEXT_END = WIDTH - 2  # the value, right-aligned
ROW_H = 24
BAR_H = 14
TOP = 4
AXIS_H = 20


@dataclass
class Rect:
    x: float
    width: float
    css: str


@dataclass
class ChartRow:
    label: str
    label_y: float
    bar_y: float
    bars: list[Rect]
    target: Rect | None  # an outline around the bar: what was required or due
    text: str  # the value at the end of the row ("<3", "—" included)


@dataclass
class Chart:
    id: str
    title: str
    summary: str  # the SVG's description; the table after the chart holds every number
    rows: list[ChartRow]
    ticks: list[tuple[float, str]]
    axis_y: float | None  # where the scale is drawn (None: no scale)
    height: float
    legend: list[tuple[str, str]]  # (css class, label)
    width: int = WIDTH
    bar_h: int = BAR_H
    text_x: int = TEXT_END
    kind: str = "chart"  # the template tells a chart from a table by this


def _nice_max(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least `value` (and at least 1): the scale's end."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


Row = tuple[str, list[tuple[float, str]], float | None, str]  # label, stacked (value, css), target, text


def bar_chart(id: str, title: str, summary: str, rows: list[Row], *, percent: bool = False, maximum: float = 0,
           legend: list[tuple[str, str]] | None = None, scale=None, labels_above: bool = False) -> Chart:
    """Horizontal bars. `percent`: values are shares (0–1) on a 0–100% scale; otherwise the scale
    ends at a round number above the largest value (or `maximum`). `labels_above`: each label
    on its own line above a full-width bar (for long names), without a scale."""
    if percent:
        top = 1.0
    else:
        biggest = max([sum(v for v, _c in segs) for _l, segs, _t, _x in rows] + [t or 0 for _l, _s, t, _x in rows])
        top = _nice_max(max(biggest, maximum, 1))
    x0, width, row_h = (0, LABEL_W + BAR_W, 2 * ROW_H) if labels_above else (LABEL_W, BAR_W, ROW_H)
    out = []
    for i, (label, segments, target, text) in enumerate(rows):
        y = TOP + i * row_h
        x, bars = float(x0), []
        for value, css in segments:
            w = width * min(value, top) / top
            if w > 0:
                bars.append(Rect(round(x, 1), round(w, 1), css))
                x += w
        outline = Rect(x0, round(width * min(target, top) / top, 1), "target") if target else None
        if labels_above:
            out.append(ChartRow(label, y + 14, y + 20, bars, outline, text))
        else:
            out.append(ChartRow(label, y + ROW_H / 2 + 4.5, y + (ROW_H - BAR_H) / 2, bars, outline, text))
    bottom = TOP + len(rows) * row_h
    if labels_above:
        return Chart(id, title, summary, out, [], None, bottom + 4, legend or [])
    scale = scale or (lambda v: f"{round(v * 100)}%" if percent else fmt_int(int(v)))
    fractions = (0, 0.5, 1) if percent or (top / 2).is_integer() else (0, 1)
    ticks = [(round(x0 + width * f, 1), scale(top * f)) for f in fractions]
    return Chart(id, title, summary, out, ticks, bottom + 2, bottom + AXIS_H, legend or [])


def monthly_summary(kind: str, span: Span) -> str:
    """The description of a chart by month (its SVG's <desc>): what it shows, over which months."""
    return _("%(kind)s theo tháng, từ %(first)s đến %(last)s. Mọi con số có trong bảng ngay sau biểu đồ.") % {
        "kind": kind, "first": span.months[0].label, "last": span.months[-1].label}
