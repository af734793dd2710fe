"""Helpers shared by test modules."""

from __future__ import annotations

import random
import re
import time
from datetime import date
from typing import Any

from httpx import Client

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
            elif node.kind == "email":
                answer_paths.set_answer(answers, key, "contact@school.example")
            elif node.kind == "date":  # the example pupil is too old for primary school
                born = key == "geboortedatum"
                answer_paths.set_answer(answers, key, "17-03-2018" if born else "01-09-2022")
            else:
                value = answer_paths.get_answer(answers, key) or "Ingevuld."
                answer_paths.set_answer(answers, key, str(value)[:100])
    remaining = evaluate(form, answers, today).errors
    assert not remaining, remaining
    return answers


# The first page of the adviesformulier (noord and zuid), as a school fills it in.
ADVIES_LEERLING = {
    "achternaam": "Jansen",
    "voornamen": "Sanne",
    "geboortedatum": "03-04-2018",
    "geslacht": "1",
    "identificatie": "bsn",
    "bsn": "111222333",
    "school_naam": "De Regenboog",
    "school_brin": "12AB",
    "school_vestiging": "00",
    "groep": "3",
    "contactpersoon": "M. de Vries",
    "contact_functie": "leerkracht",
    "contact_email": "m@school.example",
}


def fill_pages(client: Client, base: str, pages: dict[str, dict[str, str]]) -> None:
    """Post each page with "next", as a person without JavaScript would; each must be accepted."""
    for page_id, data in pages.items():
        response = client.post(
            f"{base}/pages/{page_id}", data={**data, "action": "next"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text[:2000]


def downloaded(client: Client, base: str, seconds: float = 90) -> Any:
    """The PDF download once the archive job (run by the client's in-process worker) made it:
    until then the download answers 202, "being made"."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(f"{base}/submission.pdf")
        if response.status_code != 202 or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


# ---------------------------------------------------------------------- pupil numbers
# BSN and onderwijsnummer pass the 11-test (runtime/pupils/numbers.py); these make valid ones.

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def remainder(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11


def with_check_digit(first: str, wanted: int) -> str | None:
    """The 9-digit number that starts with the 8 digits ``first`` and leaves ``wanted``; None
    when its check digit would have to be 10."""
    check = (remainder(first + "0") - wanted) % 11
    return first + str(check) if check < 10 else None


def a_bsn(rng: random.Random) -> str:
    while True:
        found = with_check_digit(f"{rng.randrange(10**7, 10**8)}", 0)
        if found is not None:
            return found


def an_onderwijsnummer(rng: random.Random) -> str:
    while True:
        found = with_check_digit(f"10{rng.randrange(10**6):06d}", 5)
        if found is not None:
            return found
