"""Overview definitions (*.overview.yaml): every check at the author's line and column, the
compiled overview, what the figures mean (shares, averages, suppression, order), the
scenarios on a small data set with their failures at the line, and the shipped overviews."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.overviews import check_overview_file, compile_overview_file
from engine.overviews.evaluate import Cell, Group, Record, evaluate, order, suppress
from engine.scenarios import run_suite
from engine.workspace import open_workspace

from .conftest import REPOSITORY

SHIPPED = REPOSITORY / "definitions" / "base" / "overviews"

OVERVIEW = """\
id: proef
version: 1
title: {nl: Proef, en: Trial}
languages: [nl, en]
source: transfers
rows: [reason]
measures:
  - {id: aantal, label: {nl: Aantal, en: Count}, aggregate: count}
  - {id: klaar, label: {nl: Klaar, en: Done}, aggregate: share, flag: closed}
"""


def write(tmp_path: Path, text: str, name: str = "proef.overview.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(path: Path) -> list[str]:
    result = check_overview_file(path)
    return [d.render() for d in result.diagnostics.errors]


def test_a_sound_overview_compiles(tmp_path: Path) -> None:
    compiled = compile_overview_file(write(tmp_path, OVERVIEW))
    assert compiled.rows == ("reason",)
    assert [m.id for m in compiled.measures] == ["aantal", "klaar"]
    assert compiled.title == {"nl": "Proef", "en": "Trial"}
    assert compiled.audiences == ("school", "bestuur", "swv") and compiled.content_hash


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (("rows: [reason]", "rows: [reden]"), "6:8", "has no dimension 'reden'"),
        (("source: transfers", "source: transfer"), "5:9", "there is no source 'transfer'"),
        (("flag: closed", "flag: gesloten"), "9:71", "has no flag 'gesloten'"),
        (("aggregate: share, flag: closed", "aggregate: share"), "9:58", "a share needs the flag"),
        (
            ("aggregate: count}", "aggregate: sum}"),
            "8:61",
            "aggregate: sum needs the value it takes",
        ),
    ],
)
def test_each_problem_is_at_its_line_and_column(
    tmp_path: Path, change: tuple[str, str], where: str, message: str
) -> None:
    found = errors(write(tmp_path, OVERVIEW.replace(*change)))
    assert any(f"proef.overview.yaml:{where}:" in e and message in e for e in found), found


def test_layout_chart_sort_audience_and_suppression_are_checked(tmp_path: Path) -> None:
    text = OVERVIEW + (
        "layout: matrix\nchart: sankey\nsort: {by: grootte}\naudiences: [school, ouders]\n"
        "suppress_below: 1\nfilters:\n  - {dimension: state, in: [half]}\n  - {flag: klaar}\n"
    )
    found = "\n".join(errors(write(tmp_path, text)))
    assert "a matrix needs two dimensions" in found
    assert "a Sankey diagram needs two dimensions" in found
    assert "cannot be sorted by 'grootte'" in found
    assert "there is no audience 'ouders'" in found
    assert "suppress_below is 1" in found
    assert "'half' is not a value of state" in found and "has no flag 'klaar'" in found


def test_a_misspelt_key_is_a_shape_error_at_its_node(tmp_path: Path) -> None:
    found = errors(write(tmp_path, OVERVIEW + "charts: bar\n"))
    assert any("proef.overview.yaml:10:1:" in e and "charts" in e for e in found), found


# ---------------------------------------------------------------------- what figures mean


def records(*items: tuple[str, set[str]]) -> list[Record]:
    return [
        Record(on=date(2026, 3, 1), dimensions={"reason": reason}, flags=frozenset(flags))
        for reason, flags in items
    ]


def test_a_share_counts_among_the_rows_it_is_of(tmp_path: Path) -> None:
    compiled = compile_overview_file(write(tmp_path, OVERVIEW))
    groups, totals = evaluate(compiled, records(("a", {"closed"}), ("a", set()), ("b", {"closed"})))
    by = {g.keys: g.cells for g in groups}
    assert by[("a",)] == (Cell(2, 2), Cell(0.5, 2))
    assert totals[1].value == pytest.approx(2 / 3)


def test_a_small_cell_is_hidden_and_the_smallest_beside_it_too() -> None:
    groups = [
        Group(("a",), (Cell(9, 9),)),
        Group(("b",), (Cell(6, 6),)),
        Group(("c",), (Cell(2, 2),)),
        Group(("d",), (Cell(0, 0),)),
    ]
    hidden, totals = suppress(groups, (Cell(17, 17),), 5)
    shown = {g.keys[0]: g.cells[0] for g in hidden}
    assert shown["c"].suppressed and shown["c"].value is None  # primary
    assert shown["b"].suppressed  # secondary: the smallest other figure above zero
    assert not shown["a"].suppressed and not shown["d"].suppressed  # zero is no person
    assert totals == (Cell(17, 17),)
    assert suppress(groups, (Cell(17, 17),), None)[0] == groups  # a school's own figures


def test_two_hidden_cells_need_no_secondary_and_a_small_total_is_hidden() -> None:
    groups = [Group(("a",), (Cell(3, 3),)), Group(("b",), (Cell(1, 1),))]
    hidden, totals = suppress(groups, (Cell(4, 4),), 5)
    assert all(g.cells[0].suppressed for g in hidden) and totals[0].suppressed


def test_groups_sort_by_a_measure_with_the_empty_ones_last(tmp_path: Path) -> None:
    compiled = compile_overview_file(write(tmp_path, OVERVIEW))
    groups = [
        Group(("b",), (Cell(2, 2), Cell(None, 0))),
        Group(("a",), (Cell(5, 5), Cell(0.2, 5))),
        Group(("c",), (Cell(1, 1), Cell(0.9, 1, False))),
    ]
    assert [g.keys[0] for g in order(compiled, groups, "aantal", True)] == ["a", "b", "c"]
    assert [g.keys[0] for g in order(compiled, groups, "klaar", False)] == ["a", "c", "b"]
    assert [g.keys[0] for g in order(compiled, groups, None, False)] == ["a", "b", "c"]
    labels = {"a": "Zeta", "b": "Alfa", "c": "Mu"}
    named = order(compiled, groups, "reason", False, lambda _i, key: labels[key or ""])
    assert [g.keys[0] for g in named] == ["b", "c", "a"]


# ---------------------------------------------------------------------- scenarios


def test_a_failing_scenario_says_what_and_where(tmp_path: Path) -> None:
    overview = write(tmp_path, OVERVIEW)
    scenarios = write(
        tmp_path,
        "overview: proef.overview.yaml\nscenarios:\n  - name: telt\n    records:\n"
        "      - {reason: a, flags: [closed]}\n      - {reden: b}\n    expect:\n"
        "      rows:\n        - {keys: [a], aantal: 2}\n",
        "proef.scenarios.yaml",
    )
    suite = run_suite((), [scenarios], [tmp_path], overviews=[overview])
    lines = "\n".join(suite.lines(False))
    assert "proef.scenarios.yaml:6:10:" in lines and "no dimension 'reden'" in lines
    fixed = scenarios.read_text().replace("reden: b", "reason: b")
    scenarios.write_text(fixed)
    suite = run_suite((), [scenarios], [tmp_path], overviews=[overview])
    lines = "\n".join(suite.lines(False))
    assert "proef.scenarios.yaml:9:31:" in lines and "aantal is 1, not 2" in lines
    assert "there are rows not listed: b" in lines
    assert not suite.ok(False)


def test_an_overview_without_scenarios_fails_the_coverage(tmp_path: Path) -> None:
    overview = write(tmp_path, OVERVIEW)
    suite = run_suite((), [], [tmp_path], overviews=[overview])
    assert "1 overview without scenarios" in suite.reasons(True)
    assert any("this overview has no scenarios" in line for line in suite.lines(True))


def test_the_shipped_overviews_check_clean_and_their_scenarios_pass() -> None:
    workspace = open_workspace([SHIPPED])
    assert workspace.ok, [d.render() for d in workspace.all_diagnostics()]
    assert len(workspace.overviews) >= 10 and all(o.ok for o in workspace.overviews)
    paths = [o.path for o in workspace.overviews]
    suite = run_suite((), [], [SHIPPED], overviews=paths)
    assert suite.ok(True), suite.lines(True)
