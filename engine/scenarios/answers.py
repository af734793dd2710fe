"""A scenario's answers checked against its form before anything is evaluated.

An unknown field (``sort:`` for ``soort``), an unknown key in a row, a value that is no choice or
a text for a number is a mistake in the scenario: the expectations would then pass or fail for
the wrong reason. :func:`check_answers` finds each, where it is written, with a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..compiler import CompiledForm, Node
from ..display import show_value
from ..errors import Location, did_you_mean
from ..fieldtypes import Invalid, is_blank
from ..yamlsource import LocDict, LocList

_EXPECTED_KIND = {
    "text": "a text",
    "textarea": "a text",
    "email": "an e-mail address such as naam@voorbeeld.nl",
    "phone": "a Dutch phone number such as 06 12345678",
    "postcode": "a postcode such as 1234 AB",
    "bsn": "a BSN (9 digits that pass the 11-test)",
    "onderwijsnummer": "an onderwijsnummer (9 digits starting with 10)",
    "brin": "a BRIN code such as 12AB",
    "brin_vestiging": "a BRIN code and location such as 12AB00",
    "integer": "a whole number",
    "decimal": "a number such as 7.5",
    "date": "a date such as 2027-01-15",
    "yesno": "true or false",
    "choice": "one of its choices",
    "multichoice": "a list of its choices such as [a, b]",
    "file": "a file such as {name: rapport.pdf, media_type: application/pdf, size: 20000}",
}


@dataclass
class _AnswerCheck:
    """Checks a scenario's answers against a form: every key a field, every value readable."""

    form: CompiledForm
    where: str  # "the form", "version 1"
    exempt: frozenset[str]  # instance keys whose errors the scenario expects
    fallback: Location
    problems: list[tuple[Location, str]] = field(default_factory=list)

    def run(self, answers: Any) -> list[tuple[Location, str]]:
        if isinstance(answers, Mapping):
            top = {
                key: node
                for key, node in self.form.by_key.items()
                if ":" not in key and not node.repeat_path
            }
            self.mapping(answers, top, "", None)
        return self.problems

    def loc(self, container: Any, key: Any, of_key: bool = False) -> Location:
        if isinstance(container, LocDict):
            if of_key:
                return container.key_locs.get(key) or container.location_of(key)
            return container.location_of(key)
        if isinstance(container, LocList) and isinstance(key, int):
            return container.location_of(key)
        return self.fallback

    def mapping(
        self, answers: Mapping[str, Any], fields: dict[str, Node], prefix: str, group: str | None
    ) -> None:
        for key in answers:
            node = fields.get(key)
            if node is None:
                self.unknown(answers, str(key), fields, group)
            elif node.kind == "group":
                self.rows(answers, key, node, prefix + key)
            elif node.clean is None:
                what = "calculated by the form" if node.kind == "calculated" else "a note"
                self.problems.append(
                    (self.loc(answers, key, True), f"'{key}' is {what} and takes no answer")
                )
            else:
                self.value(answers, key, node, prefix + key)

    def unknown(self, answers: Any, key: str, fields: dict[str, Node], group: str | None) -> None:
        where = f"the rows of '{group}'" if group else self.where
        message = f"'{key}' is not a field of {where}"
        elsewhere = self.form.by_key.get(key)
        hint = did_you_mean(key, [k for k, n in fields.items() if n.kind != "note"])
        if elsewhere is not None and ":" not in key:
            if elsewhere.repeat_path:
                owner = elsewhere.repeat_path[-1]
                hint = f"it is a field in the rows of '{owner}': {owner}: [{{{key}: …}}]"
            else:
                hint = "it is a field outside this repeating group; answer it at the top level"
        self.problems.append(
            (self.loc(answers, key, True), message + (f" ({hint})" if hint else ""))
        )

    def rows(self, answers: Any, key: str, node: Node, instance: str) -> None:
        value = answers[key]
        if is_blank(value):
            return
        children = {child: self.form.by_key[child] for child in node.children}
        if not isinstance(value, list):
            example = next(iter(children), "veld")
            self.problems.append(
                (
                    self.loc(answers, key),
                    f"'{key}' is a repeating group: give a list of rows, such as "
                    f"{key}: [{{{example}: …}}], not {show_value(value)}",
                )
            )
            return
        for index, row in enumerate(value):
            if not isinstance(row, Mapping):
                self.problems.append(
                    (
                        self.loc(value, index),
                        f"row {index + 1} of '{key}' is {show_value(row)}; a row is a mapping "
                        "of field: answer",
                    )
                )
                continue
            self.mapping(row, children, f"{instance}[{index}].", key)

    def value(self, answers: Any, key: str, node: Node, instance: str) -> None:
        value = answers[key]
        if is_blank(value) or instance in self.exempt:
            return
        where = self.loc(answers, key)
        kind = node.kind
        if isinstance(value, list) and kind not in ("multichoice", "file"):
            self.problems.append(
                (
                    where,
                    f"'{key}' takes one answer, not a list: {show_value(value)}"
                    + (" (a multichoice field takes a list)" if kind == "choice" else ""),
                )
            )
            return
        if isinstance(value, Mapping) and kind != "file":
            self.problems.append(
                (where, f"'{key}' takes one answer, not a mapping: {show_value(value)}")
            )
            return
        if kind == "yesno" and not isinstance(value, bool):  # ja, nee, yes, "true": no yes/no
            self.problems.append(
                (
                    where,
                    f"{show_value(value)} is not a yes/no answer ('{key}' is a yesno field); "
                    "write true or false",
                )
            )
            return
        try:
            clean = node.clean(value)
        except Invalid as invalid:
            self.problems.append(
                (
                    where,
                    f"{show_value(value)} is not {_EXPECTED_KIND.get(kind, 'an answer')} "
                    f"('{key}' is a{'n' if kind[0] in 'aeiou' else ''} {kind} field); to test "
                    f"the form's own message, expect it: errors: {{{instance}: "
                    f"{invalid.msg.code}}}",
                )
            )
            return
        if kind in ("choice", "multichoice"):
            chosen = [clean] if kind == "choice" else clean
            for index, item in enumerate(chosen):
                if item in node.choice_values:
                    continue
                item_where = where
                if kind == "multichoice" and isinstance(value, LocList):
                    item_where = value.location_of(index)
                hint = did_you_mean(item, node.choice_values) or (
                    "its choices: " + ", ".join(c.value for c in node.choices)
                )
                self.problems.append(
                    (item_where, f"{show_value(item)} is not a choice of '{key}' ({hint})")
                )


def check_answers(
    form: CompiledForm,
    answers: Any,
    fallback: Location,
    exempt: Iterable[str] = (),
    where: str = "the form",
) -> list[tuple[Location, str]]:
    """Every problem with a scenario's answers for ``form``, each where it is written.

    An answer the form cannot read (not a choice, a text for a number) is a mistake in the
    scenario, unless the scenario expects an error at that field (``exempt``): then it tests
    the form's own message."""
    return _AnswerCheck(form, where, frozenset(exempt), fallback).run(answers)
