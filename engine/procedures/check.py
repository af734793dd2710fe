"""Check a procedure's cross-references: every problem an error (or warning) at the author's
line and column, with a hint. Items the loader left out are not reported again."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from ..checker import check_texts
from ..errors import Diagnostics, Location, did_you_mean
from ..model import Element
from ..yamlsource import LocList
from .model import (
    ADMISSION_RECORDS,
    ANY_STATUS,
    DECISIONS,
    MAX_DECISION_WEEKS,
    MAX_SUPPORT_WEEKS,
    PARTY_ROLES,
    RECORDS,
    SUPPORT_FORM_KIND,
    SUPPORT_OUTCOMES,
    SUPPORT_RECORDS,
    Party,
    ProcedureDefinition,
    Task,
    Term,
    Transition,
)


def item_location(element: Element, key: str, index: int) -> Location:
    """Where item ``index`` of the list under ``key`` was written."""
    source = element._src
    items = source.get(key) if source is not None else None
    if isinstance(items, LocList):
        return items.location_of(index)
    return element.location(key)


def _listed(element: Element, key: str, value: list[str] | str) -> Iterable[tuple[str, Location]]:
    if isinstance(value, str):
        yield value, element.location(key)
        return
    for index, item in enumerate(value):
        yield item, item_location(element, key, index)


class ProcedureChecker:
    def __init__(
        self,
        procedure: ProcedureDefinition,
        diagnostics: Diagnostics,
        forms: Collection[str] | None,
        left_out: Collection[str] = (),
        lost: Collection[str] = (),
    ) -> None:
        self.procedure = procedure
        self.diagnostics = diagnostics
        self.forms = forms
        # form id -> its kind, when the caller knows them (the forms of the definitions folder)
        self.form_kinds: Mapping[str, str] | None = forms if isinstance(forms, Mapping) else None
        self.left_out = set(left_out)
        self.lost = set(lost)  # whole lists that could not be read: nothing in them is known
        self.broken_links = bool(self.lost)
        self.statuses = {status.id: status for status in procedure.statuses}
        self.transitions = {transition.id: transition for transition in procedure.transitions}
        self.parties: dict[str, Party] = {party.id: party for party in procedure.parties}
        self.events = {
            notify.event for transition in procedure.transitions for notify in transition.notify
        }

    def check(self) -> None:
        check_texts(self.procedure, self.procedure.languages, self.diagnostics)
        self.check_unique()
        self.check_parties()
        self.check_statuses()
        for transition in self.procedure.transitions:
            self.check_transition(transition)
        self.check_pairs()
        self.check_reachable()
        for term in self.procedure.terms:
            self.check_term(term)
        for task in self.procedure.tasks:
            self.check_task(task)
        self.check_admission()
        self.check_support()

    # ------------------------------------------------------------------ names

    def check_unique(self) -> None:
        procedure = self.procedure
        lists: list[tuple[str, list[tuple[str, Element]]]] = [
            ("party", [(item.id, item) for item in procedure.parties]),
            ("status", [(item.id, item) for item in procedure.statuses]),
            ("transition", [(item.id, item) for item in procedure.transitions]),
            ("term", [(item.id, item) for item in procedure.terms]),
            ("task", [(item.id, item) for item in procedure.tasks]),
            ("reason", [(item.id, item) for item in procedure.reasons]),
        ]
        # a variant's change names an item by its id alone, so ids are unique across the lists
        first: dict[str, tuple[str, Location]] = {}
        for kind, items in lists:
            for name, item in items:
                where = item.location("id")
                if name not in first:
                    first[name] = (kind, where)
                    continue
                other, at = first[name]
                if other == kind:
                    self.diagnostics.error(
                        where,
                        f"the {kind} '{name}' is defined twice",
                        f"give each {kind} its own id (the first is at line {at.line})",
                    )
                else:
                    self.diagnostics.error(
                        where,
                        f"'{name}' is already the id of a {other} (line {at.line})",
                        "give each item its own id: a regional variant's changes name items "
                        "by id alone",
                    )

    def status(self, name: str, where: Location) -> bool:
        if name in self.statuses:
            return True
        self.broken_links = True  # what cannot be reached may be this mistake's consequence
        if name not in self.left_out and "statuses" not in self.lost:
            hint = did_you_mean(name, self.statuses) or "statuses: " + ", ".join(self.statuses)
            self.diagnostics.error(where, f"there is no status '{name}'", hint)
        return False

    def form(self, name: str, where: Location) -> None:
        if self.forms is None or name in self.forms:
            return
        hint = did_you_mean(name, self.forms) or (
            "forms are named by their id: " + ", ".join(sorted(self.forms))
            if self.forms
            else "no *.form.yaml was found beside this procedure"
        )
        self.diagnostics.error(where, f"there is no form '{name}'", hint)

    def actor(self, text: str, where: Location) -> None:
        """``party.role`` or ``party``: the party known and taking part, the role its own."""
        party, _, role = text.partition(".")
        if party not in PARTY_ROLES:
            hint = did_you_mean(party, PARTY_ROLES) or "parties: " + ", ".join(PARTY_ROLES)
            self.diagnostics.error(
                where, f"there is no party '{party}'", hint + "; write party.role"
            )
            return
        declared = self.parties.get(party)
        if "parties" in self.lost:
            return
        if declared is None:
            if party not in self.left_out:
                self.diagnostics.error(
                    where,
                    f"the party '{party}' does not take part in this procedure",
                    f"add it under parties: (- id: {party}, roles: [...])",
                )
            return
        if not role:
            return
        if role not in PARTY_ROLES[party]:
            known = PARTY_ROLES[party]
            hint = did_you_mean(role, known) or f"the roles of {party}: " + ", ".join(known)
            self.diagnostics.error(where, f"{party} has no role '{role}'", hint)
        elif role not in declared.roles:
            self.diagnostics.error(
                where,
                f"the role '{role}' of {party} does not take part in this procedure",
                f"add it to the roles of {party} under parties: (line {declared.location().line})",
            )

    # ------------------------------------------------------------------ parts

    def check_parties(self) -> None:
        for party in self.procedure.parties:
            known = PARTY_ROLES[party.id]
            for role, where in _listed(party, "roles", party.roles):
                if role not in known:
                    hint = did_you_mean(role, known) or f"the roles of {party.id}: " + ", ".join(
                        known
                    )
                    self.diagnostics.error(where, f"{party.id} has no role '{role}'", hint)

    def check_statuses(self) -> None:
        initial = [status for status in self.procedure.statuses if status.initial]
        if not initial and not self.left_out and not self.lost:
            self.diagnostics.error(
                self.procedure.location("statuses"),
                "no status is the initial one",
                "mark the status a new case starts in with initial: true",
            )
        for extra in initial[1:]:
            self.diagnostics.error(
                extra.location("initial"),
                f"'{extra.id}' is a second initial status (the first is '{initial[0].id}')",
                "a case starts in one status: keep initial: true on one of them",
            )
        for status in self.procedure.statuses:
            if status.initial and status.final:
                self.diagnostics.error(
                    status.location("final"),
                    f"the status '{status.id}' is both initial and final",
                    "a case that starts over has nothing to do: remove one of them",
                )

    def check_transition(self, transition: Transition) -> None:
        if transition.from_ != ANY_STATUS:
            for name, where in _listed(transition, "from", transition.from_):
                if name == ANY_STATUS:
                    self.diagnostics.error(
                        where,
                        "'any' stands alone",
                        "write from: any (every status that is not final), or list statuses",
                    )
                elif self.status(name, where) and self.statuses[name].final:
                    self.diagnostics.error(
                        where,
                        f"the status '{name}' is final, so no transition leaves it",
                        f"remove final: true from '{name}', or start this transition elsewhere",
                    )
        self.status(transition.to, transition.location("to"))
        for actor, where in _listed(transition, "who", transition.who):
            self.actor(actor, where)
        for form, where in _listed(transition, "needs", transition.needs):
            self.form(form, where)
        for notify in transition.notify:
            for actor, where in _listed(notify, "to", notify.to):
                self.actor(actor, where)
        if transition.records is not None and transition.records not in RECORDS:
            hint = did_you_mean(transition.records, RECORDS) or "records: " + " or ".join(RECORDS)
            self.diagnostics.error(
                transition.location("records"),
                f"a transition cannot record '{transition.records}'",
                hint,
            )

    def check_pairs(self) -> None:
        """A status change is known by where it starts and ends (the history of a case keeps
        those two), so two transitions cannot make the same change."""
        open_statuses = [s.id for s in self.procedure.statuses if not s.final]
        made: dict[tuple[str, str], str] = {}
        for transition in self.procedure.transitions:
            sources = open_statuses if transition.from_ == ANY_STATUS else transition.sources
            for source in sources:
                pair = (source, transition.to)
                other = made.setdefault(pair, transition.id)
                if other != transition.id:
                    self.diagnostics.error(
                        transition.location("to"),
                        f"'{transition.id}' and '{other}' both go from '{source}' to "
                        f"'{transition.to}'",
                        "merge them into one transition (with every role in who), or let one "
                        "of them start elsewhere",
                    )
                    break

    def check_reachable(self) -> None:
        """Every status reached from the initial one; every status not final can be left."""
        initial = next((s for s in self.procedure.statuses if s.initial), None)
        if initial is None or self.left_out or self.broken_links:
            return  # a missing or broken transition would explain what cannot be reached
        leaving: dict[str, list[str]] = {name: [] for name in self.statuses}
        for transition in self.procedure.transitions:
            if transition.from_ == ANY_STATUS:
                sources = [name for name, status in self.statuses.items() if not status.final]
            else:
                sources = [name for name in transition.sources if name in self.statuses]
            for source in sources:
                leaving[source].append(transition.to)
        reached = {initial.id}
        todo = [initial.id]
        while todo:
            for target in leaving[todo.pop()]:
                if target in self.statuses and target not in reached:
                    reached.add(target)
                    todo.append(target)
        for status in self.procedure.statuses:
            if status.id not in reached:
                self.diagnostics.error(
                    status.location("id"),
                    f"no transition reaches the status '{status.id}'",
                    f"add a transition with to: {status.id} from a status that can be reached "
                    f"from '{initial.id}', or remove the status",
                )
            elif not status.final and not leaving[status.id]:
                self.diagnostics.error(
                    status.location("id"),
                    f"the status '{status.id}' is a dead end: no transition leaves it and it is "
                    "not final",
                    f"add a transition from: {status.id}, or mark it final: true",
                )

    def check_task(self, task: Task) -> None:
        known = self.status(task.status, task.location("status"))
        if known and self.statuses[task.status].final:
            self.diagnostics.warning(
                task.location("status"),
                f"the task '{task.id}' is open in the final status '{task.status}', so it "
                "never closes",
                "give it the status in which the work is to be done",
            )
        for actor, where in _listed(task, "who", task.who):
            self.actor(actor, where)
        if task.form is not None:
            self.form(task.form, task.location("form"))

    def check_term(self, term: Term) -> None:
        if term.start is None:
            self.diagnostics.error(
                term.location("id"),
                f"the term '{term.id}' has no start, so it never runs",
                "say what starts it: start: a transition id, or an event named in a notify",
            )
        elif "transitions" in self.lost:
            pass
        elif term.start not in {*self.transitions, *self.events, *self.left_out}:
            names = [*self.transitions, *sorted(self.events)]
            self.diagnostics.error(
                term.location("start"),
                f"there is no transition or event '{term.start}' to start the term",
                did_you_mean(term.start, names) or "transitions: " + ", ".join(self.transitions),
            )
        expects = term.expects
        named = [key for key in ("transition", "form") if getattr(expects, key) is not None]
        if len(named) != 1:
            self.diagnostics.error(
                term.location("expects"),
                "a term expects one thing: a transition or a form",
                "write expects: {transition: an_id} or expects: {form: a_form_id}",
            )
            return
        wanted = expects.transition
        known = {*self.transitions, *self.left_out}
        if wanted is not None and wanted not in known and "transitions" not in self.lost:
            self.diagnostics.error(
                expects.location("transition"),
                f"there is no transition '{wanted}'",
                did_you_mean(wanted, self.transitions),
            )
        if expects.form is not None:
            self.form(expects.form, expects.location("form"))

    # ------------------------------------------------------------------ admission

    def check_admission(self) -> None:
        """A registration's steps and its ``admission:`` block go together: the steps that
        record a receipt, a decision or the next school need the block, and the block needs
        one receipt, a step that admits and one that refuses; the terms stay within the law."""
        admission = self.procedure.admission
        steps = [t for t in self.procedure.transitions if t.records in ADMISSION_RECORDS]
        if admission is None:
            if self.procedure.support is not None:
                return  # check_support reports a registration's step in a support request
            for step in steps:
                self.diagnostics.error(
                    step.location("records"),
                    f"'records: {step.records}' is a step of a registration, and this "
                    "procedure has no admission: block",
                    "add admission: {who: [receiving_school.directeur]} (docs/procedures.md), "
                    "or remove records:",
                )
            return
        if "transitions" in self.lost or self.left_out:
            return
        by_kind: dict[str, list[Transition]] = {}
        for step in steps:
            by_kind.setdefault(step.records or "", []).append(step)
        for kind in ("receipt", "admission", "refusal"):
            if kind not in by_kind:
                self.diagnostics.error(
                    self.procedure.location("admission"),
                    f"a registration needs a step with records: {kind}",
                    f"add records: {kind} to the transition that {RECORDS[kind]}",
                )
        for extra in by_kind.get("receipt", [])[1:]:
            self.diagnostics.error(
                extra.location("records"),
                "a registration is received once: a second step records the receipt",
                f"keep records: receipt on '{by_kind['receipt'][0].id}' only",
            )
        decided = {t.to for kind in ("refusal", "not_handled") for t in by_kind.get(kind, [])}
        receipt = by_kind.get("receipt", [None])[0]
        for step in by_kind.get("next_school", []):
            for source, where in _listed(step, "from", step.from_):
                if source != ANY_STATUS and source not in decided:
                    self.diagnostics.error(
                        where,
                        f"the next school takes over after a refusal or a decision not to "
                        f"handle the registration, not from '{source}'",
                        "from: the statuses the steps with records: refusal or not_handled "
                        "lead to (" + ", ".join(sorted(decided)) + ")",
                    )
            if receipt is not None and step.to != receipt.to:
                self.diagnostics.error(
                    step.location("to"),
                    "the next school receives the registration as the first did",
                    f"to: {receipt.to} (where the step '{receipt.id}' with records: receipt leads)",
                )
        for kind in DECISIONS:
            for step in by_kind.get(kind, []):
                status = self.statuses.get(step.to)
                if kind != "admission" and "next_school" in by_kind and status and status.final:
                    self.diagnostics.error(
                        step.location("to"),
                        f"the status '{step.to}' is final, so the next school cannot take over",
                        f"remove final: true from '{step.to}': POPO closes the registration "
                        "when no school is left on the parents' list",
                    )
        if admission.decision_weeks > MAX_DECISION_WEEKS:
            self.diagnostics.error(
                admission.location("decision_weeks"),
                f"a school decides within {MAX_DECISION_WEEKS} weeks of the receipt (WPO art. "
                f"40 lid 6), not {admission.decision_weeks}",
                f"decision_weeks: a number from 1 to {MAX_DECISION_WEEKS}",
            )
        for actor, where in _listed(admission, "who", admission.who):
            self.actor(actor, where)
        self.check_alerts(admission, admission.alerts)

    def check_alerts(self, block: Element, alerts: list[int]) -> None:
        seen: set[int] = set()
        for days, where in _listed_numbers(block, "alerts", alerts):
            if not 1 <= days <= 60:
                self.diagnostics.error(
                    where,
                    f"an alert {days} days before a deadline cannot be sent",
                    "alerts: days before the deadline, each from 1 to 60, e.g. [7, 2]",
                )
            elif days in seen:
                self.diagnostics.error(
                    where, f"the alert {days} days before is listed twice", "list each once"
                )
            seen.add(days)

    # ------------------------------------------------------------------ support

    def check_support(self) -> None:
        """A support request's steps and its ``support:`` block go together: the steps that
        record a submission, completion, grant, advice … need the block, and the block needs
        one submission, one completion and the outcomes of its kind; a registration's steps
        do not belong in it. Its form is a support request form."""
        support = self.procedure.support
        steps = [t for t in self.procedure.transitions if t.records in SUPPORT_RECORDS]
        if support is None:
            for step in steps:
                self.diagnostics.error(
                    step.location("records"),
                    f"'records: {step.records}' is a step of a support request to the SWV, and "
                    "this procedure has no support: block",
                    "add support: {kind: arrangement, form: arrangement} "
                    "(docs/support-definitions.md), or remove records:",
                )
            return
        if self.procedure.admission is not None:
            self.diagnostics.error(
                self.procedure.location("admission"),
                "a support request is not a registration: a procedure has a support: block or "
                "an admission: block, not both",
                "remove admission: (a registration at a school is a procedure of its own)",
            )
        for step in self.procedure.transitions:
            if step.records in ADMISSION_RECORDS:
                self.diagnostics.error(
                    step.location("records"),
                    f"'records: {step.records}' is a step of a registration at a school, not of "
                    "a support request",
                    "a support request records: " + ", ".join(SUPPORT_RECORDS),
                )
        self.check_support_form(support.form, support.location("form"))
        if support.decision_weeks is not None and support.decision_weeks > MAX_SUPPORT_WEEKS:
            self.diagnostics.error(
                support.location("decision_weeks"),
                f"a decision term of {support.decision_weeks} weeks is longer than a year",
                f"decision_weeks: a number from 1 to {MAX_SUPPORT_WEEKS}",
            )
        self.check_alerts(support, support.alerts)
        if "transitions" in self.lost or self.left_out:
            return
        by_kind: dict[str, list[Transition]] = {}
        for step in steps:
            by_kind.setdefault(step.records or "", []).append(step)
        wanted = ("submission", "completion", *SUPPORT_OUTCOMES[support.kind])
        for kind in wanted:
            if kind not in by_kind:
                self.diagnostics.error(
                    support.location("kind"),
                    f"a support request of kind {support.kind} needs a step with records: {kind}",
                    f"add records: {kind} to the transition in which {RECORDS[kind]}",
                )
        for kind in ("submission", "completion"):
            for extra in by_kind.get(kind, [])[1:]:
                self.diagnostics.error(
                    extra.location("records"),
                    f"a support request has one step that records the {kind}; "
                    f"'{by_kind[kind][0].id}' records it already",
                    f"keep records: {kind} on '{by_kind[kind][0].id}' only (a step back, such "
                    "as one that asks for more information, records nothing)",
                )
        completion = by_kind.get("completion", [None])[0]
        if completion is None:
            return
        starts = {completion.id, *(notify.event for notify in completion.notify)}
        decided = ("grant", "rejection", "advice")
        outcomes = {t.id for kind in decided for t in by_kind.get(kind, [])}
        for term in self.procedure.terms:
            if term.expects.transition in outcomes and term.start not in starts:
                self.diagnostics.warning(
                    term.location("start"),
                    f"the term '{term.id}' waits for the SWV's decision, and starts at "
                    f"'{term.start}', not when the request is complete",
                    f"start: {completion.id} (the step with records: completion): the SWV's "
                    "decision term runs from the complete request",
                )

    def check_support_form(self, name: str, where: Location) -> None:
        if self.forms is not None and name not in self.forms:
            self.form(name, where)
            return
        kind = self.form_kinds.get(name) if self.form_kinds is not None else None
        if kind is not None and kind != SUPPORT_FORM_KIND:
            kinds = self.form_kinds or {}
            requests = sorted(form for form, k in kinds.items() if k == SUPPORT_FORM_KIND)
            self.diagnostics.error(
                where,
                f"the form '{name}' is a form of kind {kind}, not a support request",
                "support: form: names a form of kind ondersteuningsaanvraag"
                + (": " + ", ".join(requests) if requests else ""),
            )


def _listed_numbers(
    element: Element, key: str, values: list[int]
) -> Iterable[tuple[int, Location]]:
    for index, value in enumerate(values):
        yield value, item_location(element, key, index)


def check_procedure(
    procedure: ProcedureDefinition,
    diagnostics: Diagnostics,
    forms: Collection[str] | None = None,
    left_out: Collection[str] = (),
    lost: Collection[str] = (),
) -> None:
    """Report every cross-reference problem of ``procedure``; ``forms`` are the form ids that
    ``needs`` may name (None: not checked). ``left_out``: ids of items the loader left out;
    ``lost``: lists it could not read at all (references into them are not reported). When
    ``forms`` maps each id to its form's kind, ``support: form:`` must be a support request."""
    ProcedureChecker(procedure, diagnostics, forms, left_out, lost).check()
