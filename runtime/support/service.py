"""The rules of 1Loket on a Session (no web): a school starts a support request for a pupil,
prefilled from what POPO holds; the parents read it on a link of their own, sign it "voor
gezien" and decide on each medical or psychological report; the school submits it; the SWV
declares it complete (its decision term starts), plans it for a loketoverleg, and grants or
rejects it; the arrangement is carried out and evaluated. Every step is a step of the request's
procedure definition (``support:`` block, docs/support.md), checked by the shared Workflow
(runtime/statuses/procedure.py) and by the version the page showed; what a step records
besides its status is checked here (runtime/support/rules.py) before anything is written."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.messages import localize
from engine.procedures import CompiledProcedure
from engine.procedures.compile import CompiledTransition
from oso_mapping.dossier import N_, DossierError

from .. import notifications
from ..access.accounts import staff_at
from ..access.models import UserAccount
from ..clock import clock_of, dutch_date
from ..definitions import Registry
from ..forms.models import Submission
from ..forms.service import FormsService, token_hash
from ..organisations.models import Organisation
from ..oso.service import OsoExchange
from ..pupils import service as pupils
from ..pupils.models import Guardian, Pupil
from ..refusals import Gone
from ..settings import Settings
from ..statuses.db import StatusChange, move
from ..statuses.procedure import (
    CaseKind,
    RunningProcedure,
    Seat,
    actor_text,
    actors_of,
    running_of,
)
from ..statuses.workflow import TransitionRefused
from ..storage import BlobStore
from ..transfers.models import Transfer
from ..transfers.parents import GuardianRecipient
from . import files, rules
from .models import (
    SupportDesk,
    SupportEvent,
    SupportParentLink,
    SupportParentsRecord,
    SupportRequest,
)

CASE = CaseKind(
    "support_request",
    {"nl": "Ondersteuningsaanvraag", "en": "Support request"},
    {"nl": "deze aanvraag", "en": "this request"},
)
LINK_DAYS = 60  # the parents read and sign within weeks; the school can mail new links
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
OKR_KIND = "onderwijskundig_rapport"
SUPPORT_FORM_KIND = "ondersteuningsaanvraag"
REPORTS = "rapporten"  # the form's group of reports (engine/checker.py checks it is there)

REFUSALS: dict[str, dict[str, str]] = {
    "stale": {
        "nl": "Deze aanvraag is intussen gewijzigd (nu: {status}). Bekijk de nieuwe stand en "
        "kies opnieuw; er is niets veranderd.",
        "en": "This request was changed in the meantime (now: {status}). Look at where it "
        "stands now and choose again; nothing was changed.",
    },
    "not_from_here": {
        "nl": "'{step}' kan nu niet: de aanvraag staat op '{status}'.",
        "en": "'{step}' cannot be done now: the request is at '{status}'.",
    },
    "unknown_step": {
        "nl": "Deze stap bestaat niet in de procedure van deze aanvraag.",
        "en": "This step does not exist in this request's procedure.",
    },
    "no_procedure": {
        "nl": "De procedure van deze aanvraag ({procedure}) is niet meer beschikbaar; vraag de "
        "beheerder om hulp.",
        "en": "The procedure of this request ({procedure}) is no longer available; ask the "
        "administrator for help.",
    },
    "closed": {
        "nl": "Deze aanvraag is afgesloten ({status}); er kan niets meer aan veranderen.",
        "en": "This request is closed ({status}); nothing can change any more.",
    },
    "not_signed": {
        "nl": "De ouders hebben de aanvraag nog niet voor gezien getekend. Stuur hun de "
        "aanvraag en dien haar in zodra zij getekend hebben.",
        "en": "The parents have not signed the request as seen yet. Send it to them and "
        "submit it once they have signed.",
    },
    "not_sent": {
        "nl": "Eerst moet het formulier van de aanvraag verstuurd zijn.",
        "en": "The request's form must be sent first.",
    },
    "invalid": {"nl": "{message}", "en": "{message}"},
}


class Refused(TransitionRefused):
    """A step that was not taken, with the reason a person reads: nothing was written."""


class NoSwv(Exception):
    """The school belongs to no samenwerkingsverband POPO knows: no request can be made."""


class LinkGone(Gone):
    """A parents' link that expired or was switched off."""


@dataclass(frozen=True)
class Report:
    """A report attached to the request: the attachment, what kind, and whether the parents
    decide on it (medical and psychological reports)."""

    id: str  # the attachment's id
    row: int
    kind: str
    description: str
    name: str
    sensitive: bool


@dataclass(frozen=True)
class Actions:
    actors: list[str]
    possible: list[CompiledTransition]
    blocked: list[tuple[CompiledTransition, str]]  # a step of their role, and why not yet


@dataclass(frozen=True)
class Entry:
    """One line of a request's timeline."""

    at: datetime
    text: str
    actor: str
    detail: Mapping[str, Any]


def family_of(procedure: CompiledProcedure) -> str:
    """``arrangement`` for ``arrangement-noord``: the base id a region's variant extends."""
    suffix = f"-{procedure.region}"
    if procedure.region and procedure.id.endswith(suffix):
        return procedure.id[: -len(suffix)]
    return procedure.id


def seats(request: SupportRequest) -> list[Seat]:
    return [
        Seat("sending_school", request.school_id),
        Seat("receiving_school", request.receiving_school_id),
        Seat("swv", request.swv_id),
    ]


def actors_for(
    procedure: CompiledProcedure, request: SupportRequest, roles: Iterable[Any]
) -> list[str]:
    """The ``party.role`` texts a logged-in person (their ``Role`` s) acts in on ``request``."""
    return actors_of(procedure, [(r.role, r.organisation_id) for r in roles], seats(request))


def _parts(actor: str) -> tuple[str, str | None]:
    party, _, role = actor.partition(".")
    return party, role or None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(label: Any) -> dict[str, str]:
    return {"nl": label, "en": label} if isinstance(label, str) else dict(label)


class SupportService:
    def __init__(
        self,
        session: Session,
        registry: Registry,
        settings: Settings,
        files: BlobStore | None = None,
        base_url: str = "",
    ) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.files = files
        self.clock = clock_of(session)
        self.base_url = (base_url or settings.base_url).rstrip("/")

    # ------------------------------------------------------------------ procedures

    def offered(self, region: str | None) -> list[CompiledProcedure]:
        """The kinds of request a school in ``region`` can make: for each support procedure
        its region's variant, else the base; published ones only, in the order of kinds."""
        families = sorted(
            {
                family_of(e.procedure)
                for e in self.registry.procedures.values()
                if e.procedure.support is not None and e.published
            }
        )
        found = []
        for family in families:
            procedure = self.registry.procedure_for(family, region)
            if procedure is not None and procedure.support is not None:
                found.append(procedure)
        order = list(rules.KINDS)
        return sorted(found, key=lambda p: order.index(p.support.kind) if p.support else 99)

    def procedure(self, request: SupportRequest) -> CompiledProcedure:
        found = self.registry.procedure(request.procedure_id, request.procedure_version)
        if found is None or found.support is None:
            raise Refused(
                "no_procedure",
                REFUSALS["no_procedure"],
                procedure=f"{request.procedure_id} v{request.procedure_version}",
            )
        return found

    def running(self, request: SupportRequest) -> RunningProcedure:
        return running_of(self.procedure(request), self.registry.form_title, CASE)

    def kind_label(self, request: SupportRequest, language: str) -> str:
        return localize(rules.KINDS.get(request.kind, {"en": request.kind}), language)

    def status_label(self, request: SupportRequest, language: str) -> str:
        procedure = self.registry.procedure(request.procedure_id, request.procedure_version)
        found = procedure.statuses.get(request.status) if procedure else None
        return localize(found.label, language) if found else request.status

    # ------------------------------------------------------------------ starting

    def new_reference(self) -> str:
        """``OL-2027-4F7K2Q``: 1Loket, the year and six characters without look-alikes."""
        year = self.clock.today().year
        for _ in range(10):
            code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
            reference = f"OL-{year}-{code}"
            taken = select(SupportRequest.id).where(SupportRequest.reference == reference)
            if self.session.scalar(taken) is None:
                return reference
        raise RuntimeError("could not find a free support request reference")

    def latest_okr(self, pupil: Pupil, school_id: uuid.UUID) -> Submission | None:
        """The newest onderwijskundig rapport about ``pupil`` that the school holds: one it
        sent itself, or one it received with the pupil's transfer to it."""
        okr_forms = [
            entry.id
            for entry in self.registry.forms.values()
            if str(entry.form.definition.kind) == OKR_KIND
        ]
        if not okr_forms:
            return None
        received = select(Transfer.id).where(
            Transfer.pupil_id == pupil.id, Transfer.receiving_school_id == school_id
        )
        return self.session.scalar(
            select(Submission)
            .where(
                Submission.pupil_id == pupil.id,
                Submission.form_id.in_(sorted(set(okr_forms))),
                (Submission.organisation_id == school_id) | Submission.transfer_id.in_(received),
            )
            .order_by(Submission.submitted_at.desc())
            .limit(1)
        )

    def prefill(
        self, pupil: Pupil, school: Organisation, number: str | None
    ) -> tuple[dict[str, Any], Submission | None]:
        """What the request's form begins with: the school career, tests and support of the
        pupil's latest OKR (by key: the request's form has the OKR's keys), the school, and the
        pupil's own data over it (runtime/pupils/service.prefill). Files are not copied: a
        report is attached to the request itself, so that the parents decide on it there."""
        okr = self.latest_okr(pupil, school.id)
        answers: dict[str, Any] = {}
        if okr is not None:
            answers.update(
                (key, value)
                for key, value in (okr.answers or {}).items()
                if key not in ("bijlagen", REPORTS) and not _holds_file(value)
            )
        answers["school_naam"] = school.name
        if len(school.code) == 6:
            answers["school_brin"], answers["school_vestiging"] = school.code[:4], school.code[4:]
        answers.update(pupils.prefill(pupil, number))
        return answers, okr

    def start(
        self,
        procedure: CompiledProcedure,
        pupil: Pupil,
        school: Organisation,
        *,
        number: str | None,
        actor_id: uuid.UUID | None,
        actor_name: str,
        role: str,
        language: str,
        transfer: Transfer | None = None,
        receiving_school_id: uuid.UUID | None = None,
        dossier: tuple[bytes, str] | None = None,
    ) -> SupportRequest:
        """A new request in the procedure's initial status, with a draft of its form begun
        with what POPO holds, and with what an OSO dossier (the PaO profile the school's
        administration system exports for the SWV) holds over it: ``dossier`` is its bytes
        and file name; a refused dossier raises DossierError (the caller rolls back). The
        request goes to the school's samenwerkingsverband."""
        support = procedure.support
        if support is None:
            raise ValueError(f"{procedure.id} is not a support procedure")
        if school.swv_id is None:
            raise NoSwv(school.id)
        if transfer is not None and receiving_school_id is None:
            receiving_school_id = transfer.receiving_school_id
        now = self.clock.now()
        answers, okr = self.prefill(pupil, school, number)
        receiving = (
            self.session.get(Organisation, receiving_school_id) if receiving_school_id else None
        )
        if receiving is not None:  # a TLV for the pupil's transfer: the school it goes to
            answers["beoogde_school"] = receiving.name
        forms = FormsService(self.session, self.registry, self.settings, self.files)  # type: ignore[arg-type]
        if dossier is not None:
            draft, result = OsoExchange(forms).start_from_dossier(
                support.form, dossier[0], dossier[1], language, school.id,
                pupil_id=pupil.id, prefill=answers,
            )  # fmt: skip
            born = _any_day(result.answers.get("geboortedatum"))
            if born is not None and born != pupil.geboortedatum:
                source = (draft.oso_import or {}).get("sha256")
                if (
                    self.files is not None
                    and source
                    and not files.held_elsewhere(self.session, source, draft.id)
                ):
                    # the caller rolls back the rows; the file the import stored goes too
                    files.remove_when_final(self.session, self.files, source, on="rollback")
                # another child's dossier must not fill this child's request
                raise DossierError(
                    N_(
                        "this dossier is about a child born on {born}, not about this pupil; "
                        "choose the dossier of this pupil"
                    ),
                    born=born.strftime("%d-%m-%Y"),
                )
        else:
            draft = forms.start(
                support.form, language, school.id, pupil_id=pupil.id, prefill=answers
            )
        request = SupportRequest(
            reference=self.new_reference(),
            kind=support.kind,
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            status=procedure.initial,
            version=1,
            pupil_id=pupil.id,
            school_id=school.id,
            swv_id=school.swv_id,
            receiving_school_id=receiving_school_id,
            transfer_id=transfer.id if transfer is not None else None,
            draft_id=draft.id,
            started_by=actor_id,
            created_at=now,
            updated_at=now,
        )
        self.session.add(request)
        self.session.flush()
        party, role_name = "sending_school", role
        self.record(
            request,
            "started",
            actor_id=actor_id,
            actor_name=actor_name,
            party=party,
            role=role_name,
            detail={"okr": okr.form_id if okr is not None else None},
        )
        return request

    def attach(self, submission: Submission) -> SupportRequest | None:
        """The request's form was sent: the request now holds the submission."""
        request = self.session.scalar(
            select(SupportRequest)
            .where(SupportRequest.draft_id == submission.draft_id)
            .with_for_update()
        )
        if request is None:
            return None
        request.submission_id = submission.id
        self.touch(request)
        return request

    def touch(self, request: SupportRequest) -> None:
        request.version += 1
        request.updated_at = self.clock.now()
        self.session.flush()

    # ------------------------------------------------------------------ where it stands

    def desk(self, swv_id: uuid.UUID, lock: bool = False) -> SupportDesk:
        desk = self.session.get(SupportDesk, swv_id, with_for_update=lock)
        if desk is None:
            desk = SupportDesk(swv_id=swv_id, decision_weeks={}, number_year=0, last_number=0)
            self.session.add(desk)
            self.session.flush()
        return desk

    def weeks(self, request: SupportRequest, procedure: CompiledProcedure | None = None) -> int:
        """The weeks within which the SWV decides: its own setting for the kind, else the
        procedure's (``support.decision_weeks``)."""
        desk = self.session.get(SupportDesk, request.swv_id)
        own = (desk.decision_weeks or {}).get(request.kind) if desk is not None else None
        if isinstance(own, int) and 1 <= own <= 52:
            return own
        procedure = procedure or self.procedure(request)
        return procedure.support.decision_weeks if procedure.support else 6

    def set_weeks(self, swv_id: uuid.UUID, kind: str, weeks: int | None) -> None:
        """The SWV's own term for a kind of request (None: the procedure's). Running requests
        keep the date they were given until their next step."""
        if weeks is not None and not 1 <= weeks <= 52:
            raise rules.Invalid(rules.MESSAGES["weeks_range"])
        desk = self.desk(swv_id, lock=True)
        own = dict(desk.decision_weeks or {})
        if weeks is None:
            own.pop(kind, None)
        else:
            own[kind] = weeks
        desk.decision_weeks = own
        desk.updated_at = self.clock.now()
        self.session.flush()

    def refresh(self, request: SupportRequest) -> None:
        """Store the decision's due date for the lists (it counts the suspended days)."""
        if request.decided_on is not None or request.closed_at is not None:
            request.due_on = None
        else:
            request.due_on = rules.due_on(
                request.completed_on,
                self.weeks(request),
                request.suspended_days,
                request.suspended_on,
                self.clock.today(),
            )
        self.session.flush()

    def overdue(self, request: SupportRequest) -> bool:
        return request.due_on is not None and request.due_on < self.clock.today()

    def forms_sent(self, request: SupportRequest) -> list[str]:
        if request.submission_id is None:
            return []
        submission = self.session.get(Submission, request.submission_id)
        return [submission.form_id] if submission is not None else []

    def actions(self, request: SupportRequest, actors: list[str]) -> Actions:
        run = self.running(request)
        if run.final(request.status) or request.closed_at is not None:
            return Actions(actors, [], [])
        sent = set(self.forms_sent(request))
        possible: list[CompiledTransition] = []
        blocked: list[tuple[CompiledTransition, str]] = []
        for step in run.procedure.transitions.values():
            if request.status not in step.sources:
                continue
            if not any(step.allows(*_parts(actor)) for actor in actors):
                continue
            missing = [form for form in step.needs if form not in sent]
            if missing:
                blocked.append((step, "form:" + missing[0]))
            elif step.records == "submission" and not self.may_submit(request, run.procedure):
                blocked.append((step, "not_signed"))
            else:
                possible.append(step)
        return Actions(actors, possible, blocked)

    def tasks(self, request: SupportRequest, language: str) -> list[tuple[str, str]]:
        """The open tasks (label, whose) in the request's status."""
        procedure = self.procedure(request)
        return [
            (
                localize(task.label, language),
                ", ".join(actor_text(actor, language) for actor in task.who),
            )
            for task in procedure.tasks
            if task.status == request.status
        ]

    # ------------------------------------------------------------------ taking a step

    def take(
        self,
        request: SupportRequest,
        step_id: str,
        *,
        actors: list[str],
        version: int | None,
        actor_id: uuid.UUID | None,
        actor_name: str,
        details: Mapping[str, str] | None = None,
        reason: str | None = None,
    ) -> CompiledTransition:
        """Take ``step_id`` on ``request`` (locked by the caller) as a person acting as
        ``actors``, from a page that showed ``version``. What the step records (its
        ``records:``) is read from ``details`` and checked first: a refusal writes nothing."""
        run = self.running(request)
        status = self._status_text(run, request)
        if version is not None and version != request.version:
            raise Refused("stale", REFUSALS["stale"], status=status)
        if run.final(request.status) or request.closed_at is not None:
            raise Refused("closed", REFUSALS["closed"], status=status)
        step = run.transition(step_id)
        if step is None:
            raise Refused("unknown_step", REFUSALS["unknown_step"])
        if request.status not in step.sources:
            raise Refused(
                "not_from_here",
                REFUSALS["not_from_here"],
                step=lambda language: localize(step.label, language),
                status=status,
            )
        given = dict(details or {})
        if step.records == "submission" and not self.may_submit(request, run.procedure):
            raise Refused("not_signed", REFUSALS["not_signed"])
        try:
            record = self._checked_record(request, step, given)
        except rules.Invalid as error:
            raise Refused("invalid", REFUSALS["invalid"], message=error.text) from error
        acting = next((a for a in actors if step.allows(*_parts(a))), actors[0] if actors else None)
        move(
            self.session,
            request,
            step.target,
            workflow=run.workflow,
            actor=actor_id,
            role=acting,
            reason=reason or given.get("reason") or None,
            facts={"actors": actors, "forms_sent": self.forms_sent(request)},
        )
        now = self.clock.now()
        request.version += 1
        request.updated_at = now
        if record is not None:
            self._apply(request, step, record, acting, actor_id, actor_name)
        if run.final(step.target):
            request.closed_at = now
            if request.purge_on is None:  # withdrawn: kept as long as after a decision
                request.purge_on = rules.purge_on(self.clock.today())
        self.refresh(request)
        self.tell(request, run, step, actor_id)
        return step

    def _checked_record(
        self, request: SupportRequest, step: CompiledTransition, given: dict[str, str]
    ) -> dict[str, Any] | None:
        """What the step records, checked (rules.Invalid otherwise), before anything moves."""
        today = self.clock.today()
        submitted = dutch_date(_aware(request.submitted_at)) if request.submitted_at else None
        kind = step.records
        if kind is None:
            return None
        if kind == "submission":
            return {}
        if kind == "completion":
            on = rules.checked_day(_day(given.get("on")) or today, today, submitted)
            return {"on": on}
        if kind == "meeting":
            on = _day(given.get("meeting_on"))
            if on is None:
                raise rules.Invalid(rules.MESSAGES["date_missing"])
            if on < today:
                raise rules.Invalid(rules.MESSAGES["meeting_past"])
            if on > today + timedelta(days=366):
                raise rules.Invalid(rules.MESSAGES["far_ahead"])
            people = [p.strip() for p in given.get("professionals", "").splitlines() if p.strip()]
            return {"meeting_on": on, "professionals": people[:20]}
        if kind == "grant":
            grant = rules.checked_grant(
                today,
                given.get("content", ""),
                given.get("scope", ""),
                _day(given.get("starts_on")),
                _day(given.get("ends_on")),
                tlv=request.kind == "tlv",
                tlv_kind=given.get("tlv_kind") or self._asked(request, "tlv_soort"),
                tlv_category=given.get("tlv_category") or self._asked(request, "tlv_categorie"),
            )
            return {"grant": grant}
        if kind == "rejection":
            what = {"nl": "de redenen van de afwijzing", "en": "the reasons for the rejection"}
            return {"reasons": rules.checked_text(given.get("reasons", ""), what)}
        if kind in ("suspension", "resumption", "advice", "evaluation"):
            what = {
                "suspension": {"nl": "de reden van de opschorting", "en": "the reason"},
                "resumption": {"nl": "een toelichting", "en": "a note"},
                "advice": {"nl": "het advies", "en": "the advice"},
                "evaluation": {"nl": "de evaluatie", "en": "the evaluation"},
            }[kind]
            text = given.get("text", "")
            if kind == "resumption" and not text.strip():
                return {"text": ""}
            return {"text": rules.checked_text(text, what)}
        return {}

    def _apply(
        self,
        request: SupportRequest,
        step: CompiledTransition,
        record: dict[str, Any],
        acting: str | None,
        actor_id: uuid.UUID | None,
        actor_name: str,
    ) -> None:
        today = self.clock.today()
        party, role = _parts(acting or "")
        detail: dict[str, Any] = {"step": step.id}
        kind = step.records
        if kind == "submission":
            request.submitted_at = self.clock.now()
        elif kind == "completion":
            request.completed_on = record["on"]
            detail["on"] = record["on"].isoformat()
        elif kind == "meeting":
            request.meeting_on = record["meeting_on"]
            detail.update(
                meeting_on=record["meeting_on"].isoformat(), professionals=record["professionals"]
            )
        elif kind == "grant":
            grant: rules.Grant = record["grant"]
            request.decision = "granted"
            request.decided_on = today
            request.decision_number = self.next_number(request)
            request.granted_content = grant.content or None
            request.granted_scope = grant.scope or None
            request.starts_on, request.ends_on = grant.starts_on, grant.ends_on
            request.tlv_kind, request.tlv_category = grant.tlv_kind, grant.tlv_category
            request.purge_on = rules.purge_on(today)
            detail.update(number=request.decision_number)
        elif kind == "rejection":
            request.decision = "rejected"
            request.decided_on = today
            request.reasons = record["reasons"]
            request.purge_on = rules.purge_on(today)
            detail.update(reasons=record["reasons"])
        elif kind == "suspension":
            request.suspended_on = today
            detail.update(text=record["text"])
        elif kind == "resumption":
            if request.suspended_on is not None:
                request.suspended_days += rules.still_days(request.suspended_on, today)
                request.suspended_on = None
            detail.update(text=record["text"], days=request.suspended_days)
        elif kind == "advice":
            request.decision = "advised"
            request.decided_on = today
            request.purge_on = rules.purge_on(today)
            detail.update(text=record["text"])
        elif kind == "evaluation":
            detail.update(text=record["text"])
        self.record(
            request,
            kind or "step",
            actor_id=actor_id,
            actor_name=actor_name,
            party=party or None,
            role=role,
            detail=detail,
        )

    def _asked(self, request: SupportRequest, key: str) -> str | None:
        submission = (
            self.session.get(Submission, request.submission_id) if request.submission_id else None
        )
        value = (submission.answers or {}).get(key) if submission is not None else None
        return value if isinstance(value, str) else None

    def next_number(self, request: SupportRequest) -> str:
        """The SWV's next decision number of this year (its desk row locked: two decisions at
        once cannot get the same number)."""
        desk = self.desk(request.swv_id, lock=True)
        year = self.clock.today().year
        if desk.number_year != year:
            desk.number_year, desk.last_number = year, 0
        desk.last_number += 1
        swv = self.session.get(Organisation, request.swv_id)
        return rules.decision_number(swv.code if swv else "SWV", year, desk.last_number)

    def may_submit(self, request: SupportRequest, procedure: CompiledProcedure) -> bool:
        """Whether the request may go to the SWV: its form was sent, and (unless the
        procedure says otherwise) the parents signed it "voor gezien"."""
        if request.submission_id is None:
            return False
        if procedure.support is not None and not procedure.support.parents_sign:
            return True
        return self.seen(request) is not None

    def _status_text(self, run: RunningProcedure, request: SupportRequest) -> Any:
        status = request.status
        return lambda language: run.label(status, language)

    # ------------------------------------------------------------------ telling

    def staff(self, organisation_id: uuid.UUID | None, roles: Iterable[str]) -> list[UserAccount]:
        return staff_at(self.session, organisation_id, roles)

    def recipients(
        self, request: SupportRequest, procedure: CompiledProcedure, to: Iterable[Any]
    ) -> list[UserAccount]:
        found: dict[uuid.UUID, UserAccount] = {}
        where = {seat.party: seat.organisation_id for seat in seats(request)}
        for actor in to:
            if actor.party not in where:
                continue
            roles = [actor.role] if actor.role else list(procedure.roles.get(actor.party, ()))
            for account in self.staff(where[actor.party], roles):
                found.setdefault(account.id, account)
        return list(found.values())

    def link_to(self, request: SupportRequest) -> str:
        return f"{self.base_url}/support/{request.id}"

    def tell(
        self,
        request: SupportRequest,
        run: RunningProcedure,
        step: CompiledTransition,
        by: uuid.UUID | None,
    ) -> None:
        """The step's notifications (no pupil data: the reference, the step, the status and a
        link), a TLV to the SBO or SO school's transfer, and the parents by e-mail."""
        label = _text(step.label)
        status = _text(run.procedure.statuses[step.target].label)
        for notify in step.notify:
            if any(actor.party == "parents" for actor in notify.to):
                self.tell_parents(request, "support_parents_step", step=label, status=status)
            tlv_school = [a for a in notify.to if a.party == "receiving_school"]
            if tlv_school and request.kind == "tlv" and request.decision == "granted":
                receiving = self.recipients(request, run.procedure, tlv_school)
                self.tell_tlv(request, [a for a in receiving if a.id != by])
            others = [a for a in notify.to if a.party not in ("parents", "receiving_school")]
            accounts = [a for a in self.recipients(request, run.procedure, others) if a.id != by]
            if not accounts:
                continue
            notifications.notify(
                self.session,
                "support_step",
                accounts,
                self.link_to(request),
                ref=f"{request.id}:{request.version}:{notify.event}",
                reference=request.reference,
                step=label,
                status=status,
            )

    def tell_tlv(self, request: SupportRequest, accounts: list[UserAccount]) -> None:
        """The SBO or SO school hears of the TLV on the pupil's transfer to it (the TLV's
        number and dates are on the transfer's page; the request itself stays the SWV's)."""
        transfer = self.session.get(Transfer, request.transfer_id) if request.transfer_id else None
        link = (
            f"{self.base_url}/transfers/{transfer.id}"
            if transfer is not None
            else f"{self.base_url}/transfers"
        )
        notifications.notify(
            self.session,
            "support_tlv",
            accounts,
            link,
            ref=f"{request.id}:tlv:{request.decision_number}",
            reference=transfer.reference if transfer is not None else request.reference,
            number=request.decision_number or "",
        )

    # ------------------------------------------------------------------ the parents

    def guardians(self, request: SupportRequest) -> list[Guardian]:
        """The pupil's guardians with gezag: who reads and signs the request."""
        return list(
            self.session.scalars(
                select(Guardian)
                .where(Guardian.pupil_id == request.pupil_id, Guardian.gezag.is_(True))
                .order_by(Guardian.position)
            )
        )

    def invite_parents(
        self, request: SupportRequest, *, created_by: uuid.UUID | None, language: str = "nl"
    ) -> list[Guardian]:
        """Mail each guardian with gezag and an e-mail address a link of their own to read
        the request, sign it and decide on its reports (links mailed before are switched off:
        the newest mail holds the one that works). The guardians mailed."""
        now = self.clock.now()
        mailed = []
        for guardian in self.guardians(request):
            if not guardian.email:
                continue
            for old in self.session.scalars(
                select(SupportParentLink).where(
                    SupportParentLink.request_id == request.id,
                    SupportParentLink.guardian_id == guardian.id,
                    SupportParentLink.revoked_at.is_(None),
                )
            ):
                old.revoked_at = now
            token = secrets.token_urlsafe(32)
            link = SupportParentLink(
                request_id=request.id,
                guardian_id=guardian.id,
                token_hash=token_hash(token),
                language=language,
                created_by=created_by,
                created_at=now,
                expires_at=now + timedelta(days=LINK_DAYS),
            )
            self.session.add(link)
            self.session.flush()
            notifications.notify(
                self.session,
                "support_parents_link",
                [GuardianRecipient(guardian.id, guardian.email, language)],
                f"{self.base_url}/ol/{token}",
                reference=request.reference,
                expires_on=dutch_date(_aware(link.expires_at)),
            )
            mailed.append(guardian)
        if mailed:
            self.record(
                request,
                "parents_invited",
                actor_id=created_by,
                actor_name="",
                party="sending_school",
                role=None,
                detail={"count": len(mailed)},
            )
            self.touch(request)
        return mailed

    def tell_parents(self, request: SupportRequest, event: str, **facts: Any) -> None:
        """Tell the guardians who have a link of the request that it moved on (no secret:
        the mail asks them to open the link they have)."""
        for guardian in self.guardians(request):
            if not guardian.email:
                continue
            has = self.session.scalar(
                select(SupportParentLink.language)
                .where(
                    SupportParentLink.request_id == request.id,
                    SupportParentLink.guardian_id == guardian.id,
                )
                .order_by(SupportParentLink.created_at.desc())
                .limit(1)
            )
            if has is None:
                continue
            notifications.notify(
                self.session,
                event,
                [GuardianRecipient(guardian.id, guardian.email, has)],
                f"{self.base_url}/ouders",
                ref=f"{request.id}:{request.version}:{event}",
                reference=request.reference,
                **facts,
            )

    def link(self, token: str) -> SupportParentLink:
        """The link with this secret; :class:`LinkGone` when it expired or was switched
        off, LookupError when there is none."""
        found = self.session.scalar(
            select(SupportParentLink).where(SupportParentLink.token_hash == token_hash(token))
        )
        if found is None:
            raise LookupError(token)
        now = self.clock.now()
        if found.revoked_at is not None or _aware(found.expires_at) <= now:
            raise LinkGone()
        guardian = self.session.get(Guardian, found.guardian_id)
        if guardian is None or not guardian.gezag:
            raise LinkGone()  # only a parent with gezag reads and decides
        found.last_used_at = now
        return found

    def reports(self, request: SupportRequest) -> list[Report]:
        """The reports of the request's sent form, in their order."""
        submission = (
            self.session.get(Submission, request.submission_id) if request.submission_id else None
        )
        if submission is None:
            return []
        rows = (submission.answers or {}).get(REPORTS) or []
        found = []
        for index, row in enumerate(rows if isinstance(rows, list) else []):
            if not isinstance(row, dict):
                continue
            file = row.get("rapport_bestand")
            if not isinstance(file, dict) or not file.get("id"):
                continue
            kind = str(row.get("rapport_soort") or "")
            found.append(
                Report(
                    str(file["id"]),
                    index,
                    kind,
                    str(row.get("rapport_omschrijving") or ""),
                    str(file.get("name") or ""),
                    kind in rules.SENSITIVE_REPORTS,
                )
            )
        return found

    def records(self, request: SupportRequest) -> list[SupportParentsRecord]:
        return list(
            self.session.scalars(
                select(SupportParentsRecord)
                .where(SupportParentsRecord.request_id == request.id)
                .order_by(SupportParentsRecord.id)
            )
        )

    def seen(self, request: SupportRequest) -> SupportParentsRecord | None:
        """The parents' "voor gezien", if given (the first)."""
        return next((r for r in self.records(request) if r.decision == "seen"), None)

    def report_decisions(self, request: SupportRequest) -> dict[str, SupportParentsRecord]:
        """The newest decision on each report, by the report's attachment id."""
        found: dict[str, SupportParentsRecord] = {}
        for record in self.records(request):
            if record.report is not None:
                found[record.report] = record
        return found

    def shared_reports(self, request: SupportRequest) -> set[str]:
        """The reports the SWV may see: every one that is not medical or psychological, and
        those of these the parents decided to share. Undecided is not shared."""
        decisions = self.report_decisions(request)
        return {
            r.id
            for r in self.reports(request)
            if not r.sensitive or (r.id in decisions and decisions[r.id].decision == "shared")
        }

    def decide(
        self,
        request: SupportRequest,
        link: SupportParentLink,
        decision: str,
        wording: str,
        language: str,
        report: str | None = None,
    ) -> SupportParentsRecord:
        """Record a guardian's "voor gezien" (``decision="seen"``) or their decision on a
        report (``shared`` or ``withheld``), with the exact words they were shown."""
        if decision not in ("seen", "shared", "withheld"):
            raise ValueError(decision)
        if report is not None and report not in {
            r.id for r in self.reports(request) if r.sensitive
        }:
            raise LookupError(report)
        record = SupportParentsRecord(
            request_id=request.id,
            decision=decision,
            report=report,
            guardian_id=link.guardian_id,
            link_id=link.id,
            wording=wording,
            language=language,
            at=self.clock.now(),
        )
        self.session.add(record)
        self.touch(request)
        return record

    def shown_answers(
        self, request: SupportRequest, submission: Submission, whole: bool
    ) -> dict[str, Any]:
        """The answers of the request's form as a reader sees them: ``whole`` for the school
        that wrote it (and the parents), else without the reports the SWV may not see."""
        answers = dict(submission.answers or {})
        if whole:
            return answers
        shared = self.shared_reports(request)
        rows = answers.get(REPORTS)
        if isinstance(rows, list):
            answers[REPORTS] = [
                row
                for row in rows
                if isinstance(row, dict)
                and isinstance(row.get("rapport_bestand"), dict)
                and str(row["rapport_bestand"].get("id")) in shared
            ]
        return answers

    # ------------------------------------------------------------------ timeline

    def record(
        self,
        request: SupportRequest,
        kind: str,
        *,
        actor_id: uuid.UUID | None,
        actor_name: str,
        party: str | None,
        role: str | None,
        detail: dict[str, Any] | None = None,
    ) -> SupportEvent:
        event = SupportEvent(
            request_id=request.id,
            kind=kind,
            actor_id=actor_id,
            actor_name=actor_name[:200],
            party=party,
            role=role,
            on=self.clock.today(),
            at=self.clock.now(),
            detail=detail or {},
        )
        self.session.add(event)
        self.session.flush()
        return event

    def history(self, request: SupportRequest) -> list[StatusChange]:
        return list(
            self.session.scalars(
                select(StatusChange)
                .where(
                    StatusChange.subject_type == CASE.name,
                    StatusChange.subject_id == str(request.id),
                )
                .order_by(StatusChange.id)
            )
        )

    def events(self, request: SupportRequest) -> list[SupportEvent]:
        return list(
            self.session.scalars(
                select(SupportEvent)
                .where(SupportEvent.request_id == request.id)
                .order_by(SupportEvent.id)
            )
        )

    def timeline(self, request: SupportRequest, language: str) -> list[Entry]:
        """The status changes and what the steps recorded, oldest first."""
        run = self.running(request)
        names = dict(
            self.session.execute(
                select(UserAccount.id, UserAccount.name).where(
                    UserAccount.id.in_(
                        [c.actor_id for c in self.history(request) if c.actor_id] or [uuid.uuid4()]
                    )
                )
            ).all()
        )
        entries = []
        for change in self.history(request):
            step = run.procedure.transition_between(change.from_status, change.to_status)
            label = localize(step.label, language) if step else change.to_status
            text = f"{label}: {run.label(change.to_status, language)}"
            entries.append(Entry(_aware(change.at), text, names.get(change.actor_id, ""), {}))
        for event in self.events(request):
            if event.kind in EVENT_TEXTS:
                detail = dict(event.detail or {})
                for key in ("meeting_on", "on"):
                    if isinstance(detail.get(key), str):
                        detail[key] = _day(detail[key])
                entries.append(
                    Entry(
                        _aware(event.at),
                        localize(EVENT_TEXTS[event.kind], language),
                        event.actor_name,
                        detail,
                    )
                )
        for decision in self.records(request):
            text = PARENTS_TEXTS[decision.decision]
            entries.append(
                Entry(
                    _aware(decision.at), localize(text, language), localize(PARENTS, language), {}
                )
            )
        return sorted(entries, key=lambda e: e.at)


PARENTS = {"nl": "Ouder/verzorger", "en": "Parent/carer"}
PARENTS_TEXTS: dict[str, dict[str, str]] = {
    "seen": {"nl": "Voor gezien getekend", "en": "Signed as seen"},
    "shared": {
        "nl": "Een rapport gedeeld met het samenwerkingsverband",
        "en": "A report shared with the samenwerkingsverband",
    },
    "withheld": {
        "nl": "Een rapport niet gedeeld met het samenwerkingsverband",
        "en": "A report not shared with the samenwerkingsverband",
    },
}
EVENT_TEXTS: dict[str, dict[str, str]] = {
    "started": {"nl": "Aanvraag gestart", "en": "Request started"},
    "parents_invited": {
        "nl": "De ouders gevraagd de aanvraag te lezen",
        "en": "The parents asked to read the request",
    },
    "completion": {"nl": "Compleet verklaard", "en": "Declared complete"},
    "meeting": {"nl": "Ingepland voor het loketoverleg", "en": "Planned for the loketoverleg"},
    "grant": {"nl": "Toegekend", "en": "Granted"},
    "rejection": {"nl": "Afgewezen", "en": "Rejected"},
    "suspension": {"nl": "Opgeschort", "en": "Suspended"},
    "resumption": {"nl": "Hervat", "en": "Resumed"},
    "advice": {"nl": "Advies gegeven", "en": "Advice given"},
    "evaluation": {"nl": "Geëvalueerd", "en": "Evaluated"},
}


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _any_day(value: Any) -> date | None:
    """A date as an answer holds it: ISO (2018-04-03) or as typed (03-04-2018)."""
    if not isinstance(value, str):
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _holds_file(value: Any) -> bool:
    if isinstance(value, dict):
        return "sha256" in value or "media_type" in value
    if isinstance(value, list):
        return any(_holds_file(v) for v in value)
    return False
