"""The page around the sections: stylesheet, skeleton, and the small building blocks
(tables with right-aligned numbers, status badges, figures with captions).

The page is one file: the stylesheet is inline, charts are inline SVG, there is no script
and nothing is fetched (system fonts only; the favicon is an empty data URL so a browser
asks for nothing either).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.checks import MET, NOT_MET
from reports.html import Safe, el, join

CSS = Safe(
    """
:root {
  --ink: #1f2937; --muted: #4b5563; --faint: #6b7280; --line: #e5e7eb; --paper: #ffffff;
  --wash: #f8fafc; --accent: #0072b2; --good: #0b6e4f; --good-bg: #e3f4ee; --bad: #a63c00;
  --bad-bg: #fdeee4; --na: #4b5563; --na-bg: #eef0f3; --hit: #e6f1f9; --miss: #fdf0e1;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--ink); background: var(--paper);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif;
  font-variant-numeric: tabular-nums;
}
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 28px; }
header.top { background: #0b2239; color: #f1f5f9; padding: 30px 0 24px; }
header.top h1 { margin: 0 0 4px; font-size: 28px; letter-spacing: -0.01em; }
header.top .lede { margin: 0 0 18px; font-size: 17px; color: #cbd5e1; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0;
  font-size: 14px; }
dl.meta dt { color: #94a3b8; }
dl.meta dd { margin: 0; }
.banner { margin-top: 16px; padding: 9px 14px; border-radius: 6px; background: #fff7e0;
  color: #5b4300; font-size: 14px; }
nav.toc { border-bottom: 1px solid var(--line); background: var(--wash); font-size: 14px; }
nav.toc ol { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0;
  padding: 10px 0; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
main section { padding: 26px 0 10px; border-bottom: 1px solid var(--line); }
h2 { font-size: 22px; margin: 0 0 10px; letter-spacing: -0.01em; }
h3 { font-size: 17px; margin: 22px 0 6px; }
h4 { font-size: 15px; margin: 16px 0 6px; }
p { margin: 0 0 10px; max-width: 82ch; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  monospace; font-size: 0.9em; background: var(--wash); padding: 1px 4px; border-radius: 3px; }
.verdicts { display: grid; gap: 12px; margin: 6px 0 14px; }
.verdict { border-left: 5px solid var(--accent); background: var(--wash); padding: 12px 16px;
  border-radius: 0 6px 6px 0; }
.verdict.baseline { border-left-color: #e69f00; }
.verdict p { margin: 0; font-size: 17px; max-width: none; }
.verdict .also { margin-top: 6px; font-size: 14px; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px;
  margin: 10px 0 4px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .v { font-size: 22px; font-weight: 650; }
.card .k { font-size: 12.5px; color: var(--muted); }
dl.defs { display: grid; grid-template-columns: minmax(150px, max-content) 1fr; gap: 6px 18px;
  margin: 6px 0 12px; max-width: 980px; }
dl.defs dt { font-weight: 600; }
dl.defs dd { margin: 0; }
.qa { margin: 10px 0 18px; }
.qa h4 { margin: 18px 0 4px; font-size: 16px; }
.qa .answer { margin: 0 0 4px; }
.qa .figure { font-size: 13.5px; color: var(--muted); margin: 0 0 4px; }
.qa .figure a { color: var(--accent); }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13.5px; }
.scroll { overflow-x: auto; max-width: 100%; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top;
  text-align: left; }
thead th { border-bottom: 2px solid #cbd5e1; font-weight: 600; color: var(--muted);
  white-space: nowrap; background: var(--paper); }
thead tr.group th { border-bottom: 1px solid var(--line); text-align: center; color: var(--ink); }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:hover { background: #fafbfc; }
tr.current td { background: #eaf3fb; }
tr.best td { box-shadow: inset 0 -2px 0 #009e73; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12.5px;
  font-weight: 600; white-space: nowrap; }
.badge.met { color: var(--good); background: var(--good-bg); }
.badge.not-met { color: var(--bad); background: var(--bad-bg); }
.badge.na { color: var(--na); background: var(--na-bg); }
.badge.tag { color: #0b4f7c; background: #e6f1f9; font-weight: 500; }
table.checks td { max-width: 360px; }
.cm-grid { display: flex; flex-wrap: wrap; gap: 12px 44px; }
.cm-grid > div { flex: 0 1 auto; max-width: 540px; }
table.cm { font-size: 14px; }
table.cm td, table.cm th { padding: 8px 12px; }
table.cm td.hit { background: var(--hit); }
table.cm td.miss { background: var(--miss); }
table.cm td .n { font-size: 20px; font-weight: 650; display: block; }
table.cm td .what { font-size: 12px; color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 18px 26px; align-items: flex-start; }
figure { margin: 6px 0 14px; }
.charts > figure { max-width: 480px; }
figcaption { font-size: 13px; color: var(--muted); max-width: 600px; margin-top: 2px; }
svg.chart { max-width: 100%; height: auto; display: block; font-family: inherit; }
svg.chart .grid { stroke: #edf0f3; stroke-width: 1; fill: none; }
svg.chart .axis { stroke: #9ca3af; stroke-width: 1; fill: none; }
svg.chart .tick { fill: #4b5563; font-size: 11px; }
svg.chart .axis-label { fill: #1f2937; font-size: 12px; font-weight: 600; }
svg.chart .legend { fill: #1f2937; font-size: 12px; }
svg.chart .note { fill: #374151; font-size: 11px; }
svg.chart .empty { fill: #6b7280; font-size: 13px; }
details { margin: 4px 0 14px; }
details > summary { cursor: pointer; color: var(--accent); font-size: 14px; margin: 4px 0; }
table.review { font-size: 13px; }
table.review { width: 100%; table-layout: fixed; }
table.review thead th { white-space: normal; vertical-align: bottom; }
table.review th:nth-child(1) { width: 36px; }
table.review th:nth-child(2) { width: 100px; }
table.review th:nth-child(3) { width: 140px; }
table.review th:nth-child(6) { width: 190px; }
table.review th:nth-child(7) { width: 92px; }
table.review td { overflow-wrap: anywhere; }
table.review .line { display: block; }
table.review .sub { display: block; color: var(--muted); font-size: 12px; }
table.segments { font-size: 13px; }
table.segments th, table.segments td { padding: 5px 8px; }
table.segments thead th { white-space: normal; vertical-align: bottom; }
table.segments td:first-child { white-space: nowrap; }
.sig { display: block; font-size: 12px; }
.sig b { font-weight: 600; color: var(--muted); }
footer { padding: 18px 0 40px; color: var(--muted); font-size: 13px; }
@media print {
  header.top { background: none; color: var(--ink); }
  header.top .lede, dl.meta dt { color: var(--muted); }
  nav.toc { display: none; }
  details { display: block; }
}
"""
)


def badge(status: str) -> Safe:
    """A status badge: met, not met, or not measurable here."""
    cls = {MET: "met", NOT_MET: "not-met"}.get(status, "na")
    mark = {MET: "✓ ", NOT_MET: "✗ "}.get(status, "– ")
    return el("span", mark + status, cls=f"badge {cls}")


@dataclass(frozen=True)
class Col:
    """A table column: its header, whether it holds numbers, an optional tooltip."""

    label: str
    num: bool = False
    title: str | None = None


def table(
    columns: Sequence[Col],
    rows: Sequence[Sequence[object]],
    *,
    cls: str | None = None,
    row_classes: Sequence[str | None] | None = None,
    groups: Sequence[tuple[str, int]] | None = None,
    caption: str | None = None,
    empty: str | None = None,
) -> Safe:
    """A table; cells of numeric columns are right-aligned; ``groups`` adds a header row of
    (label, span) column groups. Without rows, one line saying why (``empty``) instead of a
    table holding only its header."""
    if not rows:
        return el(
            "p", empty or "Nothing to show: the mart holds no row for this table.", cls="muted"
        )
    head_rows = []
    if groups:
        head_rows.append(
            el(
                "tr",
                [el("th", label, colspan=span if span > 1 else None) for label, span in groups],
                cls="group",
            )
        )
    head_rows.append(
        el("tr", [el("th", c.label, cls="num" if c.num else None, title=c.title) for c in columns])
    )
    body = []
    for index, row in enumerate(rows):
        cells = [
            el("td", value, cls="num" if column.num else None)
            for column, value in zip(columns, row, strict=False)
        ]
        row_cls = row_classes[index] if row_classes else None
        body.append(el("tr", cells, cls=row_cls))
    return el(
        "div",
        el(
            "table",
            el("caption", caption) if caption else None,
            el("thead", head_rows),
            el("tbody", body),
            cls=cls,
        ),
        cls="scroll",
    )


def figure(chart: Safe, caption: str | Safe) -> Safe:
    """A chart with its caption."""
    return el("figure", chart, el("figcaption", caption))


def section(anchor: str, title: str, *content: object) -> Safe:
    """A top-level section with an id for the table of contents."""
    return el("section", el("h2", title), *content, id=anchor)


def details(summary: str, *content: object, open_: bool = False) -> Safe:
    """Collapsible content (tables only: charts must stay visible to be drawn)."""
    return el("details", el("summary", summary), *content, open=open_)


def document(
    *,
    title: str,
    header: Safe,
    toc: Sequence[tuple[str, str]],
    sections: Sequence[Safe],
    footer: Safe,
) -> Safe:
    """The whole HTML document."""
    nav = el(
        "nav",
        el(
            "div",
            el("ol", [el("li", el("a", label, href=f"#{anchor}")) for anchor, label in toc]),
            cls="wrap",
        ),
        cls="toc",
        aria_label="Contents",
    )
    head = el(
        "head",
        Safe('<meta charset="utf-8">'),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("meta", name="generator", content="lead-qualification-backtest reports"),
        el("link", rel="icon", href="data:,"),
        el("title", title),
        el("style", CSS),
    )
    body = el(
        "body",
        header,
        nav,
        el("main", el("div", join(sections), cls="wrap")),
        el("footer", el("div", footer, cls="wrap")),
    )
    return Safe("<!doctype html>\n" + el("html", head, body, lang="en") + "\n")
