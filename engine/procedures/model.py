"""The procedure language as a typed model: what a ``*.procedure.yaml`` may contain.

A procedure says how a case (a pupil's transfer, a registration) moves: its statuses, the
transitions between them and who may make each, the forms a transition needs, who is told, the
terms that run and the tasks that are open. Cross-references are checked in :mod:`.check`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..model import (
    FORM_ID_PATTERN,
    ID_PATTERN,
    REGION_PATTERN,
    Element,
    Languages,
    Text,
    languages_field,
)

# The parties of a case and the roles a person of each may act in: the runtime's roles
# (runtime/access/accounts.py) plus 'ouder' for parents. Named here once; the checker, the
# documentation and the JSON schema read it.
PARTY_ROLES: dict[str, tuple[str, ...]] = {
    "sending_school": ("medewerker", "intern_begeleider", "directeur", "bestuur"),
    "receiving_school": ("medewerker", "intern_begeleider", "directeur", "bestuur"),
    "parents": ("ouder",),
    "swv": ("swv",),
}
"""sending_school: the school the pupil leaves; receiving_school: the school the pupil goes
to; parents: the pupil's parents or carers; swv: the samenwerkingsverband (the regional
partnership of school boards for special needs support)."""

ANY_STATUS = "any"
"""``from: any``: the transition can be made from every status that is not final."""

UNITS = ("days", "weeks", "school_days")

RECORDS: dict[str, str] = {
    "enrolment": "the receiving school records the date the pupil is enrolled (inschrijving)",
    "deregistration": "the sending school records the date the pupil is deregistered "
    "(uitschrijving): the day before the enrolment",
    "receipt": "the school received the registration: the legal terms of admission start "
    "(WPO art. 40 lid 6)",
    "admission": "the school admits the child (toelating)",
    "refusal": "the school refuses the child: a child who needs extra support only once another "
    "school agreed to admit it, or with an exception (WPO art. 40 lid 4 and 5)",
    "not_handled": "the school does not handle the registration: the parents did not complete "
    "it within the term they were given (WPO art. 63 lid 4)",
    "next_school": "the registration passes to the school of the parents' next preference: "
    "POPO takes this step itself after a refusal or a decision not to handle it",
    "submission": "the school submits the support request to the SWV (with parents_sign: only "
    "once the parents signed it 'voor gezien')",
    "completion": "the SWV declares the support request complete: the decision term starts",
    "meeting": "the SWV plans the request for a loketoverleg (a date) and links the "
    "professionals who take part",
    "grant": "the SWV grants the request: content, scope, duration (start and end) and "
    "decision number; for a TLV also its category",
    "rejection": "the SWV refuses the request, with its reasons",
    "suspension": "the SWV suspends the request, with a reason: the decision term stands still",
    "resumption": "the request is taken up again: the decision term runs again",
    "advice": "the SWV records its advice (the outcome of a consultation or a case discussion)",
    "evaluation": "the arrangement is evaluated",
}
"""What a transition can record about the case besides its new status: ``records: enrolment``
asks for the enrolment date, ``records: deregistration`` for the deregistration date; the
admission kinds (``receipt`` … ``next_school``) drive a registration's legal terms and the
cascade over the parents' schools, and need an ``admission:`` block; the support kinds
(``submission`` … ``evaluation``) drive a support request to the SWV and need a ``support:``
block."""

ADMISSION_RECORDS = ("receipt", "admission", "refusal", "not_handled", "next_school")
DECISIONS = ("admission", "refusal", "not_handled")  # the records that decide a registration
OTHERS_SEE: dict[str, str] = {
    "order": "a school sees which other schools are on the parents' list and their order, "
    "not their decisions",
    "decisions": "a school also sees the decisions of the schools before it on the list",
}
MAX_DECISION_WEEKS = 6  # WPO art. 40 lid 6: the decision within six weeks of receipt

SUPPORT_RECORDS = (
    "submission",
    "completion",
    "meeting",
    "grant",
    "rejection",
    "suspension",
    "resumption",
    "advice",
    "evaluation",
)
SUPPORT_KINDS: dict[str, str] = {
    "consultatie": "a consultation or korte interventie: the SWV advises the school",
    "extra_ondersteuning": "extra support, with or without funds",
    "arrangement": "an arrangement of the SWV for the pupil",
    "tlv": "a toelaatbaarheidsverklaring (TLV) for special primary (SBO) or special (SO) education",
    "mdo": "a case discussion (multidisciplinair overleg, MDO) with the SWV",
}
# the outcome steps each kind of support request needs: the SWV decides or advises
SUPPORT_OUTCOMES: dict[str, tuple[str, ...]] = {
    "consultatie": ("advice",),
    "extra_ondersteuning": ("grant", "rejection"),
    "arrangement": ("grant", "rejection"),
    "tlv": ("grant", "rejection"),
    "mdo": ("advice",),
}
SUPPORT_FORM_KIND = "ondersteuningsaanvraag"  # engine.model.FormKind of a support request
MAX_SUPPORT_WEEKS = 52
DEFAULT_DECISION_WEEKS = {"tlv": 8}  # and 6 for every other kind

_ID = "the name of this item: lower-case letters, digits and _; unique among its kind"
_LABEL = "the name a person sees: one text, or one per language {nl: …, en: …}"
_ACTORS = (
    "who may do this, as party.role (e.g. receiving_school.directeur), or a party for "
    "every role the procedure gives it (e.g. parents)"
)


class Party(Element):
    id: Literal["sending_school", "receiving_school", "parents", "swv"] = Field(
        description="the party: sending_school (the school the pupil leaves), receiving_school "
        "(the school the pupil goes to), parents, or swv (the samenwerkingsverband)"
    )
    label: Text | None = Field(default=None, description=_LABEL)
    roles: list[str] = Field(
        min_length=1,
        description="the roles of this party that take part: for schools medewerker, "
        "intern_begeleider, directeur, bestuur; for parents ouder; for the swv swv",
    )


class Status(Element):
    id: str = Field(pattern=ID_PATTERN, description=_ID + ", e.g. aangemeld")
    label: Text = Field(description=_LABEL)
    initial: bool = Field(default=False, description="true for the one status a new case starts in")
    final: bool = Field(
        default=False,
        description="true when the case is over in this status: no transition leaves it",
    )


class Notify(Element):
    to: list[str] = Field(
        min_length=1, description="who is told, as party.role or a whole party (e.g. parents)"
    )
    event: str = Field(
        pattern=ID_PATTERN,
        description="the name of the event the message is about, e.g. aanmelding_ontvangen; "
        "a term may start with it",
    )


class Transition(Element):
    id: str = Field(pattern=ID_PATTERN, description=_ID + ", e.g. toelaten")
    from_: list[str] | str = Field(
        alias="from",
        description="the status (or list of statuses) it starts from; 'any' for every status "
        "that is not final",
    )
    to: str = Field(description="the status the case is in afterwards")
    label: Text = Field(description="the name of the action a person sees, e.g. Toelaten")
    who: list[str] = Field(min_length=1, description=_ACTORS)
    needs: list[str] = Field(
        default_factory=list,
        description="the forms (by form id, e.g. overstapformulier) that must have been sent "
        "before this transition can be made",
    )
    notify: list[Notify] = Field(
        default_factory=list, description="who is told when the transition is made, and why"
    )
    records: str | None = Field(
        default=None,
        description="what the person taking this step records besides the status: "
        + "; ".join(f"{name} ({text})" for name, text in RECORDS.items()),
        json_schema_extra={"enum": list(RECORDS)},
    )

    @property
    def sources(self) -> list[str]:
        return [self.from_] if isinstance(self.from_, str) else list(self.from_)


class Expected(Element):
    transition: str | None = Field(
        default=None, description="the transition that must have been made by the due date"
    )
    form: str | None = Field(
        default=None, description="the form (by id) that must have been sent by the due date"
    )


class Term(Element):
    id: str = Field(pattern=ID_PATTERN, description=_ID + ", e.g. okr_termijn")
    label: Text = Field(description=_LABEL)
    start: str | None = Field(
        default=None,
        description="what starts the term: a transition id, or an event named in a notify",
    )
    amount: int = Field(ge=1, description="how long the term is, in units")
    unit: Literal["days", "weeks", "school_days"] = Field(
        description="days (calendar days), weeks, or school_days (days the school is open in "
        "the region: no weekends, holidays or study days)"
    )
    expects: Expected = Field(
        description="what must have happened by the due date: {transition: id} or {form: id}"
    )


class Task(Element):
    id: str = Field(pattern=ID_PATTERN, description=_ID + ", e.g. okr_opstellen")
    label: Text = Field(description="what is to be done, as a person reads it")
    status: str = Field(description="the status in which the task is open")
    who: list[str] = Field(min_length=1, description="whose task it is: " + _ACTORS)
    form: str | None = Field(default=None, description="the form (by id) the task is about, if any")


class Admission(Element):
    """A registration under WPO art. 40: the legal terms run from the receipt, the school may
    ask the parents for information (the term stands still), extend once, and decide; a
    refusal passes the registration to the parents' next school (docs/procedures.md)."""

    decision_weeks: int = Field(
        default=MAX_DECISION_WEEKS,
        ge=1,
        description="the weeks within which the school decides after the receipt; the law's "
        f"maximum is {MAX_DECISION_WEEKS} (WPO art. 40 lid 6), a region may agree fewer",
    )
    who: list[str] = Field(
        min_length=1,
        description="who asks the parents for information, records that it came, and extends "
        "the term: " + _ACTORS,
    )
    alerts: list[int] = Field(
        default_factory=lambda: [7, 2],
        description="the days before each deadline on which the school is alerted (a task and "
        "an e-mail), e.g. [7, 2]",
    )
    others_see: Literal["order", "decisions"] = Field(
        default="order",
        description="what a school sees of the other schools the parents registered at: "
        + "; ".join(f"{name} ({text})" for name, text in OTHERS_SEE.items()),
    )


class Support(Element):
    """A school's support request to the samenwerkingsverband (passend onderwijs): the form it
    is made with, the term within which the SWV decides once the request is complete, and
    whether the parents sign it first (docs/support-definitions.md)."""

    kind: Literal["consultatie", "extra_ondersteuning", "arrangement", "tlv", "mdo"] = Field(
        description="what is asked of the SWV: "
        + "; ".join(f"{name} ({text})" for name, text in SUPPORT_KINDS.items())
    )
    form: str = Field(
        pattern=FORM_ID_PATTERN,
        description="the request's form, by form id (a form of kind ondersteuningsaanvraag), "
        "e.g. arrangement",
    )
    decision_weeks: int | None = Field(
        default=None,
        ge=1,
        description="the weeks within which the SWV decides after it declared the request "
        "complete, from 1 to 52 (an SWV may set its own in POPO); by default 8 for a tlv "
        "and 6 for the other kinds",
    )
    parents_sign: bool = Field(
        default=True,
        description="true: the request goes to the SWV only once the parents signed it "
        "'voor gezien' (seen)",
    )
    alerts: list[int] = Field(
        default_factory=lambda: [7, 2],
        description="the days before the due date on which the SWV is alerted (a "
        "notification and an e-mail), each from 1 to 60, e.g. [7, 2]",
    )

    @property
    def weeks(self) -> int:
        """The decision term in weeks: the one written, else the kind's default."""
        if self.decision_weeks is not None:
            return self.decision_weeks
        return DEFAULT_DECISION_WEEKS.get(self.kind, 6)


class Reason(Element):
    id: str = Field(pattern=ID_PATTERN, description=_ID + ", e.g. verhuizing")
    label: Text = Field(description=_LABEL)


class ProcedureDefinition(Element):
    id: str = Field(
        pattern=FORM_ID_PATTERN,
        description="the procedure's name: lower-case letters, digits, _ and -; a regional "
        "variant adds its region, e.g. tussentijdse-overstap-noord",
    )
    version: int = Field(ge=1, description="a whole number from 1")
    title: Text = Field(description="the title a person sees: one text, or {nl: …, en: …}")
    languages: Languages = languages_field()
    description: Text | None = Field(
        default=None, description="a short explanation of what the procedure is for"
    )
    region: str | None = Field(
        default=None,
        pattern=REGION_PATTERN,
        description="the region whose variant this is, in lower case (e.g. noord); base "
        "procedures have none (school days follow each school's vakantieregio)",
    )
    parties: list[Party] = Field(min_length=1, description="who takes part, with their roles")
    statuses: list[Status] = Field(min_length=1, description="the statuses a case can be in")
    transitions: list[Transition] = Field(min_length=1, description="the moves between statuses")
    terms: list[Term] = Field(default_factory=list, description="the deadlines that run")
    tasks: list[Task] = Field(default_factory=list, description="what is open for whom in a status")
    admission: Admission | None = Field(
        default=None,
        description="for a registration at a school: the legal terms of admission and the "
        "cascade over the schools in the parents' order of preference (WPO art. 40)",
    )
    support: Support | None = Field(
        default=None,
        description="for a school's support request to the samenwerkingsverband: the kind of "
        "request, its form, the decision term and whether the parents sign it first",
    )
    reasons: list[Reason] = Field(
        default_factory=list,
        description="the reasons a case can have, the region's list (e.g. verhuizing, "
        "conflict); the first is offered first",
    )
