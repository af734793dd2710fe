"""A parents' registration: the aanmeldformulier a parent sent through a school's public link
becomes the child's registration at that school (and at the other schools the form names).

On submission (runtime/forms/service.after_submit, in the submission's transaction) the child
is registered as a pupil (found by their BSN or onderwijsnummer, or made; a child POPO already
knows keeps its row, its names, guardians and current school), and a transfer is started with
the procedure family ``aanmelding`` of the school's region, by the parents, with the link's
school first, and its first step ``aanmelden`` is taken for the parents: the registration is
"aangemeld" on the day it was sent (the receipt date), and the school's staff are told by the
step's notifications. The submission and its draft are linked to the pupil and the transfer.

The submission is the legal record and is never lost for the registration: the registration
runs in a savepoint of the submission's transaction, so that the parent's confirmation page
can name the school, the receipt date and the next step at once; when anything about it fails
the savepoint is rolled back, the submission is stored all the same and a job
(``register_aanmelding``) tries again. Both are idempotent: a submission with a transfer is
not registered again, and a second submit of the same draft returns the first submission
without calling this (FormsService.submit).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.messages import localize
from engine.procedures.compile import CompiledTerm

from .. import jobs
from ..clock import dutch_date
from ..definitions import Registry
from ..forms.models import Draft, PublicLink, Submission
from ..forms.service import FormsService
from ..jobs.spec import task
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..pupils.models import Pupil
from ..settings import Settings
from . import parents
from .models import ParentAccess, Transfer
from .service import TransferService, _aware

if TYPE_CHECKING:
    from ..state import AppState

log = logging.getLogger("popo.transfers")

FAMILY = "aanmelding"
FIRST_STEP = "aanmelden"
PARENTS = "parents.ouder"
KIND = "aanmeldformulier"
# the aanmeldformulier's codes of a parent's relation (choices `relatie`) -> pupils.RELATIONS
RELATION_OF_CODE = {code: name for name, code in pupils.RELATIONS.items() if code is not None}


class NotTheSameChild(ValueError):
    """The form's number is a child POPO knows, with another surname or date of birth."""


def is_registration(registry: Registry, session: Session, submission: Submission) -> bool:
    """A form of kind aanmeldformulier that a parent sent through a school's start link: its
    draft was filled in on a resume link of the school (not by the school's staff)."""
    if submission.organisation_id is None:
        return False
    entry = registry.get(submission.form_id, submission.form_version)
    if entry is None or entry.form.definition.kind != KIND:
        return False
    school = session.get(Organisation, submission.organisation_id)
    if school is None or school.kind != "school":
        return False
    link = session.scalar(
        select(PublicLink.id).where(
            PublicLink.draft_id == submission.draft_id, PublicLink.purpose == "resume"
        )
    )
    return link is not None


def on_sent(forms: FormsService, submission: Submission) -> None:
    """The after_submit hook: register, in a savepoint; a failure queues the retry job."""
    session = forms.session
    if submission.transfer_id is not None or not is_registration(
        forms.registry, session, submission
    ):
        return
    try:
        with session.begin_nested():
            register(session, forms.registry, forms.settings, submission)
    except NotTheSameChild:
        # the school reads the form itself; POPO's record of that child is not shown to it
        log.warning(
            "registration not linked: the number is known with another surname or birth date",
            extra={"submission": str(submission.id)},
        )
    except Exception as exc:
        log.error(
            "registration failed (%s); the submission is kept and the job tries again",
            type(exc).__name__,  # never the error's text: it may hold what the form held
            extra={"submission": str(submission.id)},
        )
        jobs.defer(session, "register_aanmelding", submission_id=str(submission.id))


@task("register_aanmelding", attempts=5, delay=60, backoff=3)  # 1 min … 81 min
def register_again(state: AppState, submission_id: str) -> None:
    """The retry of a registration that failed in the submission's transaction."""
    with state.db.session() as session:
        submission = session.get(Submission, uuid.UUID(submission_id), with_for_update=True)
        if submission is None or submission.transfer_id is not None:
            return
        if is_registration(state.registry, session, submission):
            try:
                register(session, state.registry, state.settings, submission)
            except NotTheSameChild:
                log.warning("registration not linked", extra={"submission": submission_id})


def register(
    session: Session, registry: Registry, settings: Settings, submission: Submission
) -> Transfer:
    """The registration of a parent's submitted aanmeldformulier (see the module)."""
    answers = submission.answers
    school_id = submission.organisation_id
    assert school_id is not None
    service = TransferService(session, registry, settings.base_url)
    procedure = service.procedure_for(FAMILY, school_id)
    if procedure is None:
        raise LookupError(f"no procedure {FAMILY!r} for the school's region")
    pupil = pupil_of(session, settings, answers)
    parent = parent_name(answers)
    reason, note = reason_of(answers)
    transfer = service.start(
        procedure,
        pupil,
        sending_school_id=None,  # the current school is not told by a registration (below)
        schools=[school_id, *other_schools(session, answers, school_id)],
        reason=reason if reason in {r for r, _ in procedure.reasons} else "anders",
        reason_note=note,
        desired_date=_date(answers.get("startdatum")),
        started_by_party="parents",
        started_by=None,
        actor_name=parent,
        role="ouder",
    )
    submission.transfer_id = transfer.id
    submission.pupil_id = pupil.id
    draft = session.get(Draft, submission.draft_id)
    if draft is not None:
        draft.transfer_id = transfer.id
        draft.pupil_id = pupil.id
    session.flush()
    service.take(
        transfer, FIRST_STEP, actors=[PARENTS], version=None, actor_id=None, actor_name=parent
    )
    log.info(
        "registration by parents",
        extra={"transfer": str(transfer.id), "submission": str(submission.id)},
    )
    return transfer


def pupil_of(session: Session, settings: Settings, answers: dict[str, Any]) -> Pupil:
    """The child of the form: the pupil POPO knows by this number as they are (a public form
    does not change what a school recorded: names, guardians, current school), else a new
    pupil with the form's names, birth date and parents, at no school yet."""
    number = str(answers.get("kind_bsn") or answers.get("kind_onderwijsnummer") or "").strip()
    if not number:
        raise ValueError("the form holds no BSN or onderwijsnummer")
    known = pupils.find(session, settings, number)
    born = _date(answers.get("kind_geboortedatum"))
    if known is not None:
        surname = str(answers.get("kind_achternaam") or "").strip().casefold()
        if known.geboortedatum != born or known.achternaam.casefold() != surname:
            # anyone can type a number into a public form: a known child's record is linked
            # only with the child's own surname and date of birth
            raise NotTheSameChild()
        return known
    if born is None:
        raise ValueError("the form holds no date of birth")
    letters = str(answers.get("kind_voorletters") or "")
    names = pupils.Names(
        # the form asks initials only: "J.M." is stored as "J. M.", whose initials are "J.M."
        voornamen=" ".join(f"{p}." for p in re.findall(r"[A-Za-z]", letters)) or letters,
        achternaam=str(answers.get("kind_achternaam") or ""),
        roepnaam=answers.get("kind_roepnaam") or None,
    )
    pupil = pupils.register(session, settings, number, names, born, None)
    pupils.set_guardians(session, pupil, guardians_of(answers))
    return pupil


def guardians_of(answers: dict[str, Any]) -> list[pupils.GuardianDetails]:
    """The ``ouders`` rows as guardians (the form takes only parents with gezag)."""
    found = []
    for row in answers.get("ouders") or []:
        if not isinstance(row, dict) or not str(row.get("ouder_naam") or "").strip():
            continue
        found.append(
            pupils.GuardianDetails(
                naam=str(row["ouder_naam"]),
                relatie=RELATION_OF_CODE.get(str(row.get("ouder_relatie")), "anders"),
                gezag=row.get("ouder_gezag") is True,
                telefoon=row.get("ouder_telefoon") or None,
                email=row.get("ouder_email") or None,
            )
        )
    return found


def parent_name(answers: dict[str, Any]) -> str:
    rows = [r for r in answers.get("ouders") or [] if isinstance(r, dict)]
    name = str(rows[0].get("ouder_naam") or "").strip() if rows else ""
    return name or "Ouders"


def reason_of(answers: dict[str, Any]) -> tuple[str, str | None]:
    """The reason of the registration: the form does not ask one, so it follows from whether
    the child goes to a school now. Not at a school: the first primary school
    (``eerste_school``); at a school: ``anders``, with the school the parents name as the note
    (the receiving school asks the parents why in its conversation with them)."""
    if answers.get("zit_op_school") is not True:
        return "eerste_school", None
    school = ", ".join(
        str(answers.get(key) or "").strip()
        for key in ("huidige_school_naam", "huidige_school_plaats")
        if str(answers.get(key) or "").strip()
    )
    return "anders", (f"Nu op school: {school}" if school else None)


def _plain(name: str) -> str:
    """A school's name to compare: no accents, case, punctuation, "basisschool" or "(demo)"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\(demo\)|\bbasisschool\b|\bobs\b|\bcbs\b|\brkbs\b", " ", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


MAX_OTHER_SCHOOLS = 10  # what a form can name; more is not a registration but a list


def other_schools(session: Session, answers: dict[str, Any], first: uuid.UUID) -> list[uuid.UUID]:
    """The other schools the parents name, in their order, that are known to POPO: one school
    of that name (and town, where the town is known), else the name is passed over (the
    receiving school reads it on the form)."""
    rows = answers.get("andere_scholen") or [] if answers.get("ook_elders_aangemeld") else []
    found: list[uuid.UUID] = []
    for row in rows[:MAX_OTHER_SCHOOLS]:
        if not isinstance(row, dict):
            continue
        name = _plain(str(row.get("andere_school_naam") or "")[:200])
        town = _plain(str(row.get("andere_school_plaats") or "")[:100])
        if not name:
            continue
        # the candidates by the name's longest word: a few rows, not every school loaded
        word = max(name.split(), key=len)
        candidates = session.scalars(
            select(Organisation)
            .where(Organisation.kind == "school", func.lower(Organisation.name).like(f"%{word}%"))
            .limit(200)
        )
        named = [s for s in candidates if _plain(s.name) == name]
        if len(named) > 1 and town:
            named = [s for s in named if s.city and _plain(s.city) == town]
        if len(named) == 1 and named[0].id != first and named[0].id not in found:
            found.append(named[0].id)
    return found


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


# ------------------------------------------------------------------ the confirmation page


@dataclass(frozen=True)
class Confirmation:
    """What a parent's confirmation page says of the registration their form made."""

    transfer: Transfer
    school: str
    received: date | None  # the receipt date: the day of the step aanmelden
    status: str  # in the page's language
    decision_due: date | None  # the beslistermijn's due date
    term: CompiledTerm | None
    others: list[str]  # the other schools, in the parents' order
    secret: str | None  # the link to follow it, the first time the page is shown


def confirmation(
    session: Session, registry: Registry, submission: Submission, language: str
) -> Confirmation | None:
    """The parent's confirmation page's facts for a registration: the school, the receipt
    date, the transfer's reference, what happens next (the decision's due date) and the link
    to follow the registration. That link's secret is made and shown once, on the first view
    of the page; later views say that it was shown (only its hash is stored)."""
    if submission.transfer_id is None:
        return None
    transfer = session.get(Transfer, submission.transfer_id)
    if transfer is None or transfer.started_by_party != "parents":
        return None
    service = TransferService(session, registry)
    school = session.get(Organisation, transfer.receiving_school_id)
    received = next(
        (
            dutch_date(_aware(change.at))
            for change in service.history(transfer)
            if change.to_status == "aangemeld"
        ),
        None,
    )
    state = service.state(transfer)
    procedure = service.procedure(transfer)
    decision = state.terms.get("beslistermijn")
    term = next((t for t in procedure.terms if t.id == "beslistermijn"), None)
    decision_due = decision.due if decision else None
    if procedure.admission is not None:
        # a registration under WPO art. 40: its term is the law's (runtime/admissions), whose
        # due date the transfer holds as its next one
        decision_due = transfer.due_on
        term = CompiledTerm(
            "beslistermijn", "", "", procedure.admission.decision_weeks, "weeks", None, None
        )
    shown = session.scalar(
        select(ParentAccess.id).where(
            # the confirmation's own link: made by no school and for no one guardian (the
            # links mailed to each guardian, parents.tell_parents, name theirs)
            ParentAccess.transfer_id == transfer.id,
            ParentAccess.created_by.is_(None),
            ParentAccess.guardian_id.is_(None),
        )
    )
    secret = None
    if shown is None:
        _, secret = parents.create_link(session, transfer, language=language)
    others = [
        s.name
        for choice in transfer.choices[1:]
        if (s := session.get(Organisation, choice.school_id)) is not None
    ]
    return Confirmation(
        transfer=transfer,
        school=school.name if school else "",
        received=received,
        status=localize(procedure.statuses[transfer.status].label, language),
        decision_due=decision_due,
        term=term,
        others=others,
        secret=secret,
    )
