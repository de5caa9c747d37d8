"""A tiny HTML builder that escapes by default.

Every string that is not already :class:`Safe` is escaped when it goes into an element, as
text or as an attribute value, so text from Salesforce (notes, names, reasoning) can never
become markup: a note holding ``<script>`` is shown as text. Only this module and the CSS
constant produce :class:`Safe` strings from literals.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

#: Elements without a closing tag.
VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "col"})


class Safe(str):
    """A string that is already HTML (or SVG) and is inserted as it is."""

    __slots__ = ()


def esc(value: object) -> Safe:
    """``value`` as HTML text: Safe strings pass through, None becomes empty, the rest escaped."""
    if value is None:
        return Safe("")
    if isinstance(value, Safe):
        return value
    return Safe(html.escape(str(value), quote=True))


def join(parts: Iterable[object], sep: str = "") -> Safe:
    """Concatenate ``parts`` (each escaped unless Safe), with a literal separator."""
    return Safe(esc(sep).join(_flatten(parts)))


def _flatten(children: Iterable[object]) -> list[Safe]:
    out: list[Safe] = []
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, str | int | float):
            out.append(esc(child))
        else:
            out.extend(_flatten(child))  # type: ignore[arg-type]
    return out


def _attr_name(name: str) -> str:
    """Python keyword arguments to attribute names: ``cls`` -> class, ``data_x`` -> data-x."""
    if name in ("cls", "class_"):
        return "class"
    if name == "for_":
        return "for"
    return name.rstrip("_").replace("_", "-")


def attrs(**values: object) -> Safe:
    """Attributes as ` name="value"` text; None/False are dropped, True is a bare name."""
    parts = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        key = _attr_name(name)
        parts.append(f" {key}" if value is True else f' {key}="{esc(_fmt_attr(value))}"')
    return Safe("".join(parts))


def _fmt_attr(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return value


def el(tag: str, *children: object, **attributes: object) -> Safe:
    """An element ``<tag attrs>children</tag>``; children are escaped unless Safe."""
    opening = f"<{tag}{attrs(**attributes)}>"
    if tag in VOID:
        return Safe(opening)
    return Safe(f"{opening}{join(children)}</{tag}>")
