"""Demo data for the placement round of Regio Noord (definitions/noord/plaatsing.placement.yaml):
thirty children registered by their parents at De Regenboog and De Linde in the round's
registration window, so that ``popo placement run plaatsing-noord`` has a round to run.

Each is a parents' registration as runtime/transfers/registration.py makes one (a pupil with
a parent, the aanmeldformulier's submission, a transfer of the aanmelding procedure that
stands at "aangemeld" since its day of receipt), written quietly: no mail and no notices for
thirty made-up registrations. Their days of receipt lie in the window (October and November
2026): the session's clock is set to each one while it is written. Some have an older brother
or sister at one of the schools (a pupil with the same parent's e-mail address), some live in
a school's postcodes, some answered yes to the form's question about a brother or sister.
Idempotent: nothing is made when the first child is there already."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.fieldtypes import bsn_valid
from engine.procedures import CompiledProcedure

from ..clock import SESSION_KEY, FrozenClock
from ..definitions import Registry
from ..forms.models import Draft, Submission
from ..forms.status import DraftStatus
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..settings import Settings
from ..statuses.db import move
from ..transfers.models import Transfer
from ..transfers.service import TransferService

POLICY = "plaatsing-noord"
FORM = "aanmeldformulier-noord"
PROCEDURE_FAMILY = "aanmelding"
FIRST_RECEIPT = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)
CHILDREN = 30
FIRST_NAMES = (
    "Sem", "Noor", "Daan", "Julia", "Finn", "Tess", "Lucas", "Emma", "Levi", "Sara",
    "Milan", "Zoë", "Jesse", "Liv", "Bram", "Anna", "Thijs", "Fenna", "Luuk", "Evi",
    "Ruben", "Lotte", "Gijs", "Isa", "Mees", "Nina", "Stijn", "Roos", "Jens", "Fleur",
)  # fmt: skip
SURNAMES = (
    "Bos", "Kuipers", "Dijkstra", "Postma", "Hoekstra", "Meijer", "Smit", "Veenstra",
    "Wierenga", "Bakker", "Mulder", "Hofstra", "Brouwer", "Kramer", "Zijlstra",
)  # fmt: skip
REGENBOOG, LINDE = "12AB00", "34CD00"
POSTCODES = ("9711 AA", "9712 BC", "9713 CD", "9714 DE", "9715 EF", "9716 FG", "9717 GH")
SIBLINGS_AT = {2: REGENBOOG, 7: LINDE, 11: REGENBOOG, 19: LINDE}  # child → a sibling's school
SAYS_SIBLING = {4, 15, 23}  # the parents answered yes to broer_zus


def _bsn(index: int, offset: int = 0) -> str:
    """The demo's numbers: 79…, passing the 11-test, one per child (and sibling)."""
    candidate = 790_000_000 + (index * 10 + offset) * 37
    while not bsn_valid(str(candidate)):
        candidate += 1
    return str(candidate)


def _preferences(index: int) -> list[str]:
    first = REGENBOOG if index % 5 in (0, 1, 3) else LINDE
    other = LINDE if first == REGENBOOG else REGENBOOG
    return [first] if index % 7 == 6 else [first, other]


def seed(session: Session, registry: Registry, settings: Settings) -> list[str]:
    """Create the demo's registrations for the round (see the module); what was created."""
    entry = registry.latest(FORM)
    schools = {
        s.code: s
        for s in session.scalars(
            select(Organisation).where(Organisation.code.in_([REGENBOOG, LINDE]))
        )
    }
    if entry is None or len(schools) < 2 or registry.placement(POLICY) is None:
        return []
    if pupils.find(session, settings, _bsn(0)) is not None:
        return []
    service = TransferService(session, registry)
    procedure = service.procedure_for(PROCEDURE_FAMILY, schools[REGENBOOG].id)
    if procedure is None:
        return []
    for index in range(CHILDREN):
        moment = FIRST_RECEIPT + timedelta(days=index * 1.5, minutes=index * 7)
        with _clock(session, moment):
            _registration(session, registry, settings, index, schools, entry, procedure)
    return [f"{CHILDREN} registrations for the placement round {POLICY}"]


class _clock:
    """The session's clock set to ``moment`` while a registration of that day is written."""

    def __init__(self, session: Session, moment: datetime) -> None:
        self.session = session
        self.moment = moment

    def __enter__(self) -> None:
        self.saved = self.session.info.get(SESSION_KEY)
        self.session.info[SESSION_KEY] = FrozenClock(self.moment)

    def __exit__(self, *exc: object) -> None:
        self.session.info[SESSION_KEY] = self.saved


def _registration(
    session: Session,
    registry: Registry,
    settings: Settings,
    index: int,
    schools: dict[str, Organisation],
    form: Any,
    procedure: CompiledProcedure,
) -> Transfer:
    surname = SURNAMES[index % len(SURNAMES)]
    first = FIRST_NAMES[index]
    parent = f"{'Anouk' if index % 2 else 'Pieter'} {surname}"
    email = f"ouder{index + 1}@plaatsing.demo"
    phone = f"06{20000000 + index:08d}"
    born = date(2023, 1, 1) + timedelta(days=index * 11)
    guardian = pupils.GuardianDetails(
        parent, "moeder" if index % 2 else "vader", True, phone, email
    )
    if index in SIBLINGS_AT:  # an older brother or sister, enrolled at a school
        older = pupils.register(
            session,
            settings,
            _bsn(index, 5),
            pupils.Names(voornamen="Kees" if index % 2 else "Mila", achternaam=surname),
            date(2019, 5, 1) + timedelta(days=index),
            schools[SIBLINGS_AT[index]].id,
        )
        pupils.set_guardians(session, older, [guardian])
    child = pupils.register(
        session,
        settings,
        _bsn(index),
        pupils.Names(voornamen=first, achternaam=surname, roepnaam=first),
        born,
        None,
    )
    pupils.set_guardians(session, child, [guardian])
    listed = _preferences(index)
    answers = {
        "kind_achternaam": surname,
        "kind_voorletters": first[0],
        "kind_roepnaam": first,
        "kind_geboortedatum": born.isoformat(),
        "kind_bsn": _bsn(index),
        "ouders": [
            {
                "ouder_naam": parent,
                "ouder_relatie": "2" if index % 2 else "1",
                "ouder_gezag": True,
                "ouder_telefoon": phone,
                "ouder_email": email,
                "ouder_postcode": POSTCODES[index % len(POSTCODES)],
                "ouder_huisnummer": str(index + 1),
            }
        ],
        "zit_op_school": False,
        "ook_elders_aangemeld": len(listed) > 1,
        "broer_zus": index in SAYS_SIBLING or index in SIBLINGS_AT,
        "startdatum": "2027-08-30",
    }
    if len(listed) > 1:
        other = schools[listed[1]]
        answers["andere_scholen"] = [
            {"andere_school_naam": other.name, "andere_school_plaats": other.city or ""}
        ]
    now = session.info[SESSION_KEY].now()
    draft = Draft(
        form_id=form.id,
        form_version=form.version,
        definition_hash=form.form.content_hash,
        organisation_id=schools[listed[0]].id,
        pupil_id=child.id,
        language="nl",
        answers=answers,
        status=DraftStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    service = TransferService(session, registry)  # on the clock of the day of receipt
    transfer = service.start(
        procedure,
        child,
        sending_school_id=None,
        schools=[schools[code].id for code in listed],
        reason="eerste_school",
        started_by_party="parents",
        started_by=None,
        actor_name=parent,
        role="ouder",
    )
    draft.transfer_id = transfer.id
    session.add(
        Submission(
            draft_id=draft.id,
            form_id=form.id,
            form_version=form.version,
            definition_hash=form.form.content_hash,
            organisation_id=schools[listed[0]].id,
            pupil_id=child.id,
            transfer_id=transfer.id,
            language="nl",
            answers=answers,
            submitted_at=now,
        )
    )
    session.flush()
    # the step aanmelden, as the parents take it, without telling anyone (see the module)
    move(
        session,
        transfer,
        "aangemeld",
        workflow=service.running(transfer).workflow,
        role="parents.ouder",
        facts={"actors": ["parents.ouder"], "forms_sent": [form.id]},
    )
    transfer.version += 1
    service.refresh(transfer)
    return transfer
