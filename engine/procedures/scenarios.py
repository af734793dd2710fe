"""Author scenarios for a procedure: given these events, expect this status, these open tasks,
these due dates, these refusals. A ``*.scenarios.yaml`` names its procedure::

    procedure: tussentijdse-overstap.procedure.yaml
    scenarios:
      - name: de ontvangende school laat toe
        events:
          - {form: overstapformulier, date: 2027-01-11}
          - {transition: aanmelden, date: 2027-01-11, by: sending_school.medewerker}
        expect:
          status: aangemeld
          tasks: [aanmelding_beoordelen]
          deadlines: {beslistermijn: 2027-02-22}

Every name in a scenario is checked against the procedure before anything runs, at its line
and column. :class:`TransitionCoverage` records which transitions some scenario made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..calendar import SchoolCalendar
from ..errors import Diagnostics, Location, did_you_mean
from ..loader import validate_plain
from ..yamlsource import LocDict, LocList
from .compile import CompiledProcedure
from .evaluate import CaseState, Event, evaluate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioEvent(_Strict):
    date: dt.date = Field(description="the day it happened (YYYY-MM-DD)")
    transition: str | None = Field(default=None, description="the transition made, by its id")
    form: str | None = Field(default=None, description="the form sent, by its id")
    by: str | None = Field(
        default=None, description="who did it, as party.role (needed for a transition)"
    )


class ExpectedRefusal(_Strict):
    transition: str = Field(description="the transition that was refused")
    reason: Literal["not_from_here", "not_by_role", "form_missing"] = Field(
        description="why: not_from_here (not from the case's status), not_by_role (not by "
        "this party.role), form_missing (a form it needs was not sent)"
    )
    form: str | None = Field(default=None, description="with form_missing: the form missing")


class ProcedureExpectations(_Strict):
    status: str | None = Field(default=None, description="the status after the events")
    tasks: list[str] | None = Field(
        default=None, description="the open tasks (all of them; [] for none)"
    )
    deadlines: dict[str, date] = Field(
        default_factory=dict, description="term id: the due date of that term"
    )
    terms: dict[str, Literal["running", "met", "overdue", "stopped"]] = Field(
        default_factory=dict, description="term id: running, met, overdue (on today) or stopped"
    )
    refused: list[ExpectedRefusal] | None = Field(
        default=None, description="the transitions refused, in order ([] for none)"
    )
    notified: list[str] = Field(
        default_factory=list, description="events that someone was told about"
    )


class ProcedureScenario(_Strict):
    name: str = Field(description="what the scenario shows, in a few words")
    today: date | None = Field(default=None, description="the date for overdue terms")
    vakantieregio: Literal["noord", "midden", "zuid"] | None = Field(
        default=None,
        description="the school's vakantieregio, for terms in school days (left out: only the "
        "days off of every region count)",
    )
    events: list[ScenarioEvent] = Field(default_factory=list, description="what happened, in order")
    expect: ProcedureExpectations = Field(description="where the case stands afterwards")


class ProcedureScenarioFile(_Strict):
    procedure: str = Field(description="path of the procedure, relative to this file")
    scenarios: list[ProcedureScenario] = Field(description="given events, what to expect")


def parse(data: LocDict, diagnostics: Diagnostics) -> ProcedureScenarioFile | None:
    return validate_plain(ProcedureScenarioFile, data, diagnostics, _allowed)


def _allowed(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = ProcedureScenarioFile
    if len(loc) >= 3 and loc[0] == "scenarios":
        model = ProcedureScenario
        if len(loc) >= 4 and loc[2] == "events":
            model = ScenarioEvent
        elif len(loc) >= 4 and loc[2] == "expect":
            model = (
                ExpectedRefusal
                if len(loc) >= 6 and loc[3] == "refused"
                else (ProcedureExpectations)
            )
    return sorted(model.model_fields)


class _Names:
    """Checks the names a scenario uses against the procedure, at their line and column."""

    def __init__(
        self,
        procedure: CompiledProcedure,
        forms: Collection[str] | None,
        out: list[tuple[Location, str]],
    ) -> None:
        self.procedure = procedure
        self.forms = forms
        self.out = out
        self.tasks = [task.id for task in procedure.tasks]
        self.terms = [term.id for term in procedure.terms]
        self.events = sorted({n.event for t in procedure.transitions.values() for n in t.notify})

    def name(self, value: Any, known: Collection[str], what: str, where: Location) -> None:
        if isinstance(value, str) and value not in known:
            hint = did_you_mean(value, known) or f"{what}s: " + ", ".join(known)
            self.out.append((where, f"the procedure has no {what} '{value}' ({hint})"))

    def actor(self, value: Any, where: Location) -> None:
        if not isinstance(value, str):
            return
        party, _, role = value.partition(".")
        roles = self.procedure.roles.get(party)
        if roles is None or (role and role not in roles):
            known = [f"{p}.{r}" for p, rs in self.procedure.roles.items() for r in rs]
            hint = did_you_mean(value, known) or "write party.role, e.g. " + known[0]
            self.out.append((where, f"'{value}' does not take part in this procedure ({hint})"))

    def scenario(self, raw: LocDict) -> None:
        events = raw.get("events")
        if isinstance(events, LocList):
            for event in events:
                if not isinstance(event, LocDict):
                    continue
                if "transition" in event:
                    self.name(
                        event["transition"],
                        self.procedure.transitions,
                        "transition",
                        event.location_of("transition"),
                    )
                    if "by" not in event:
                        self.out.append(
                            (
                                event.location_of("transition"),
                                "a transition needs by: who made it, as party.role",
                            )
                        )
                if "form" in event and self.forms is not None:
                    self.name(event["form"], self.forms, "form", event.location_of("form"))
                if ("transition" in event) == ("form" in event):
                    self.out.append(
                        (event.loc, "an event is one transition: or one form:, not both or none")
                    )
                if "by" in event:
                    self.actor(event["by"], event.location_of("by"))
        expect = raw.get("expect")
        if not isinstance(expect, LocDict):
            return
        if "status" in expect:
            self.name(
                expect["status"], self.procedure.statuses, "status", expect.location_of("status")
            )
        self._listed(expect, "tasks", self.tasks, "task")
        self._listed(expect, "notified", self.events, "event")
        for key in ("deadlines", "terms"):
            mapping = expect.get(key)
            if isinstance(mapping, LocDict):
                for term in mapping:
                    self.name(term, self.terms, "term", mapping.key_locs[term])
        refused = expect.get("refused")
        if isinstance(refused, LocList):
            for item in refused:
                if isinstance(item, LocDict) and "transition" in item:
                    self.name(
                        item["transition"],
                        self.procedure.transitions,
                        "transition",
                        item.location_of("transition"),
                    )

    def _listed(self, expect: LocDict, key: str, known: Collection[str], what: str) -> None:
        items = expect.get(key)
        if isinstance(items, LocList):
            for index, item in enumerate(items):
                self.name(item, known, what, items.location_of(index))


def check_names(
    procedure: CompiledProcedure, forms: Collection[str] | None, raw: LocDict
) -> list[tuple[Location, str]]:
    """The names in one scenario that the procedure does not have."""
    found: list[tuple[Location, str]] = []
    _Names(procedure, forms, found).scenario(raw)
    return found


def compare(
    state: CaseState, expect: ProcedureExpectations, raw: LocDict
) -> list[tuple[Location, str]]:
    """What of ``expect`` the case's ``state`` does not show, at the expectation."""
    found: list[tuple[Location, str]] = []
    if expect.status is not None and state.status != expect.status:
        found.append(
            (raw.location_of("status"), f"status is '{state.status}', not '{expect.status}'")
        )
    if expect.tasks is not None:
        open_tasks = [task.id for task in state.tasks]
        if sorted(open_tasks) != sorted(expect.tasks):
            found.append(
                (
                    raw.location_of("tasks"),
                    f"the open tasks are [{', '.join(open_tasks)}], "
                    f"not [{', '.join(expect.tasks)}]",
                )
            )
    for key, want in expect.deadlines.items():
        where = raw["deadlines"].location_of(key)
        term = state.terms.get(key)
        if term is None:
            found.append((where, f"the term '{key}' has not started"))
        elif term.due != want:
            found.append((where, f"the term '{key}' is due on {term.due}, not on {want}"))
    for key, want_state in expect.terms.items():
        where = raw["terms"].location_of(key)
        term = state.terms.get(key)
        actual = term.state if term is not None else "not started"
        if actual != want_state:
            found.append((where, f"the term '{key}' is {actual}, not {want_state}"))
    if expect.refused is not None:
        actual_refusals = [(r.transition, r.reason, r.detail) for r in state.refusals]
        wanted = [(r.transition, r.reason, r.form) for r in expect.refused]
        matches = len(actual_refusals) == len(wanted) and all(
            a[0] == w[0] and a[1] == w[1] and (w[2] is None or a[2] == w[2])
            for a, w in zip(actual_refusals, wanted, strict=True)
        )
        if not matches:
            described = "; ".join(r.describe() for r in state.refusals) or "none"
            found.append((raw.location_of("refused"), f"the refusals were: {described}"))
    told = {notification.event for notification in state.notifications}
    for index, event in enumerate(expect.notified):
        if event not in told:
            found.append((raw["notified"].location_of(index), f"nobody was told '{event}'"))
    return found


def run_scenario(
    procedure: CompiledProcedure,
    scenario: ProcedureScenario,
    calendar: SchoolCalendar | None = None,
) -> CaseState:
    """The case after the scenario's events; raises :class:`engine.errors.EngineError` when a
    term cannot be counted (no calendar, a day outside it)."""
    events = [
        Event(event.date, event.transition, event.form, event.by) for event in scenario.events
    ]
    return evaluate(procedure, events, scenario.today, calendar, scenario.vakantieregio)


class TransitionCoverage:
    """Which transitions the scenarios made. A transition is known by where it is written, so
    one a variant inherits unchanged is covered by its base's scenarios."""

    def __init__(self) -> None:
        self.expected: dict[tuple[str, int, int], tuple[Location, str, str]] = {}
        self.taken: set[tuple[str, int, int]] = set()

    @staticmethod
    def key(where: Location) -> tuple[str, int, int]:
        return (where.file, where.line, where.column)

    def expect(self, procedure_id: str, locations: dict[str, Location]) -> None:
        for name, where in locations.items():
            self.expected.setdefault(self.key(where), (where, procedure_id, name))

    def record(self, state: CaseState, locations: dict[str, Location]) -> None:
        for name, _on in state.history:
            if name in locations:
                self.taken.add(self.key(locations[name]))

    def missing(self) -> list[tuple[Location, str, str]]:
        """Each transition no scenario made: where it is written, the procedure, its id."""
        return [item for key, item in sorted(self.expected.items()) if key not in self.taken]

    @property
    def total(self) -> int:
        return len(self.expected)
