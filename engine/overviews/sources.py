"""What an overview definition may count: the sources of monitoring and, per source, its
dimensions (what rows are grouped and filtered by), its flags (conditions a measure counts)
and its values (numbers a measure sums or averages).

This is the vocabulary shared by the two halves of an overview: the engine checks a
definition's names against it (``engine/overviews/check.py``) and evaluates it over a small
data set for the author's scenarios (``evaluate.py``); the runtime gives every name its SQL
(``runtime/monitoring/sources.py``, where a test checks that nothing here is left without it).
A name is added here first, then given its SQL.

Every source has a date (``period``) that the period filter and the time dimensions
(``month``, ``year``, ``school_year``) are taken from, and the organisation dimensions
``school`` and ``bestuur`` (for transfers: ``sending_…`` and ``receiving_…``), whose values are
organisation ids labelled by the runtime with the organisation's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

DimensionKind = Literal["school", "bestuur", "choice", "month", "year", "school_year"]
Audience = Literal["school", "bestuur", "swv"]
AUDIENCES: tuple[Audience, ...] = ("school", "bestuur", "swv")
"""Who an overview is for, by the kind of organisation a person works for: a school's staff,
a school board's, a samenwerkingsverband's. Aggregates for a bestuur or an SWV suppress small
cells (a setting, and an overview's ``suppress_below``)."""


@dataclass(frozen=True)
class Dimension:
    name: str
    label: dict[str, str]
    kind: DimensionKind
    # the values of a choice dimension with their labels; empty: the values come from the
    # region's definitions (a transfer's reasons and statuses) and are labelled by the runtime
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Flag:
    name: str
    label: dict[str, str]


@dataclass(frozen=True)
class Value:
    name: str
    label: dict[str, str]
    unit: dict[str, str]
    # a number of persons (pupils counted): a sum of it is suppressed by itself, not by the
    # number of rows summed (a school's 210 pupils are one row, and recognise no child)
    persons: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    label: dict[str, str]
    row: dict[str, str]  # what one row is, for the drill-down ("overstap" / "transfer")
    period: dict[str, str]  # which date the period is ("gestart" / "started")
    dimensions: MappingProxyType[str, Dimension]
    flags: MappingProxyType[str, Flag]
    values: MappingProxyType[str, Value]


def _t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


def _dims(*items: Dimension) -> MappingProxyType[str, Dimension]:
    return MappingProxyType({item.name: item for item in items})


def _flags(*items: Flag) -> MappingProxyType[str, Flag]:
    return MappingProxyType({item.name: item for item in items})


def _values(*items: Value) -> MappingProxyType[str, Value]:
    return MappingProxyType({item.name: item for item in items})


TIME = (
    Dimension("month", _t("Maand", "Month"), "month"),
    Dimension("year", _t("Jaar", "Year"), "year"),
    Dimension("school_year", _t("Schooljaar", "School year"), "school_year"),
)
SCHOOL = Dimension("school", _t("School", "School"), "school")
BESTUUR = Dimension("bestuur", _t("Bestuur", "School board"), "bestuur")
DAYS = _t("dagen", "days")

TRANSFERS = Source(
    name="transfers",
    label=_t("Overstappen", "Transfers"),
    row=_t("overstap", "transfer"),
    period=_t("gestart", "started"),
    dimensions=_dims(
        Dimension("reason", _t("Reden", "Reason"), "choice"),
        Dimension("status", _t("Status", "Status"), "choice"),
        Dimension(
            "state",
            _t("Lopend of afgesloten", "Running or closed"),
            "choice",
            {"open": _t("lopend", "running"), "closed": _t("afgesloten", "closed")},
        ),
        Dimension("sending_school", _t("Van school", "From school"), "school"),
        Dimension("receiving_school", _t("Naar school", "To school"), "school"),
        Dimension("sending_bestuur", _t("Van bestuur", "From board"), "bestuur"),
        Dimension("receiving_bestuur", _t("Naar bestuur", "To board"), "bestuur"),
        Dimension(
            "started_by",
            _t("Gestart door", "Started by"),
            "choice",
            {
                "sending_school": _t("vertrekkende school", "sending school"),
                "receiving_school": _t("ontvangende school", "receiving school"),
                "parents": _t("ouders", "parents"),
            },
        ),
        *TIME,
    ),
    flags=_flags(
        Flag("open", _t("lopend", "running")),
        Flag("closed", _t("afgesloten", "closed")),
        Flag("enrolled", _t("ingeschreven", "enrolled")),
        Flag("overdue", _t("termijn verlopen", "term overrun")),
    ),
    values=_values(
        Value("days_to_enrolment", _t("Dagen tot inschrijving", "Days to enrolment"), DAYS)
    ),
)

ADMISSION_STATES = {
    "waiting": _t("wacht op eerdere school", "waiting for an earlier school"),
    "active": _t("in behandeling", "being handled"),
    "admitted": _t("toegelaten", "admitted"),
    "refused": _t("geweigerd", "refused"),
    "not_handled": _t("niet tijdig beslist", "not decided in time"),
    "withdrawn": _t("ingetrokken", "withdrawn"),
    "closed": _t("vervallen", "lapsed"),
}

REGISTRATIONS = Source(
    name="registrations",
    label=_t("Aanmeldingen", "Registrations"),
    row=_t("aanmelding", "registration"),
    period=_t("ontvangen", "received"),
    dimensions=_dims(
        SCHOOL,
        BESTUUR,
        Dimension("state", _t("Stand", "State"), "choice", ADMISSION_STATES),
        Dimension(
            "preference",
            _t("Voorkeur", "Preference"),
            "choice",
            {
                "1": _t("eerste", "first"),
                "2": _t("tweede", "second"),
                "3+": _t("derde of later", "third or later"),
            },
        ),
        *TIME,
    ),
    flags=_flags(
        Flag("open", _t("open", "open")),
        Flag("due_this_week", _t("beslissing deze week", "decision due this week")),
        Flag("overdue", _t("termijn verlopen", "term overrun")),
        Flag("decided", _t("beslist", "decided")),
        Flag("decided_within_term", _t("binnen de termijn beslist", "decided within the term")),
        Flag(
            "temporary", _t("tijdelijk ingeschreven (10 weken)", "enrolled temporarily (10 weeks)")
        ),
    ),
    values=_values(Value("decision_days", _t("Dagen tot beslissing", "Days to decision"), DAYS)),
)

ADVICES = Source(
    name="advices",
    label=_t("Adviezen", "Advices"),
    row=_t("advies", "advice"),
    period=_t("verstuurd", "sent"),
    dimensions=_dims(
        SCHOOL,
        BESTUUR,
        Dimension("form", _t("Formulier", "Form"), "choice"),
        *TIME,
    ),
    flags=_flags(
        Flag("consent_asked", _t("toestemming gevraagd", "consent asked")),
        Flag("consent_given", _t("toestemming gegeven", "consent given")),
    ),
    values=_values(),
)

SUPPORT = Source(
    name="support",
    label=_t("Ondersteuningsaanvragen", "Support requests"),
    row=_t("aanvraag", "request"),
    period=_t("aangemaakt", "made"),
    dimensions=_dims(
        SCHOOL,
        BESTUUR,
        Dimension("kind", _t("Soort", "Kind"), "choice"),
        Dimension("status", _t("Status", "Status"), "choice"),
        Dimension(
            "decision",
            _t("Besluit", "Decision"),
            "choice",
            {
                "granted": _t("toegekend", "granted"),
                "rejected": _t("afgewezen", "rejected"),
                "advised": _t("advies", "advice"),
                "none": _t("nog geen besluit", "no decision yet"),
            },
        ),
        Dimension(
            "tlv_category",
            _t("TLV-categorie", "TLV category"),
            "choice",
            {
                "laag": _t("laag", "low"),
                "midden": _t("midden", "middle"),
                "hoog": _t("hoog", "high"),
                "none": _t("geen", "none"),
            },
        ),
        *TIME,
    ),
    flags=_flags(
        Flag("open", _t("lopend", "running")),
        Flag("submitted", _t("ingediend", "submitted")),
        Flag("decided", _t("besloten", "decided")),
        Flag("granted", _t("toegekend", "granted")),
        Flag("overdue", _t("beslistermijn verlopen", "decision overdue")),
        Flag("decided_within_term", _t("binnen de termijn besloten", "decided within the term")),
    ),
    values=_values(Value("decision_days", _t("Dagen tot besluit", "Days to decision"), DAYS)),
)

ABSENCE = Source(
    name="absence",
    label=_t("Verzuim", "Absence"),
    row=_t("verzuimmelding", "absence case"),
    period=_t("eerste verzuimdag", "first day absent"),
    dimensions=_dims(
        SCHOOL,
        BESTUUR,
        Dimension(
            "kind",
            _t("Soort", "Kind"),
            "choice",
            {
                "relative": _t("relatief verzuim", "relative absence"),
                "long_term": _t("langdurig verzuim", "long-term absence"),
                "not_enrolled": _t("niet ingeschreven", "not enrolled"),
            },
        ),
        Dimension(
            "status",
            _t("Status", "Status"),
            "choice",
            {"open": _t("open", "open"), "closed": _t("afgesloten", "closed")},
        ),
        *TIME,
    ),
    flags=_flags(
        Flag("open", _t("open", "open")),
        Flag("thuiszitter", _t("thuiszitter", "child at home")),
        Flag("reported", _t("gemeld bij leerplicht", "reported to attendance officer")),
    ),
    values=_values(
        Value("hours", _t("Uren ongeoorloofd", "Unauthorised hours"), _t("uur", "hours"))
    ),
)

RISKS = {
    "deregistered_not_enrolled": _t(
        "uitgeschreven, niet ingeschreven", "deregistered, not enrolled elsewhere"
    ),
    "term_overrun": _t("termijn verlopen", "term overrun"),
    "long_absence": _t("langdurig verzuim", "long-term absence"),
    "registered_not_placed": _t("aangemeld, niet geplaatst", "registered, not placed"),
}

PUPILS_AT_RISK = Source(
    name="pupils_at_risk",
    label=_t("Leerlingen met risico op uitval", "Pupils at risk of dropping out"),
    row=_t("leerling", "pupil"),
    period=_t("sinds", "since"),
    dimensions=_dims(
        SCHOOL, BESTUUR, Dimension("risk", _t("Risico", "Risk"), "choice", RISKS), *TIME
    ),
    flags=_flags(),
    values=_values(Value("days", _t("Dagen", "Days"), DAYS)),
)

PUPIL_COUNTS = Source(
    name="pupil_counts",
    label=_t("Leerlingaantallen", "Pupil numbers"),
    row=_t("telling", "count"),
    period=_t("teldatum (1 oktober)", "count date (1 October)"),
    dimensions=_dims(
        SCHOOL,
        BESTUUR,
        Dimension("year", _t("Jaar", "Year"), "year"),
        Dimension(
            "origin",
            _t("Bron", "Source"),
            "choice",
            {"duo": _t("DUO", "DUO"), "popo": _t("POPO (berekend)", "POPO (calculated)")},
        ),
    ),
    flags=_flags(),
    values=_values(
        Value("pupils", _t("Leerlingen", "Pupils"), _t("leerlingen", "pupils"), persons=True)
    ),
)

SOURCES: MappingProxyType[str, Source] = MappingProxyType(
    {
        source.name: source
        for source in (
            TRANSFERS,
            REGISTRATIONS,
            ADVICES,
            SUPPORT,
            ABSENCE,
            PUPILS_AT_RISK,
            PUPIL_COUNTS,
        )
    }
)
