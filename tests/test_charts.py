"""The dashboards' charts are well-formed, accessible SVG: named and described in words, every
figure written beside its mark, labels escaped, colours with enough contrast, big inputs cut
down to what a chart can show."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from markupsafe import Markup

from renderers import charts

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "<script>&\"'"
BAR: dict[str, object] = {
    "title": "Transfers",
    "unit": "",
    "language": "en",
    "percent": False,
    "threshold": 5,
    "id": "bars",
}
LINE: dict[str, object] = {"title": "Per month", "unit": "pupils", "language": "en", "id": "lines"}
SANKEY: dict[str, object] = {
    "title": "Transfers",
    "language": "en",
    "other_label": "Other",
    "id": "flows",
}


def parse(markup: Markup) -> ElementTree.Element:
    assert isinstance(markup, Markup)
    return ElementTree.fromstring(str(markup))


def texts(svg: ElementTree.Element) -> list[str]:
    """The visible text of each ``<text>`` (its tooltip left out)."""
    return ["".join(t.itertext()).removeprefix(_tip(t)) for t in svg.iter(f"{SVG}text")]


def _tip(text: ElementTree.Element) -> str:
    tip = text.find(f"{SVG}title")
    return tip.text or "" if tip is not None else ""


def bars(svg: ElementTree.Element) -> list[ElementTree.Element]:
    return list(svg.iter(f"{SVG}rect"))


def font_sizes(svg: ElementTree.Element) -> list[float]:
    return [float(e.get("font-size", "")) for e in svg.iter() if e.get("font-size")]


def bar(*rows: tuple[str, float | int | None, bool], **options: object) -> ElementTree.Element:
    return parse(charts.bar_chart(list(rows), **{**BAR, **options}))  # type: ignore[arg-type]


def assert_accessible(svg: ElementTree.Element, ident: str, title: str) -> str:
    """The chart's accessible name and description; returns the description."""
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == f"{ident}-title {ident}-desc"
    assert svg.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+(\.\d)? \d+(\.\d)?", svg.get("viewBox", ""))
    heading, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert heading is not None and heading.get("id") == f"{ident}-title"
    assert heading.text == title
    assert desc is not None and desc.get("id") == f"{ident}-desc" and desc.text
    assert all(size >= 12 for size in font_sizes(svg))
    assert "style" not in str(ElementTree.tostring(svg)) and "<script" not in desc.text
    return desc.text


# -- colours -----------------------------------------------------------------------------------


def test_contrast_ratio_follows_wcag() -> None:
    assert charts.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert charts.contrast_ratio("#fff", "#000") == pytest.approx(21)
    assert charts.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert charts.contrast_ratio("#abcdef", "#abcdef") == pytest.approx(1)


def test_every_colour_stands_out_against_white() -> None:
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) >= 6
    for colour in (*charts.PALETTE, charts.NEUTRAL, charts.GRID):
        assert charts.contrast_ratio(colour, "#ffffff") >= 3, colour
    assert charts.contrast_ratio(charts.TEXT, "#ffffff") >= 4.5


def test_charts_use_only_the_palette() -> None:
    svg = str(
        charts.sankey([(f"A{i}", f"B{i % 3}", i + 1) for i in range(12)], **SANKEY)
        + charts.line_chart([("x", [("1", 1)]), ("y", [("1", 2)])], **LINE)
    )
    allowed = {*charts.PALETTE, charts.NEUTRAL, charts.GRID, charts.TEXT, "#ffffff"}
    assert set(re.findall(r"#[0-9a-f]{6}", svg)) <= allowed


# -- scale -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (10, [0, 2.5, 5, 7.5, 10]),
        (11, [0, 5, 10, 15]),
        (87, [0, 25, 50, 75, 100]),
        (1, [0, 0.25, 0.5, 0.75, 1]),
        (0.3, [0, 0.1, 0.2, 0.3]),
        (0, [0, 0.25, 0.5, 0.75, 1]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_ticks_are_few_nice_and_start_at_zero(maximum: float, ticks: list[float]) -> None:
    assert charts.nice_ticks(maximum) == ticks


def test_ticks_always_cover_the_maximum_in_four_or_five_steps() -> None:
    for maximum in [0.07, 0.5, 3, 7, 13, 29, 99, 101, 777, 5000.5]:
        ticks = charts.nice_ticks(maximum)
        assert ticks[0] == 0 and ticks[-1] >= maximum and 4 <= len(ticks) <= 5


# -- bar chart ---------------------------------------------------------------------------------


def test_a_bar_chart_is_accessible_and_draws_one_bar_per_value() -> None:
    svg = bar(("A", 12, False), ("B", 3, False), ("C", 7, False), id="overview-3")
    desc = assert_accessible(svg, "overview-3", "Transfers")
    assert len(bars(svg)) == 3
    assert {"A", "B", "C", "12", "3", "7"} <= set(texts(svg))
    assert "3" in desc and "A" in desc and "12" in desc
    widths = [float(r.get("width", "")) for r in bars(svg)]
    assert widths[0] / widths[1] == pytest.approx(4, rel=0.02)


def test_suppressed_and_missing_rows_have_a_label_and_no_bar() -> None:
    svg = bar(("A", 12, False), ("B", None, True), ("C", None, False), threshold=5)
    assert len(bars(svg)) == 1
    shown = texts(svg)
    assert {"A", "B", "C", "<5", "–"} <= set(shown)
    assert "<5" in str(charts.bar_chart([("B", None, True)], **BAR)).replace("&lt;", "<")
    assert "Hidden (fewer than 5): 1." in (svg.findtext(f"{SVG}desc") or "")


def test_a_suppressed_row_never_shows_its_number() -> None:
    svg = bar(("A", 12, False), ("B", 3, True), threshold=10)
    assert len(bars(svg)) == 1 and "<10" in texts(svg) and "3" not in texts(svg)


def test_shares_are_percentages_on_a_scale_to_100() -> None:
    svg = bar(("A", 0.5, False), ("B", 0.125, False), ("C", 1, False), percent=True, language="nl")
    shown = texts(svg)
    assert {"50%", "12,5%", "100%", "0%", "25%", "75%"} <= set(shown)
    widths = [float(r.get("width", "")) for r in bars(svg)]
    assert widths[2] / widths[0] == pytest.approx(2, rel=0.01)
    english = bar(("A", 0.125, False), percent=True, language="en")
    assert "12.5%" in texts(english)


def test_numbers_follow_the_language_and_the_unit_is_shown() -> None:
    svg = bar(("A", 7.25, False), ("B", 3, False), unit="days", language="nl")
    assert {"7,2", "3", "days"} <= set(texts(svg))


def test_more_than_thirty_bars_are_cut_with_a_line_about_the_rest() -> None:
    rows = [(f"School {i}", i, False) for i in range(1, 43)]
    svg = bar(*rows)
    assert len(bars(svg)) == 30
    assert "School 30" in texts(svg) and "School 31" not in texts(svg)
    assert "12 more in the table below" in texts(svg)
    assert "42" in (svg.findtext(f"{SVG}desc") or "")  # the description counts them all


def test_labels_are_escaped() -> None:
    markup = charts.bar_chart([(NASTY, 3, False)], **{**BAR, "title": NASTY})
    assert "<script" not in str(markup)
    svg = parse(markup)
    assert NASTY in texts(svg) and svg.findtext(f"{SVG}title") == NASTY


def test_a_long_label_is_cut_and_kept_whole_as_its_tooltip() -> None:
    name = "Openbare basisschool De Regenboog aan de Lange Nieuwstraat"
    svg = bar((name, 3, False))
    label = next(t for t in svg.iter(f"{SVG}text") if _tip(t) == name)
    assert "".join(label.itertext()).endswith("…")


def test_the_id_is_sanitised() -> None:
    svg = bar(("A", 1, False), id='x" onload="alert(1)')
    assert svg.get("id") == "xonloadalert1"
    assert_accessible(svg, "xonloadalert1", "Transfers")
    assert bar(("A", 1, False), id="3").get("id") == "chart-3"


# -- line chart --------------------------------------------------------------------------------


def polylines(svg: ElementTree.Element) -> list[list[tuple[float, float]]]:
    return [
        [tuple(map(float, p.split(","))) for p in (line.get("points") or "").split()]  # type: ignore[misc]
        for line in svg.iter(f"{SVG}polyline")
    ]


def markers(svg: ElementTree.Element) -> list[ElementTree.Element]:
    return [m for g in svg.iter(f"{SVG}g") for m in g.iter(f"{SVG}path")]


def test_a_line_chart_is_accessible_with_ticks_from_zero() -> None:
    points = [("2027-01", 3), ("2027-02", 8), ("2027-03", 5)]
    svg = parse(charts.line_chart([("Requests", points)], **LINE))
    desc = assert_accessible(svg, "lines", "Per month")
    assert "8" in desc and "2027-02" in desc
    assert len(polylines(svg)) == 1 and len(polylines(svg)[0]) == 3
    assert len(markers(svg)) == 3
    shown = texts(svg)
    assert {"0", "2", "4", "6", "8", "2027-01", "2027-03", "pupils"} <= set(shown)
    assert "Requests" not in shown  # one series: no legend


def test_a_missing_value_breaks_the_line() -> None:
    points = [("1", 1), ("2", 2), ("3", None), ("4", 4), ("5", 5), ("6", None), ("7", 7)]
    svg = parse(charts.line_chart([("Requests", points)], **LINE))
    runs = polylines(svg)
    assert [len(run) for run in runs] == [2, 2]  # the lone point 7 is only a marker
    assert len(markers(svg)) == 5
    xs = [x for run in runs for x, _ in run]
    assert xs == sorted(xs)


def test_series_differ_by_shape_and_dash_and_have_a_legend() -> None:
    one = [("a", 1), ("b", 2)]
    svg = parse(
        charts.line_chart([("Requests", one), ("Placements", [("b", 1), ("c", 3)])], **LINE)
    )
    assert {"Requests", "Placements"} <= set(texts(svg))
    lines = list(svg.iter(f"{SVG}polyline"))
    dashes = {line.get("stroke-dasharray") for line in lines}
    assert len(dashes) == 2  # the legend's and the chart's line of each series agree
    shapes = {re.sub(r"[-\d.]+", "", m.get("d", "")) for m in markers(svg)}
    assert len(shapes) == 2
    # the x labels are shared, in the order they came: a, b, c
    assert [t for t in texts(svg) if t in {"a", "b", "c"}] == ["a", "b", "c"]


# -- flow diagram ------------------------------------------------------------------------------


def nodes(svg: ElementTree.Element) -> dict[str, float]:
    """Each node's label text ("name (total)") and its height."""
    rects = bars(svg)
    labels = [t for t in texts(svg) if t.endswith(")")]
    assert len(rects) == len(labels)
    return {label: float(r.get("height", "")) for label, r in zip(labels, rects)}


def test_a_sankey_is_accessible_with_proportional_nodes() -> None:
    flows = [("A", "X", 30), ("A", "Y", 10), ("B", "X", 20), ("C", "Y", None), ("C", "X", 0)]
    svg = parse(charts.sankey(flows, **SANKEY))
    desc = assert_accessible(svg, "flows", "Transfers")
    assert "A → X" in desc and "60" in desc
    heights = nodes(svg)
    assert set(heights) == {"A (40)", "B (20)", "X (50)", "Y (10)"}
    assert heights["A (40)"] / heights["B (20)"] == pytest.approx(2, rel=0.01)
    assert heights["X (50)"] / heights["Y (10)"] == pytest.approx(5, rel=0.01)
    assert heights["A (40)"] / heights["Y (10)"] == pytest.approx(4, rel=0.01)  # both sides
    bands = [p for p in svg.iter(f"{SVG}path") if p.get("fill-opacity")]
    assert len(bands) == 3 and all("C" in (b.get("d") or "") for b in bands)


def test_a_sankey_folds_the_small_nodes_into_other() -> None:
    flows = [(f"From {i:02}", f"To {i % 10:02}", 100 - i) for i in range(20)]
    svg = parse(charts.sankey(flows, **SANKEY))
    labels = list(nodes(svg))  # the left side first, each biggest first and "Other" last
    assert len(labels) == 18
    left, right = labels[:9], labels[9:]
    assert left[:2] == ["From 00 (100)", "From 01 (99)"]
    assert left[-1] == f"Other ({sum(100 - i for i in range(8, 20))})"
    assert [label.split(" (")[0] for label in right] == [f"To {i:02}" for i in range(8)] + ["Other"]
    assert right[0] == "To 00 (190)" and right[-1] == "Other (346)"  # To 08 (174) and To 09 (172)


def test_the_same_label_on_both_sides_is_two_nodes() -> None:
    svg = parse(
        charts.sankey([("De Klimop", "De Klimop", 4), ("Elders", "De Klimop", 2)], **SANKEY)
    )
    assert list(nodes(svg)) == ["De Klimop (4)", "Elders (2)", "De Klimop (6)"]


def test_sankey_labels_are_escaped() -> None:
    markup = charts.sankey([(NASTY, NASTY, 2)], **{**SANKEY, "other_label": NASTY})
    assert "<script" not in str(markup)
    assert f"{NASTY} (2)" in texts(parse(markup))


# -- empty -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [
        lambda: charts.bar_chart([], **BAR),
        lambda: charts.line_chart([], **LINE),
        lambda: charts.line_chart([("Requests", [("a", None)])], **LINE),
        lambda: charts.sankey([("A", "B", 0), ("A", "C", None)], **SANKEY),
    ],
)
def test_an_empty_chart_says_there_is_nothing_to_show(markup: object) -> None:
    svg = parse(markup())  # type: ignore[operator]
    assert svg.get("role") == "img"
    assert texts(svg) == ["There is nothing to show in this chart."]
    assert not bars(svg) and not list(svg.iter(f"{SVG}polyline"))


def test_short_labels_are_never_cut() -> None:
    for label in ("A", "Bee", "Kees", "De Klimop", "Basisschool De Regenboog"):
        assert label in texts(bar((label, 3, False)))


def test_negative_flows_are_left_out() -> None:
    svg = parse(charts.sankey([("A", "B", 3), ("A", "C", -2)], **SANKEY))
    assert list(nodes(svg)) == ["A (3)", "B (3)"]
