"""Inline SVG charts drawn in Python: no script, no fonts, no network.

Three builders, each returning one ``<svg class="chart">`` with a title, a description for
screen readers, axes with ticks and labels, and a legend drawn inside the SVG:

- :func:`line_chart` — series of (x, y) points as paths (ROC, precision–recall,
  calibration, cumulative gain, the threshold sweep), optional reference lines and marks;
- :func:`bar_chart` — vertical bars grouped by category (lift by decile);
- :func:`hbar_chart` — horizontal bars with 95% interval whiskers and a reference line
  (progression rate by industry, lift by signal).

Colours come from the Okabe–Ito palette, which stays distinguishable with the common
colour-vision deficiencies; series also differ by dash pattern or marker shape, so no
reading depends on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reports.html import Safe, el, join

# Okabe–Ito
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
GREY = "#6B7280"
INK = "#1F2937"
GRID = "#E5E7EB"

MODEL_COLORS = (BLUE, GREEN, PURPLE, SKY, VERMILLION)
BASELINE_COLOR = ORANGE


def thin(points: Sequence[tuple[float, float]], max_points: int = 400) -> list[tuple[float, float]]:
    """At most ``max_points`` points for drawing, evenly taken, first and last always kept."""
    if len(points) <= max_points:
        return list(points)
    step = (len(points) - 1) / (max_points - 1)
    return [points[round(i * step)] for i in range(max_points)]


FONT = 12
CHAR_WIDTH = 6.6  # average glyph width at FONT px of the system sans-serif, for layout


def pct_tick(value: float) -> str:
    """Axis tick text for a share: 0.2 -> "20%"."""
    return f"{100 * value:.0f}%"


def plain_tick(value: float) -> str:
    """Axis tick text for a plain number: 1.5 -> "1.5", 2.0 -> "2"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Axis:
    """One axis: its label, range, ticks and how tick values read."""

    label: str
    low: float = 0.0
    high: float = 1.0
    ticks: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    tick_text: Callable[[float], str] = pct_tick


@dataclass(frozen=True)
class Series:
    """A named line: its points, colour and how it is drawn."""

    name: str
    points: Sequence[tuple[float, float]]
    color: str = BLUE
    dash: str | None = None
    width: float = 2.25
    markers: bool = False


@dataclass(frozen=True)
class Rule:
    """A reference line from (x0, y0) to (x1, y1) in data units, with an optional label."""

    x0: float
    y0: float
    x1: float
    y1: float
    label: str = ""
    color: str = GREY
    dash: str | None = "5 4"


@dataclass(frozen=True)
class Mark:
    """A highlighted point (e.g. the current threshold), in legend as ``label``."""

    x: float
    y: float
    color: str
    label: str = ""
    shape: str = "circle"


@dataclass(frozen=True)
class HBar:
    """One horizontal bar: label, value, optional 95% interval, and a note at its end."""

    label: str
    value: float
    interval: tuple[float, float] | None = None
    note: str = ""
    color: str = BLUE


@dataclass
class _Frame:
    """The plot area inside an SVG of ``width`` x ``height`` and the data-to-pixel maps."""

    width: float
    height: float
    x: Axis
    y: Axis
    left: float = 58.0
    right: float = 18.0
    top: float = 14.0
    bottom: float = 46.0
    legend_rows: int = 0
    extra: list[Safe] = field(default_factory=list)

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def px(self, value: float) -> float:
        span = (self.x.high - self.x.low) or 1.0
        return (
            self.left + (min(max(value, self.x.low), self.x.high) - self.x.low) / span * self.plot_w
        )

    def py(self, value: float) -> float:
        span = (self.y.high - self.y.low) or 1.0
        clamped = min(max(value, self.y.low), self.y.high)
        return self.top + self.plot_h - (clamped - self.y.low) / span * self.plot_h


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def path_data(points: Sequence[tuple[float, float]]) -> str:
    """SVG path data through pixel points: "M x,y L x,y ..." (one command per point)."""
    return " ".join(f"{'M' if i == 0 else 'L'}{_n(x)},{_n(y)}" for i, (x, y) in enumerate(points))


def _text(x: float, y: float, content: str, **attributes: object) -> Safe:
    return el("text", content, x=round(x, 1), y=round(y, 1), **attributes)


def _axes(frame: _Frame, *, x_grid: bool = True) -> Safe:
    """Grid lines, tick labels and axis titles of a frame."""
    parts: list[Safe] = []
    bottom = frame.top + frame.plot_h
    for tick in frame.y.ticks:
        y = frame.py(tick)
        parts.append(
            el("path", d=f"M{_n(frame.left)},{_n(y)} H{_n(frame.left + frame.plot_w)}", cls="grid")
        )
        parts.append(
            _text(frame.left - 6, y + 4, frame.y.tick_text(tick), cls="tick", text_anchor="end")
        )
    for tick in frame.x.ticks:
        x = frame.px(tick)
        if x_grid:
            parts.append(el("path", d=f"M{_n(x)},{_n(frame.top)} V{_n(bottom)}", cls="grid"))
        parts.append(
            _text(x, bottom + 16, frame.x.tick_text(tick), cls="tick", text_anchor="middle")
        )
    parts.append(
        el(
            "path",
            d=f"M{_n(frame.left)},{_n(frame.top)} V{_n(bottom)} H{_n(frame.left + frame.plot_w)}",
            cls="axis",
        )
    )
    parts.append(
        _text(
            frame.left + frame.plot_w / 2,
            bottom + 36,
            frame.x.label,
            cls="axis-label",
            text_anchor="middle",
        )
    )
    cx, cy = 14, frame.top + frame.plot_h / 2
    if frame.y.label:
        parts.append(
            _text(
                cx,
                cy,
                frame.y.label,
                cls="axis-label",
                text_anchor="middle",
                transform=f"rotate(-90 {cx} {_n(cy)})",
            )
        )
    return join(parts)


@dataclass(frozen=True)
class _LegendItem:
    label: str
    color: str
    kind: str = "line"  # line | circle | square | bar
    dash: str | None = None
    width: float = 2.25


def _legend_layout(items: Sequence[_LegendItem], width: float) -> list[list[_LegendItem]]:
    rows: list[list[_LegendItem]] = [[]]
    used = 0.0
    for item in items:
        need = 34 + CHAR_WIDTH * len(item.label) + 16
        if rows[-1] and used + need > width - 20:
            rows.append([])
            used = 0.0
        rows[-1].append(item)
        used += need
    return [row for row in rows if row]


def _legend(items: Sequence[_LegendItem], frame: _Frame) -> Safe:
    parts: list[Safe] = []
    y = frame.height - 10 - 18 * (frame.legend_rows - 1)
    for row in _legend_layout(items, frame.width):
        x = 12.0
        for item in row:
            parts.append(_swatch(item, x, y - 4))
            parts.append(_text(x + 30, y, item.label, cls="legend"))
            x += 34 + CHAR_WIDTH * len(item.label) + 16
        y += 18
    return el("g", parts, cls="legend-box")


def _swatch(item: _LegendItem, x: float, y: float) -> Safe:
    if item.kind == "circle":
        return el("circle", cx=x + 12, cy=y, r=4.5, fill=item.color, stroke="#fff")
    if item.kind == "square":
        return el("rect", x=x + 7.5, y=y - 4.5, width=9, height=9, fill=item.color)
    if item.kind == "bar":
        return el("rect", x=x + 4, y=y - 5, width=16, height=10, fill=item.color, rx=1.5)
    return el(
        "path",
        d=f"M{_n(x)},{_n(y)} h24",
        stroke=item.color,
        stroke_width=item.width,
        stroke_dasharray=item.dash,
        fill="none",
    )


def _svg(title: str, description: str, frame: _Frame, body: Sequence[Safe]) -> Safe:
    return el(
        "svg",
        el("title", title),
        el("desc", description),
        *body,
        cls="chart",
        viewBox=f"0 0 {_n(frame.width)} {_n(frame.height)}",
        width=_n(frame.width),
        height=_n(frame.height),
        role="img",
        xmlns="http://www.w3.org/2000/svg",
        aria_label=title,
        font_size=FONT,
    )


def _frame_with_legend(
    items: Sequence[_LegendItem], *, width: float, height: float, x: Axis, y: Axis, left: float
) -> _Frame:
    rows = len(_legend_layout(items, width))
    frame = _Frame(width, height + 18 * rows, x, y, left=left, legend_rows=rows)
    frame.bottom += 18 * rows + 4
    return frame


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    x: Axis,
    y: Axis,
    rules: Sequence[Rule] = (),
    marks: Sequence[Mark] = (),
    description: str = "",
    width: float = 460,
    height: float = 320,
) -> Safe:
    """Lines through each series' points, reference rules and marks, with axes and legend."""
    items = [
        _LegendItem(s.name, s.color, dash=s.dash, width=s.width)
        for s in series
        if s.points and s.name
    ]
    items += [_LegendItem(r.label, r.color, dash=r.dash, width=1.5) for r in rules if r.label]
    items += [_LegendItem(m.label, m.color, kind=m.shape) for m in marks if m.label]
    frame = _frame_with_legend(items, width=width, height=height, x=x, y=y, left=58)
    body: list[Safe] = [_axes(frame)]
    for rule in rules:
        d = path_data(
            [(frame.px(rule.x0), frame.py(rule.y0)), (frame.px(rule.x1), frame.py(rule.y1))]
        )
        body.append(
            el(
                "path",
                d=d,
                stroke=rule.color,
                stroke_width=1.5,
                stroke_dasharray=rule.dash,
                fill="none",
                cls="rule",
            )
        )
    for s in series:
        if not s.points:
            continue
        pixels = [(frame.px(px), frame.py(py)) for px, py in s.points]
        body.append(
            el(
                "path",
                el("title", s.name),
                d=path_data(pixels),
                stroke=s.color,
                stroke_width=s.width,
                stroke_dasharray=s.dash,
                fill="none",
                stroke_linejoin="round",
                stroke_linecap="round",
                cls="series",
            )
        )
        if s.markers:
            body.append(
                el(
                    "g",
                    [
                        el(
                            "circle",
                            cx=round(cx, 1),
                            cy=round(cy, 1),
                            r=3.2,
                            fill=s.color,
                            stroke="#fff",
                            stroke_width=1,
                        )
                        for cx, cy in pixels
                    ],
                    cls="markers",
                )
            )
    for mark in marks:
        body.append(_mark(mark, frame))
    if not any(s.points for s in series):
        body.append(_empty(frame))
    body.append(_legend(items, frame))
    return _svg(title, description or title, frame, body)


def _empty(frame: _Frame) -> Safe:
    """The message a chart shows when it has nothing to draw."""
    return _text(
        frame.left + frame.plot_w / 2,
        frame.top + frame.plot_h / 2,
        "no data to draw",
        cls="empty",
        text_anchor="middle",
    )


def _mark(mark: Mark, frame: _Frame) -> Safe:
    cx, cy = frame.px(mark.x), frame.py(mark.y)
    tip = el("title", mark.label)
    if mark.shape == "square":
        return el(
            "rect",
            tip,
            x=round(cx - 5, 1),
            y=round(cy - 5, 1),
            width=10,
            height=10,
            fill=mark.color,
            stroke=INK,
            stroke_width=1.2,
            cls="mark",
        )
    return el(
        "circle",
        tip,
        cx=round(cx, 1),
        cy=round(cy, 1),
        r=5.5,
        fill=mark.color,
        stroke=INK,
        stroke_width=1.2,
        cls="mark",
    )


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    x_label: str,
    y: Axis,
    rules: Sequence[Rule] = (),
    description: str = "",
    width: float = 460,
    height: float = 320,
) -> Safe:
    """Vertical bars, one group per category and one bar per (name, values, colour) series;
    rules are horizontal lines at ``y0`` (their x values are ignored)."""
    items = [_LegendItem(name, color, kind="bar") for name, _, color in series]
    items += [_LegendItem(r.label, r.color, dash=r.dash, width=1.5) for r in rules if r.label]
    x_axis = Axis(x_label, 0, max(len(categories), 1), ticks=(), tick_text=plain_tick)
    frame = _frame_with_legend(items, width=width, height=height, x=x_axis, y=y, left=52)
    body: list[Safe] = [_axes(frame, x_grid=False)]
    slot = frame.plot_w / max(len(categories), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    base_y = frame.py(max(y.low, 0.0))
    for i, category in enumerate(categories):
        start = frame.left + i * slot + slot * 0.1
        for j, (name, values, color) in enumerate(series):
            value = values[i] if i < len(values) else None
            if value is None:
                continue
            top = frame.py(value)
            body.append(
                el(
                    "rect",
                    el("title", f"{name} — {category}: {plain_tick(value)}"),
                    x=round(start + j * bar_w, 1),
                    y=round(min(top, base_y), 1),
                    width=round(max(bar_w - 1, 1), 1),
                    height=round(max(abs(base_y - top), 0.5), 1),
                    fill=color,
                    cls="bar",
                )
            )
        body.append(
            _text(
                start + slot * 0.4,
                frame.top + frame.plot_h + 16,
                category,
                cls="tick",
                text_anchor="middle",
            )
        )
    for rule in rules:
        ry = frame.py(rule.y0)
        body.append(
            el(
                "path",
                d=f"M{_n(frame.left)},{_n(ry)} H{_n(frame.left + frame.plot_w)}",
                stroke=rule.color,
                stroke_width=1.5,
                stroke_dasharray=rule.dash,
                fill="none",
                cls="rule",
            )
        )
    if not any(value is not None for _, values, _ in series for value in values):
        body.append(_empty(frame))
    body.append(_legend(items, frame))
    return _svg(title, description or title, frame, body)


def nice_ticks(high: float, *, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high``."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < high - 1e-12:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def hbar_chart(
    title: str,
    bars: Sequence[HBar],
    *,
    x: Axis,
    rule: Rule | None = None,
    description: str = "",
    width: float = 780,
    bar_height: float = 20,
    legend: Sequence[tuple[str, str]] = (),
) -> Safe:
    """Horizontal bars (top to bottom as given) with interval whiskers and notes, a vertical
    reference rule at ``rule.x0``, and a legend of (label, colour) bar swatches."""
    label_w = min(max((CHAR_WIDTH * len(b.label) for b in bars), default=40) + 16, 220)
    items = [_LegendItem(label, color, kind="bar") for label, color in legend]
    items.append(_LegendItem("95% interval", INK, width=1.2))
    if rule is not None and rule.label:
        items.append(_LegendItem(rule.label, rule.color, dash=rule.dash, width=1.5))
    plot_h = max(len(bars), 1) * (bar_height + 6)
    frame = _frame_with_legend(
        items, width=width, height=plot_h + 14 + 46, x=x, y=Axis("", ticks=()), left=label_w
    )
    frame.right = 120.0
    body: list[Safe] = [_axes(frame)]
    for i, bar in enumerate(bars):
        top = frame.top + 3 + i * (bar_height + 6)
        mid = top + bar_height / 2
        x0 = frame.px(max(x.low, 0.0))
        body.append(_text(frame.left - 8, mid + 4, bar.label, cls="tick", text_anchor="end"))
        body.append(
            el(
                "rect",
                el("title", f"{bar.label}: {bar.note}"),
                x=round(x0, 1),
                y=round(top, 1),
                width=round(max(frame.px(bar.value) - x0, 0.5), 1),
                height=bar_height,
                fill=bar.color,
                cls="bar",
            )
        )
        if bar.interval:
            lo, hi = frame.px(bar.interval[0]), frame.px(bar.interval[1])
            body.append(
                el(
                    "path",
                    d=f"M{_n(lo)},{_n(mid)} H{_n(hi)} M{_n(lo)},{_n(mid - 5)} "
                    f"V{_n(mid + 5)} M{_n(hi)},{_n(mid - 5)} V{_n(mid + 5)}",
                    stroke=INK,
                    stroke_width=1.2,
                    fill="none",
                    cls="whisker",
                )
            )
        end = max(frame.px(bar.value), frame.px(bar.interval[1]) if bar.interval else 0)
        body.append(_text(end + 6, mid + 4, bar.note, cls="note"))
    if rule is not None:
        rx = frame.px(rule.x0)
        body.append(
            el(
                "path",
                d=f"M{_n(rx)},{_n(frame.top)} V{_n(frame.top + frame.plot_h)}",
                stroke=rule.color,
                stroke_width=1.5,
                stroke_dasharray=rule.dash,
                fill="none",
                cls="rule",
            )
        )
    if not bars:
        body.append(_empty(frame))
    body.append(_legend(items, frame))
    return _svg(title, description or title, frame, body)
