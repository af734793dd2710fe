"""Helpers shared by test modules."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from engine.compiler import CompiledForm
from engine.evaluate import evaluate, template_of
from runtime.forms import answers as answer_paths


def answer_the_rest(form: CompiledForm, answers: dict[str, Any], today: date) -> dict[str, Any]:
    """Answer what an import left open or wrong, as a school would on the form's pages, until
    the form is valid. Changes ``answers`` in place and returns it."""
    for _ in range(5):
        result = evaluate(form, answers, today)
        if result.valid:
            return answers
        for key in sorted(result.errors, reverse=True):
            node = form.by_key[template_of(key)]
            if node.kind == "file":  # a row whose file the form did not accept
                group, index = re.match(r"(\w+)\[(\d+)\]", key).groups()  # type: ignore[union-attr]
                answers[group].pop(int(index))
            elif node.kind == "choice":
                answer_paths.set_answer(answers, key, sorted(node.choice_values)[0])
            elif node.kind == "yesno":
                answer_paths.set_answer(answers, key, "false")
            elif node.kind == "date":  # the example pupil is too old for primary school
                born = key == "geboortedatum"
                answer_paths.set_answer(answers, key, "17-03-2018" if born else "01-09-2022")
            else:
                value = answer_paths.get_answer(answers, key) or "Ingevuld."
                answer_paths.set_answer(answers, key, str(value)[:100])
    remaining = evaluate(form, answers, today).errors
    assert not remaining, remaining
    return answers
