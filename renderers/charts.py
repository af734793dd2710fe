"""The monitoring dashboards' charts as server-rendered SVG: bars, lines and a flow diagram.

Each chart is one ``<svg>`` element that a page, an export and a PDF can embed as it is: no
JavaScript and no style sheet (presentation attributes only), a ``viewBox`` and ``width="100%"``
so that it scales, ``role="img"`` with a ``<title>`` and a ``<desc>`` that says in words what
the chart shows. Every figure is written beside its mark, so the chart reads in black and white
and without colour; colours come from :data:`PALETTE`, each at least 3:1 against white (WCAG
1.4.11), text at least 4.5:1. Labels are escaped; the chart beside its table shows the same
figures, formatted as :mod:`renderers.i18n` formats them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from . import i18n

Number = float | int
Value = Number | None

# Data colours (bars, lines, the flows' sources), each at least 3:1 against white.
PALETTE = (
    "#0b5cad",  # blue
    "#b84f00",  # orange
    "#1b7a3a",  # green
    "#7b3fa0",  # purple
    "#c0392b",  # red
    "#00707a",  # teal
    "#7a5a1e",  # brown
    "#b0306f",  # magenta
)
TEXT = "#1a1a1a"  # at least 4.5:1 against white
NEUTRAL = "#5a6470"  # axes, the flows' destinations and "other"
GRID = "#949494"

WIDTH = 640
FONT_SIZE = 13  # user units; the viewBox is never drawn narrower than about 400px
CHAR_WIDTH = 7.2  # an average character at FONT_SIZE, to keep labels within their column
MAX_BARS = 30
MAX_NODES = 8  # per side of a flow diagram; the rest are folded into one node
DASHES = ("", "6 3", "2 3", "8 3 2 3")


# -- colour ------------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rgb`` or ``#rrggbb``."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(hex_a: str, hex_b: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(hex_a), _luminance(hex_b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


# -- scale and numbers -------------------------------------------------------------------------


def nice_ticks(maximum: float) -> list[float]:
    """Four or five evenly spaced ticks from 0 whose last one is at least ``maximum``."""
    if not maximum > 0:
        maximum = 1
    magnitude = 10 ** math.floor(math.log10(maximum)) / 10
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * magnitude
            intervals = math.ceil(maximum / step - 1e-9)
            if intervals <= 4:
                return [round(step * i, 10) for i in range(intervals + 1)]
        magnitude *= 10


def number(value: Number, language: str) -> str:
    """A figure as the table shows it: whole numbers as they are, others to one decimal."""
    if float(value).is_integer():
        return i18n.format_number(int(value), language)
    return i18n.format_number(round(float(value), 1), language)


def percentage(value: Number, language: str) -> str:
    return i18n.format_number(round(float(value) * 100, 1), language) + "%"


# -- text and elements -------------------------------------------------------------------------


def _c(value: float) -> str:
    """A coordinate, to a tenth."""
    return f"{value:.1f}"


def _fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to about ``width`` user units."""
    room = max(int(width / CHAR_WIDTH + 0.01), 4)
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def _text(x: float, y: float, content: str, *, anchor: str = "start", full: str = "") -> str:
    """A text element; ``full`` (the uncut label) becomes its tooltip."""
    tip = f"<title>{escape(full)}</title>" if full and full != content else ""
    return (
        f'<text x="{_c(x)}" y="{_c(y)}" text-anchor="{anchor}" fill="{TEXT}">'
        f"{tip}{escape(content)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = NEUTRAL) -> str:
    return (
        f'<line x1="{_c(x1)}" y1="{_c(y1)}" x2="{_c(x2)}" y2="{_c(y2)}" '
        f'stroke="{stroke}" stroke-width="1"/>'
    )


def _safe_id(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "", value)
    return cleaned if cleaned[:1].isalpha() else "chart-" + cleaned


def _svg(chart_id: str, height: float, title: str, desc: str, body: Sequence[str]) -> Markup:
    """The chart's ``<svg>``: its accessible name and description, then ``body``."""
    ident = _safe_id(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" width="100%" '
        f'viewBox="0 0 {WIDTH} {_c(height)}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="Arial, Helvetica, sans-serif" font-size="{FONT_SIZE}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _empty(title: str, language: str, chart_id: str) -> Markup:
    message = i18n.gettext(language, "There is nothing to show in this chart.")
    return _svg(chart_id, 40, title, message, [_text(8, 24, message)])


def _largest(language: str, label: str, figure: str) -> str:
    return i18n.gettext(language, "Largest: %(label)s, %(value)s.") % {
        "label": label,
        "value": figure,
    }


# -- bar chart ---------------------------------------------------------------------------------

BAR_ROW = 26
BAR_HEIGHT = 16
BAR_LABELS = 250  # the widest label column
BAR_VALUES = 80  # room right of the longest bar for its figure


def bar_chart(
    bars: Sequence[tuple[str, Value, bool]],
    *,
    title: str,
    unit: str,
    language: str,
    percent: bool,
    threshold: int,
    id: str,
) -> Markup:
    """Horizontal bars, one per ``(label, value, suppressed)``, each with its figure beside it.

    A suppressed row shows ``<{threshold}`` and a row without a value "–", neither with a bar.
    ``percent``: the values are shares (0..1), shown as percentages on a scale of 0–100%. Only
    the first :data:`MAX_BARS` are drawn; a line says how many more the table has.
    """
    if not bars:
        return _empty(title, language, id)
    shown = bars[:MAX_BARS]
    values = [float(v) for _, v, hidden in shown if v is not None and not hidden]
    ticks = [0, 0.25, 0.5, 0.75, 1.0] if percent else nice_ticks(max(values, default=0))
    labels = min(max(len(label) for label, _, _ in shown) * CHAR_WIDTH, BAR_LABELS)
    left = max(labels, 40) + 8
    plot = WIDTH - left - BAR_VALUES

    def fmt(value: Number) -> str:
        return percentage(value, language) if percent else number(value, language)

    def x_of(value: float) -> float:
        return left + plot * min(max(value, 0) / ticks[-1], 1)

    body: list[str] = []
    bottom = 8 + BAR_ROW * len(shown)
    for tick in ticks:  # tick marks, not grid lines: the figures beside the bars stay clear
        body.append(_line(x_of(tick), bottom, x_of(tick), bottom + 4))
        body.append(_text(x_of(tick), bottom + 18, fmt(tick), anchor="middle"))
    body.append(_line(left, 4, left, bottom))
    body.append(_line(left, bottom, left + plot, bottom))
    for row, (label, value, hidden) in enumerate(shown):
        top = 8 + BAR_ROW * row
        middle = top + BAR_ROW / 2 + 4
        body.append(_text(left - 8, middle, _fit(label, left - 8), anchor="end", full=label))
        if hidden or value is None:
            body.append(_text(left + 6, middle, f"<{threshold}" if hidden else "–"))
            continue
        end = x_of(float(value))
        body.append(
            f'<rect x="{_c(left)}" y="{_c(top + (BAR_ROW - BAR_HEIGHT) / 2)}" '
            f'width="{_c(end - left)}" height="{BAR_HEIGHT}" fill="{PALETTE[0]}"/>'
        )
        body.append(_text(end + 6, middle, fmt(value)))
    height = bottom + 26
    if unit:
        body.append(_text(left + plot, height + 4, unit, anchor="end"))
        height += 18
    if len(bars) > MAX_BARS:
        more = i18n.gettext(language, "%(count)s more in the table below")
        body.append(_text(8, height + 8, more % {"count": number(len(bars) - MAX_BARS, language)}))
        height += 22

    summary = [
        i18n.gettext(language, "Bar chart. Number of bars: %(count)s.")
        % {"count": number(len(bars), language)}
    ]
    candidates = [(float(v), label) for label, v, hidden in bars if v is not None and not hidden]
    if candidates:
        best, best_label = max(candidates, key=lambda c: c[0])
        summary.append(_largest(language, best_label, fmt(best)))
    suppressed = sum(1 for _, _, hidden in bars if hidden)
    if suppressed:
        summary.append(
            i18n.gettext(language, "Hidden (fewer than %(threshold)s): %(count)s.")
            % {"threshold": threshold, "count": number(suppressed, language)}
        )
    return _svg(id, height + 4, title, " ".join(summary), body)


# -- line chart --------------------------------------------------------------------------------

LINE_LEFT = 64
LINE_RIGHT = 24
LINE_PLOT = 220
LEGEND_ROW = 20


def _marker(shape: int, x: float, y: float, fill: str) -> str:
    """A point's marker; its shape tells the series apart without colour."""
    r = 4.5
    shapes = (
        f"M{_c(x - r)},{_c(y)}a{r},{r} 0 1,0 {2 * r},0a{r},{r} 0 1,0 {-2 * r},0Z",
        f"M{_c(x - r)},{_c(y - r)}h{2 * r}v{2 * r}h{-2 * r}Z",
        f"M{_c(x)},{_c(y - r - 1)}L{_c(x + r + 1)},{_c(y + r)}L{_c(x - r - 1)},{_c(y + r)}Z",
        f"M{_c(x)},{_c(y - r - 1)}L{_c(x + r + 1)},{_c(y)}L{_c(x)},{_c(y + r + 1)}"
        f"L{_c(x - r - 1)},{_c(y)}Z",
        f"M{_c(x - r - 1)},{_c(y - r)}L{_c(x + r + 1)},{_c(y - r)}L{_c(x)},{_c(y + r + 1)}Z",
    )
    return f'<path d="{shapes[shape % len(shapes)]}" fill="{fill}" stroke="#ffffff"/>'


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[str, Value]]]],
    *,
    title: str,
    unit: str,
    language: str,
    id: str,
) -> Markup:
    """One line per ``(name, [(x label, value), …])`` over the x labels in the order given.

    Each point has a marker whose shape (and each line's dash) differs per series; a point
    without a value breaks its line. The y axis starts at 0; a legend names the series when
    there are several.
    """
    labels = list(dict.fromkeys(x for _, points in series for x, _ in points))
    values = [float(v) for _, points in series for _, v in points if v is not None]
    if not labels or not values:
        return _empty(title, language, id)
    ticks = nice_ticks(max(values))
    legend = LEGEND_ROW * len(series) if len(series) > 1 else 0
    top = 24 + legend
    bottom = top + LINE_PLOT
    plot = WIDTH - LINE_LEFT - LINE_RIGHT

    def x_of(index: int) -> float:
        if len(labels) == 1:
            return LINE_LEFT + plot / 2
        return LINE_LEFT + plot * index / (len(labels) - 1)

    def y_of(value: float) -> float:
        return bottom - LINE_PLOT * max(value, 0) / ticks[-1]

    body: list[str] = []
    for row, (name, _) in enumerate(series if legend else ()):
        y = 12 + LEGEND_ROW * row
        body.append(_series_line([(8, y), (40, y)], row))
        body.append(_marker(row, 24, y, colour(row)))
        body.append(_text(48, y + 4, _fit(name, WIDTH - 56), full=name))
    if unit:
        body.append(_text(LINE_LEFT - 8, top - 10, unit, anchor="start"))
    for tick in ticks:
        body.append(_line(LINE_LEFT, y_of(tick), LINE_LEFT + plot, y_of(tick), GRID))
        body.append(_text(LINE_LEFT - 6, y_of(tick) + 4, number(tick, language), anchor="end"))
    body.append(_line(LINE_LEFT, top, LINE_LEFT, bottom))
    longest = max(len(x) for x in labels) * CHAR_WIDTH + 12
    every = math.ceil(len(labels) / max(int(plot / longest), 1))
    for index, x in enumerate(labels):
        body.append(_line(x_of(index), bottom, x_of(index), bottom + 4))
        if index % every == 0:
            body.append(_text(x_of(index), bottom + 18, x, anchor="middle"))

    for row, (name, points) in enumerate(series):
        found = dict(points)
        run: list[tuple[float, float]] = []
        for index, x in enumerate(labels):
            value = found.get(x)
            if value is None:
                body.append(_series_line(run, row))
                run = []
                continue
            point = (x_of(index), y_of(float(value)))
            run.append(point)
        body.append(_series_line(run, row))
        for index, x in enumerate(labels):
            value = found.get(x)
            if value is not None:
                tip = f"{name}, {x}: {number(value, language)}"
                body.append(
                    f"<g><title>{escape(tip)}</title>"
                    + _marker(row, x_of(index), y_of(float(value)), colour(row))
                    + "</g>"
                )

    peak = max(
        ((float(v), name, x) for name, points in series for x, v in points if v is not None),
        key=lambda p: p[0],
    )
    where = peak[2] if len(series) == 1 else f"{peak[1]}, {peak[2]}"
    summary = (
        i18n.gettext(language, "Line chart. Number of lines: %(lines)s; points: %(points)s.")
        % {"lines": number(len(series), language), "points": number(len(labels), language)},
        _largest(language, where, number(peak[0], language)),
    )
    return _svg(id, bottom + 30, title, " ".join(summary), body)


def _series_line(points: Sequence[tuple[float, float]], row: int) -> str:
    """One unbroken run of a series (nothing for fewer than two points)."""
    if len(points) < 2:
        return ""
    coords = " ".join(f"{_c(x)},{_c(y)}" for x, y in points)
    dash = f' stroke-dasharray="{DASHES[row % len(DASHES)]}"' if DASHES[row % len(DASHES)] else ""
    return (
        f'<polyline points="{coords}" fill="none" stroke="{colour(row)}" stroke-width="2"{dash}/>'
    )


# -- flow diagram ------------------------------------------------------------------------------

SANKEY_LABELS = 170  # the label column on each side
NODE_WIDTH = 12
NODE_GAP = 18


def _places(nodes: Iterable[tuple[str, float]]) -> dict[str, str | None]:
    """Each node's place: itself for the :data:`MAX_NODES` biggest, None ("other") for the rest."""
    totals: dict[str, float] = {}
    for label, value in nodes:
        totals[label] = totals.get(label, 0) + value
    ranked = sorted(totals, key=lambda k: (-totals[k], k.casefold()))
    if len(ranked) <= MAX_NODES:
        return {k: k for k in ranked}
    return {k: (k if i < MAX_NODES else None) for i, k in enumerate(ranked)}


def sankey(
    flows: Sequence[tuple[str, str, Value]],
    *,
    title: str,
    language: str,
    other_label: str,
    id: str,
) -> Markup:
    """Flows from the left nodes (``from``) to the right ones (``to``), each node as high as its
    total, each band as thick as its flow, the totals beside the nodes. Flows without a value
    (None, 0) are left out.

    Each side keeps its :data:`MAX_NODES` biggest nodes and folds the rest into one named
    ``other_label``; a left and a right node with the same label are two nodes.
    """
    given = [(a, b, float(v)) for a, b, v in flows if v is not None and v > 0]
    if not given:
        return _empty(title, language, id)
    froms = _places((a, v) for a, _, v in given)
    tos = _places((b, v) for _, b, v in given)
    merged: dict[tuple[str | None, str | None], float] = {}
    for a, b, v in given:
        pair = (froms[a], tos[b])
        merged[pair] = merged.get(pair, 0) + v
    sides: list[dict[str | None, float]] = [{}, {}]
    for pair, v in merged.items():
        for side in (0, 1):
            sides[side][pair[side]] = sides[side].get(pair[side], 0) + v
    for side in (0, 1):  # biggest first, "other" last
        ordered = sorted(sides[side].items(), key=lambda kv: (kv[0] is None, -kv[1]))
        sides[side] = dict(ordered)
    total = sum(merged.values())
    most = max(len(sides[0]), len(sides[1]))
    plot = max(200, most * 34)
    scale = (plot - NODE_GAP * (most - 1)) / total  # the same on both sides
    xs = (SANKEY_LABELS, WIDTH - SANKEY_LABELS - NODE_WIDTH)

    def name(node: str | None) -> str:
        return other_label if node is None else node

    tops: list[dict[str | None, float]] = [{}, {}]
    body: list[str] = []
    for side in (0, 1):
        used = sum(sides[side].values()) * scale + NODE_GAP * (len(sides[side]) - 1)
        y = 8 + (plot - used) / 2
        for index, (node, value) in enumerate(sides[side].items()):
            tops[side][node] = y
            fill = NEUTRAL if side or node is None else colour(index)
            body.append(
                f'<rect x="{xs[side]}" y="{_c(y)}" width="{NODE_WIDTH}" '
                f'height="{_c(value * scale)}" fill="{fill}"/>'
            )
            label = name(node)
            text = f"{_fit(label, SANKEY_LABELS - 70)} ({number(value, language)})"
            x = xs[0] - 6 if side == 0 else xs[1] + NODE_WIDTH + 6
            middle = y + value * scale / 2 + 4
            body.append(_text(x, middle, text, anchor="end" if side == 0 else "start", full=label))
            y += value * scale + NODE_GAP

    order = [{key: i for i, key in enumerate(sides[side])} for side in (0, 1)]
    cursor = [dict(tops[0]), dict(tops[1])]
    bands: list[str] = []
    for (source, target), value in sorted(
        merged.items(), key=lambda kv: (order[0][kv[0][0]], order[1][kv[0][1]])
    ):
        thick = value * scale
        y0, y1 = cursor[0][source], cursor[1][target]
        cursor[0][source] += thick
        cursor[1][target] += thick
        x0, x1 = xs[0] + NODE_WIDTH, xs[1]
        mid = (x0 + x1) / 2
        d = (
            f"M{_c(x0)},{_c(y0)}C{_c(mid)},{_c(y0)} {_c(mid)},{_c(y1)} {_c(x1)},{_c(y1)}"
            f"V{_c(y1 + thick)}C{_c(mid)},{_c(y1 + thick)} {_c(mid)},{_c(y0 + thick)} "
            f"{_c(x0)},{_c(y0 + thick)}Z"
        )
        tip = f"{name(source)} → {name(target)}: {number(value, language)}"
        fill = NEUTRAL if source is None else colour(order[0][source])
        bands.append(
            f'<path d="{d}" fill="{fill}" fill-opacity="0.35"><title>{escape(tip)}</title></path>'
        )

    (first, second), biggest = max(merged.items(), key=lambda kv: kv[1])
    summary = (
        i18n.gettext(language, "Flow diagram. From: %(left)s; to: %(right)s; total: %(total)s.")
        % {
            "left": number(len(sides[0]), language),
            "right": number(len(sides[1]), language),
            "total": number(total, language),
        },
        _largest(language, f"{name(first)} → {name(second)}", number(biggest, language)),
    )
    return _svg(id, plot + 16, title, " ".join(summary), bands + body)
