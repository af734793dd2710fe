"""Engine benchmark: check+compile vs pyxform, full and incremental evaluation.

Generates one definition of 1,000 fields (300 with a condition, 50 calculations) and the
equivalent XLSForm, then measures in the same run:

* compile_ms: our load → model → check → compile of the YAML file (no cache);
* pyxform_ms: pyxform's conversion of the XLSForm (``validate=False``: no Java validator);
* eval_full_ms: evaluation of all 1,000 fields with answers;
* eval_incremental_ms: re-evaluation after one answer changes.

Figures are medians. The last line printed is one JSON object. ``--quick`` takes < 30 s.

    .venv/bin/python -m benchmarks.engine [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

FIELDS = 1000
CONDITIONS = 300
CALCULATIONS = 50
PAGES = 10
SECTIONS_PER_PAGE = 5


def field_plan() -> list[dict[str, Any]]:
    """The fields, in order, in a neutral form both generators use."""
    kinds = ["text", "integer", "choice", "yesno", "date"]
    plan: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    calc_every = FIELDS // CALCULATIONS  # one calculation in every 20 fields
    cond_count = 0
    for index in range(FIELDS):
        name = f"f{index:04d}"
        if index % calc_every == calc_every - 1:
            numbers = [f for f in inputs[-20:] if f["kind"] == "integer"][-2:]
            plan.append(
                {"name": name, "kind": "calculated", "operands": [f["name"] for f in numbers]}
            )
            continue
        kind = kinds[index % len(kinds)]
        entry: dict[str, Any] = {"name": name, "kind": kind, "condition": None}
        # conditions on 300 of the inputs, each on an earlier choice or integer
        if index > 10 and cond_count < CONDITIONS and index % 3 == 0:
            source = next(f for f in reversed(inputs) if f["kind"] in ("choice", "integer"))
            entry["condition"] = source
            cond_count += 1
        plan.append(entry)
        inputs.append(entry)
    assert cond_count == CONDITIONS, cond_count
    assert sum(1 for f in plan if f["kind"] == "calculated") == CALCULATIONS
    return plan


def popo_definition(plan: list[dict[str, Any]]) -> dict[str, Any]:
    per_section = FIELDS // (PAGES * SECTIONS_PER_PAGE)
    pages = []
    for p in range(PAGES):
        sections = []
        for s in range(SECTIONS_PER_PAGE):
            start = (p * SECTIONS_PER_PAGE + s) * per_section
            fields = []
            for entry in plan[start : start + per_section]:
                field: dict[str, Any] = {"id": entry["name"], "label": f"Vraag {entry['name']}"}
                kind = entry["kind"]
                if kind == "calculated":
                    field.update(type="calculated", calculate=" + ".join(entry["operands"]) or "0")
                else:
                    field["type"] = kind
                    if kind == "choice":
                        field["choices"] = "abc"
                    if kind == "integer":
                        field.update(min=0, max=100)
                    source = entry["condition"]
                    if source is not None:
                        if source["kind"] == "choice":
                            field["visible_if"] = f'{source["name"]} == "a"'
                        else:
                            field["visible_if"] = f"{source['name']} > 10"
                fields.append(field)
            sections.append({"id": f"s{p}_{s}", "title": f"Sectie {s}", "fields": fields})
        pages.append({"id": f"p{p}", "title": f"Pagina {p}", "sections": sections})
    return {
        "id": "benchmark",
        "version": 1,
        "title": "Benchmark",
        "kind": "custom",
        "languages": ["nl"],
        "choices": {"abc": [{"value": v, "label": v.upper()} for v in "abc"]},
        "pages": pages,
    }


def xlsform(plan: list[dict[str, Any]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label", "relevant", "calculation", "constraint", "required"])
    per_section = FIELDS // (PAGES * SECTIONS_PER_PAGE)
    xls_types = {
        "text": "text",
        "integer": "integer",
        "choice": "select_one abc",
        "yesno": "select_one yn",
        "date": "date",
    }
    for p in range(PAGES):
        survey.append(["begin group", f"p{p}", f"Pagina {p}", "", "", "", ""])
        for s in range(SECTIONS_PER_PAGE):
            survey.append(["begin group", f"s{p}_{s}", f"Sectie {s}", "", "", "", ""])
            start = (p * SECTIONS_PER_PAGE + s) * per_section
            for entry in plan[start : start + per_section]:
                kind = entry["kind"]
                label = f"Vraag {entry['name']}"
                if kind == "calculated":
                    calc = " + ".join(f"${{{n}}}" for n in entry["operands"]) or "0"
                    survey.append(["calculate", entry["name"], label, "", calc, "", ""])
                    continue
                relevant = ""
                source = entry["condition"]
                if source is not None:
                    if source["kind"] == "choice":
                        relevant = f"${{{source['name']}}} = 'a'"
                    else:
                        relevant = f"${{{source['name']}}} > 10"
                constraint = ". >= 0 and . <= 100" if kind == "integer" else ""
                survey.append([xls_types[kind], entry["name"], label, relevant, "", constraint, ""])
            survey.append(["end group", "", "", "", "", "", ""])
        survey.append(["end group", "", "", "", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for v in "abc":
        choices.append(["abc", v, v.upper()])
    choices.append(["yn", "yes", "Ja"])
    choices.append(["yn", "no", "Nee"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Benchmark", "benchmark"])
    book.save(path)


def answers_for(plan: list[dict[str, Any]]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for index, entry in enumerate(plan):
        kind = entry["kind"]
        if kind == "text":
            answers[entry["name"]] = f"antwoord {index}"
        elif kind == "integer":
            answers[entry["name"]] = str(index % 40)
        elif kind == "choice":
            answers[entry["name"]] = "abc"[index % 3]
        elif kind == "yesno":
            answers[entry["name"]] = "ja"
        elif kind == "date":
            answers[entry["name"]] = f"2026-0{1 + index % 9}-1{index % 9}"
    return answers


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time; like timeit, the garbage collector is paused while timing."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        finally:
            gc.enable()
    return statistics.median(times)


def per_call_ms(fn: Callable[[], Any], calls: int, repeat: int = 7) -> float:
    """Median over ``repeat`` batches of the time per call (for sub-millisecond work)."""
    return median_ms(lambda: [fn() for _ in range(calls)], repeat) / calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (< 30 s)")
    args = parser.parse_args(argv)
    compile_repeat, eval_repeat = (9, 50) if args.quick else (25, 200)

    from pyxform.xls2xform import convert

    from engine.checker import check_definition
    from engine.compiler import compile_form
    from engine.errors import Diagnostics
    from engine.evaluate import evaluate, reevaluate
    from engine.expressions.parser import clear_cache as clear_parse_cache
    from engine.loader import load_definition

    plan = field_plan()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        form_path = folder / "benchmark.form.yaml"
        form_path.write_text(yaml.safe_dump(popo_definition(plan), sort_keys=False), "utf-8")
        xls_path = folder / "benchmark.xlsx"
        xlsform(plan, xls_path)

        def popo_compile() -> Any:
            clear_parse_cache()  # a cold compile: no expression parsed before
            loaded = load_definition(form_path)
            assert loaded.model is not None, [d.render() for d in loaded.diagnostics]
            diagnostics = Diagnostics()
            checked = check_definition(loaded.model, diagnostics)
            assert not diagnostics.errors, [d.render() for d in diagnostics.errors[:3]]
            return compile_form(checked, "benchmark")

        def pyxform_convert() -> Any:
            return convert(xlsform=str(xls_path), validate=False)

        compiled = popo_compile()
        pyxform_convert()  # warm-up (imports, caches)
        # Interleaved, so that both sides meet the same machine noise; the speed-up is the
        # median of the per-pair ratios.
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(compile_repeat):
            ours.append(median_ms(popo_compile, 1))
            theirs.append(median_ms(pyxform_convert, 1))
        compile_ms = statistics.median(ours)
        pyxform_ms = statistics.median(theirs)
        speedup = statistics.median(t / o for o, t in zip(ours, theirs, strict=True))

    answers = answers_for(plan)
    state = evaluate(compiled, answers)
    visible = sum(
        1 for k, v in state.visible.items() if v and not k.startswith(("page:", "section:"))
    )
    eval_full_ms = per_call_ms(lambda: evaluate(compiled, answers), eval_repeat)

    # one change: an integer that conditions and calculations depend on
    target = next(
        e["name"]
        for e in plan
        if e["kind"] == "integer"
        and any((f.get("condition") or {}).get("name") == e["name"] for f in plan)
    )
    flipped = [dict(answers, **{target: "50"}), answers]
    states = [state]
    toggle = [0]

    def incremental() -> None:
        new_answers = flipped[toggle[0] % 2]
        toggle[0] += 1
        states[0], _changed = reevaluate(compiled, states[0], new_answers, target)

    eval_incremental_ms = per_call_ms(incremental, eval_repeat * 10)
    _, changed = reevaluate(compiled, state, flipped[0], target)

    result = {
        "fields": FIELDS,
        "conditions": CONDITIONS,
        "calculations": CALCULATIONS,
        "visible_fields": visible,
        "compile_ms": round(compile_ms, 2),
        "pyxform_ms": round(pyxform_ms, 2),
        "speedup_vs_pyxform": round(speedup, 2),
        "eval_full_ms": round(eval_full_ms, 3),
        "eval_incremental_ms": round(eval_incremental_ms, 4),
        "incremental_vs_full": round(eval_full_ms / eval_incremental_ms, 1),
        "incremental_changed_fields": len(changed),
        "python": sys.version.split()[0],
    }
    print(
        f"check+compile {compile_ms:.1f} ms vs pyxform {pyxform_ms:.1f} ms "
        f"({result['speedup_vs_pyxform']}x)"
    )
    print(f"evaluation: full {eval_full_ms:.3f} ms, after one change {eval_incremental_ms:.4f} ms")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
