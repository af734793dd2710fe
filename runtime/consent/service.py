"""Aanmeldcodes and the parents' consent: making, renewing and withdrawing a code; a receiving
school's entry of a code with the birth date, within the limits on guessing; the parents'
decisions; and what a request lets the school see, asked afresh on every page.

The rules (docs/security.md, "The aanmeldcode"):

- a code is bound to one advice and its pupil, works until it expires, is renewed or
  withdrawn by its school, and stops after ``code_failures`` wrong birth dates;
- an entry that is not a code (a typing error the check character catches) is answered as
  such; every other entry makes a request and gets the same answer, whether the code is
  unknown, the birth date wrong, or the code right ("waiting for the parents' consent");
- entries are counted in the database per person, school and network address, and wrong
  birth dates per code;
- a request shows the school nothing but its own state until the parents give consent, and
  then only the sections of the forms they ticked, for as long as the newest decision is a
  consent (a withdrawal counts from the moment it is recorded).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from engine.evaluate import evaluate
from renderers.html import FormView

from .. import notifications
from ..access.accounts import Principal
from ..access.models import RoleAssignment, UserAccount
from ..clock import clock_of, dutch_date
from ..forms.models import Submission
from ..forms.service import private_forms
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..pupils.models import Guardian, Pupil
from ..pupils.numbers import InvalidNumber
from ..settings import Settings
from ..transfers.models import ParentAccess, Transfer
from . import codes, wording
from .models import CodeAttempt, ConsentRecord, ConsentRequest, RegistrationCode
from .settings import ConsentSettings

log = logging.getLogger("popo.consent")

WINDOW = timedelta(hours=1)  # the limits per person, school and address count this long
KEEP_ATTEMPTS = timedelta(days=1)
PLATFORM_ROLES = ("beheerder",)  # told of a burst of wrong codes
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class TooManyAttempts(Exception):
    """An entry refused by a limit: ``which`` one (user, school, address), for the message."""

    def __init__(self, which: str) -> None:
        super().__init__(which)
        self.which = which


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class Offered:
    """A sent form a request may be given for: its sections with answers, by title."""

    submission: Submission
    title: str
    sections: list[Section]


@dataclass(frozen=True)
class RequestView:
    """A request as a page shows it."""

    request: ConsentRequest
    state: str  # waiting | given | refused | withdrawn | lapsed
    latest: ConsentRecord | None
    records: list[ConsentRecord] = field(default_factory=list)


class ConsentService:
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.options = ConsentSettings.of(settings)
        self.clock = clock_of(session)

    @property
    def key(self) -> bytes:
        return self.options.code_key

    # ------------------------------------------------------------------ codes

    def issue(
        self,
        submission: Submission,
        created_by: uuid.UUID | None,
        pupil_id: uuid.UUID | None = None,
    ) -> RegistrationCode:
        """A new code for the advice ``submission`` (its school; ``pupil_id``, else the pupil
        it was started for), valid for ``code_weeks``."""
        assert submission.organisation_id is not None, "an advice is set by a school"
        code_id = uuid.uuid4()
        code = RegistrationCode(
            id=code_id,
            submission_id=submission.id,
            pupil_id=pupil_id or submission.pupil_id,
            organisation_id=submission.organisation_id,
            lookup=codes.lookup(self.key, codes.derive(self.key, code_id)),
            created_at=self.clock.now(),
            created_by=created_by,
            expires_at=self.clock.now() + timedelta(weeks=self.options.code_weeks),
        )
        self.session.add(code)
        self.session.flush()
        return code

    def pupil_of(self, submission: Submission, number: str | None) -> uuid.UUID | None:
        """The pupil an advice is about: the one it was started for, else the school's own
        pupil with the number (``number``), surname and birth date its answers give: an advice
        set from the school's start page names its pupil only in its answers. None when the
        school has no such pupil (the code then reaches the parents on its letter only)."""
        if submission.pupil_id is not None:
            return submission.pupil_id
        if not number:
            return None
        try:
            pupil = pupils.find(self.session, self.settings, number)
        except InvalidNumber:
            return None
        answers = submission.answers or {}
        surname = str(answers.get("achternaam") or "").strip().casefold()
        if (
            pupil is None
            or pupil.current_school_id != submission.organisation_id
            or pupil.geboortedatum.isoformat() != answers.get("geboortedatum")
            or pupil.achternaam.casefold() != surname
        ):
            return None
        return pupil.id

    def text(self, code: RegistrationCode) -> str:
        """The code as it is shown: ``A7K2-M9QX-4TRE``."""
        return codes.grouped(codes.derive(self.key, code.id))

    def current(self, submission_id: uuid.UUID) -> RegistrationCode | None:
        """The advice's newest code (renewing makes a new one)."""
        return self.session.scalar(
            select(RegistrationCode)
            .where(RegistrationCode.submission_id == submission_id)
            .order_by(RegistrationCode.created_at.desc(), RegistrationCode.id)
            .limit(1)
        )

    def codes_of(self, submission_id: uuid.UUID) -> list[RegistrationCode]:
        return list(
            self.session.scalars(
                select(RegistrationCode)
                .where(RegistrationCode.submission_id == submission_id)
                .order_by(RegistrationCode.created_at)
            )
        )

    def state_of(self, code: RegistrationCode) -> str:
        """active, expired, withdrawn (by the school, or renewed) or locked (too many wrong
        birth dates)."""
        if code.withdrawn_at is not None:
            return "renewed" if code.renewed_to_id else "withdrawn"
        if code.locked_at is not None:
            return "locked"
        if _aware(code.expires_at) <= self.clock.now():
            return "expired"
        return "active"

    def renew(self, code: RegistrationCode, by: uuid.UUID | None) -> RegistrationCode:
        """A new code for the same advice, the old one withdrawn at once."""
        advice = self.session.get(Submission, code.submission_id)
        assert advice is not None
        fresh = self.issue(advice, by, code.pupil_id)
        for old in self.codes_of(code.submission_id):
            if old.id != fresh.id and old.withdrawn_at is None:
                old.withdrawn_at = self.clock.now()
                old.withdrawn_by = by
                old.renewed_to_id = fresh.id
        self.session.flush()
        return fresh

    def withdraw(self, code: RegistrationCode, by: uuid.UUID | None) -> None:
        if code.withdrawn_at is None:
            code.withdrawn_at = self.clock.now()
            code.withdrawn_by = by
            self.session.flush()

    # ------------------------------------------------------------------ entering a code

    def _entries(self, since: datetime, *conditions: Any) -> int:
        """Entries since ``since``, right or wrong: counting only wrong ones would tell a school
        which of its entries was right (the next one is refused a turn later)."""
        return (
            self.session.scalar(
                select(func.count(CodeAttempt.id)).where(CodeAttempt.at >= since, *conditions)
            )
            or 0
        )

    def check_limits(self, who: Principal, school_id: uuid.UUID, address: str | None) -> None:
        """:class:`TooManyAttempts` when the person, the school or the address made too many
        entries in the last hour (counted in the database: every process sees them)."""
        since = self.clock.now() - WINDOW
        limits = (
            ("user", CodeAttempt.user_id == who.user_id, self.options.code_attempts_per_user),
            ("school", CodeAttempt.school_id == school_id, self.options.code_attempts_per_school),
        )
        if address:
            limits += (
                (
                    "address",
                    CodeAttempt.address == address,
                    self.options.code_attempts_per_address,
                ),
            )
        for which, condition, limit in limits:
            if self._entries(since, condition) >= limit:
                self.session.add(
                    CodeAttempt(
                        at=self.clock.now(),
                        user_id=who.user_id,
                        school_id=school_id,
                        address=address,
                        matched=False,
                        refused=True,
                    )
                )
                self._alert(which, school_id, address)
                raise TooManyAttempts(which)

    def _alert(self, which: str, school_id: uuid.UUID, address: str | None) -> None:
        """Tell the platform once an hour per limit and school that entries are being refused:
        somebody may be guessing codes."""
        school = self.session.get(Organisation, school_id)
        hour = self.clock.now().strftime("%Y-%m-%dT%H")
        log.warning(
            "aanmeldcode limit reached",
            extra={"limit": which, "school": str(school_id), "address": address or ""},
        )
        platform = list(
            self.session.scalars(
                select(UserAccount)
                .join(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
                .where(RoleAssignment.role.in_(PLATFORM_ROLES))
                .distinct()
            )
        )
        notifications.notify(
            self.session,
            "consent_code_burst",
            platform,
            f"{self.settings.base_url.rstrip('/')}/",
            ref=f"consent_code_burst:{which}:{school_id}:{hour}",
            limit=which,
            school=school.name if school else "",
        )

    def enter(
        self,
        who: Principal,
        school_id: uuid.UUID,
        typed_code: str,
        birth_date: date,
        address: str | None,
        note: str | None = None,
    ) -> ConsentRequest:
        """The request a school makes by entering a code (already readable: see
        codes.normalise) with the pupil's birth date. The same work and the same kind of
        request whether the code is unknown, the birth date wrong or both right; only in the
        last case does the request name the code and pupil, and are the parents told."""
        self.check_limits(who, school_id, address)
        code_text = codes.normalise(typed_code)
        code = self.session.scalar(
            select(RegistrationCode).where(
                RegistrationCode.lookup == codes.lookup(self.key, code_text)
            )
        )
        usable = code is not None and self.state_of(code) == "active"
        born = self._birth_date(code) if code is not None else None
        matched = bool(usable and born is not None and born == birth_date)
        now = self.clock.now()
        self.session.add(
            CodeAttempt(
                at=now,
                user_id=who.user_id,
                school_id=school_id,
                address=address,
                code_id=code.id if code is not None else None,
                matched=matched,
            )
        )
        if code is not None and not matched and usable:
            self.session.flush()
            wrong = (
                self.session.scalar(
                    select(func.count(CodeAttempt.id)).where(
                        CodeAttempt.code_id == code.id, CodeAttempt.matched.is_(False)
                    )
                )
                or 0
            )
            if wrong >= self.options.code_failures:
                code.locked_at = now
        request = ConsentRequest(
            reference=self._reference(),
            school_id=school_id,
            requested_by=who.user_id,
            requested_by_name=who.name,
            requested_at=now,
            lapses_at=now + timedelta(weeks=self.options.consent_request_weeks),
            note=(note or "").strip()[:200] or None,
            code_id=code.id if matched and code is not None else None,
            pupil_id=code.pupil_id if matched and code is not None else None,
        )
        self.session.add(request)
        self.session.flush()
        self._forget_attempts(now)
        if matched and code is not None and not self._waiting_elsewhere(request, code):
            self._tell_parents(code)
        return request

    def _forget_attempts(self, now: datetime) -> None:
        """Delete the attempts older than a day, but not the wrong birth dates of a code that
        still works: its lock counts them in its life (``code_failures``), not in a day."""
        live = select(RegistrationCode.id).where(
            RegistrationCode.withdrawn_at.is_(None),
            RegistrationCode.locked_at.is_(None),
            RegistrationCode.expires_at > now,
        )
        self.session.execute(
            delete(CodeAttempt).where(
                CodeAttempt.at < now - KEEP_ATTEMPTS,
                or_(
                    CodeAttempt.code_id.is_(None),
                    CodeAttempt.matched.is_(True),
                    CodeAttempt.code_id.not_in(live),
                ),
            )
        )

    def _waiting_elsewhere(self, request: ConsentRequest, code: RegistrationCode) -> bool:
        """Whether the school already has a request with this code that waits for the
        parents: they were asked then, and are not mailed again for each new entry."""
        earlier = self.session.scalars(
            select(ConsentRequest).where(
                ConsentRequest.code_id == code.id,
                ConsentRequest.school_id == request.school_id,
                ConsentRequest.id != request.id,
            )
        )
        return any(self.view(other).state == "waiting" for other in earlier)

    def _birth_date(self, code: RegistrationCode) -> date | None:
        if code.pupil_id is not None:
            pupil = self.session.get(Pupil, code.pupil_id)
            return pupil.geboortedatum if pupil is not None else None
        advice = self.session.get(Submission, code.submission_id)
        value = (advice.answers or {}).get("geboortedatum") if advice is not None else None
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None

    def _reference(self) -> str:
        year = self.clock.today().year
        for _ in range(10):
            reference = f"TV-{year}-" + "".join(
                secrets.choice(_REFERENCE_ALPHABET) for _ in range(6)
            )
            if (
                self.session.scalar(
                    select(ConsentRequest.id).where(ConsentRequest.reference == reference)
                )
                is None
            ):
                return reference
        raise RuntimeError("could not find a free request reference")

    def transfer_for(self, code: RegistrationCode) -> Transfer | None:
        """The transfer the parents follow the advice on: the advice's own, else the pupil's
        newest."""
        advice = self.session.get(Submission, code.submission_id)
        if advice is not None and advice.transfer_id is not None:
            return self.session.get(Transfer, advice.transfer_id)
        if code.pupil_id is None:
            return None
        return self.session.scalar(
            select(Transfer)
            .where(Transfer.pupil_id == code.pupil_id)
            .order_by(Transfer.created_at.desc())
            .limit(1)
        )

    def _tell_parents(self, code: RegistrationCode) -> None:
        """The guardians with gezag are asked by e-mail to open their link (no names in the
        mail, no secret but a link of their own when they have none); the transfer's reference
        and whether they have a link are the facts tell_parents_of gives the mail."""
        from ..transfers import parents

        transfer = self.transfer_for(code)
        if transfer is not None:
            parents.tell_parents_of(
                self.session, transfer, self.settings.base_url, "consent_requested"
            )

    # ------------------------------------------------------------------ a request's state

    def records(self, request: ConsentRequest) -> list[ConsentRecord]:
        return list(
            self.session.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.request_id == request.id)
                .order_by(ConsentRecord.id)
            )
        )

    def view(self, request: ConsentRequest) -> RequestView:
        records = self.records(request)
        latest = records[-1] if records else None
        if latest is not None:
            state = latest.decision
        elif _aware(request.lapses_at) <= self.clock.now():
            state = "lapsed"
        else:
            state = "waiting"
        return RequestView(request, state, latest, records)

    def consented(self, request: ConsentRequest) -> dict[str, set[str]]:
        """What the school may see now: {submission id: section ids}; empty unless the newest
        decision is a consent."""
        view = self.view(request)
        if view.state != "given" or view.latest is None:
            return {}
        return {key: set(value) for key, value in (view.latest.scope or {}).items()}

    def of_school(self, school_ids: Iterable[uuid.UUID], limit: int = 200) -> list[RequestView]:
        ids = list(school_ids)
        if not ids:
            return []
        requests = self.session.scalars(
            select(ConsentRequest)
            .where(ConsentRequest.school_id.in_(ids))
            .order_by(ConsentRequest.requested_at.desc(), ConsentRequest.id)
            .limit(limit)
        )
        return [self.view(r) for r in requests]

    def of_pupil(self, pupil_id: uuid.UUID) -> list[RequestView]:
        """The requests that reached the parents: a school entered a code of their child
        with the right birth date."""
        requests = self.session.scalars(
            select(ConsentRequest)
            .where(ConsentRequest.pupil_id == pupil_id, ConsentRequest.code_id.is_not(None))
            .order_by(ConsentRequest.requested_at.desc(), ConsentRequest.id)
        )
        return [self.view(r) for r in requests]

    def of_advice(self, submission_id: uuid.UUID) -> list[RequestView]:
        """The requests made with any code of the advice (for its school)."""
        ids = [c.id for c in self.codes_of(submission_id)]
        if not ids:
            return []
        requests = self.session.scalars(
            select(ConsentRequest)
            .where(ConsentRequest.code_id.in_(ids))
            .order_by(ConsentRequest.requested_at.desc(), ConsentRequest.id)
        )
        return [self.view(r) for r in requests]

    # ------------------------------------------------------------------ what is offered

    def offered(self, request: ConsentRequest, registry: Any, language: str) -> list[Offered]:
        """The sent forms the parents may let the school see: the advice and the other forms
        its school sent about the child, the newest of each form, with their sections that
        hold answers. Never a form of a private kind (forms.service.PRIVATE_KINDS): a support
        request to the SWV is not the new school's to ask for."""
        code = self.session.get(RegistrationCode, request.code_id) if request.code_id else None
        if code is None:
            return []
        advice = self.session.get(Submission, code.submission_id)
        if advice is None:
            return []
        found: dict[str, Submission] = {advice.form_id: advice}
        private = sorted(private_forms(registry))  # another domain's (a support request)
        if code.pupil_id is not None:
            for submission in self.session.scalars(
                select(Submission)
                .where(
                    Submission.pupil_id == code.pupil_id,
                    Submission.organisation_id == code.organisation_id,
                    Submission.form_id.not_in(private),
                )
                .order_by(Submission.submitted_at.desc())
            ):
                found.setdefault(submission.form_id, submission)
        offered = []
        for submission in found.values():
            rendered = sections_of(registry, submission, language)
            if rendered is not None:
                offered.append(Offered(submission, rendered[0], rendered[1]))
        return offered

    # ------------------------------------------------------------------ deciding

    def narrowed(
        self, request: ConsentRequest, scope: dict[str, list[str]], registry: Any, language: str
    ) -> dict[str, list[str]]:
        """``scope`` without what is not offered (another form, another section): what a
        consent would be given for. The callers refuse a consent when it is empty."""
        offered = {
            str(o.submission.id): {s.id for s in o.sections}
            for o in self.offered(request, registry, language)
        }
        kept: dict[str, list[str]] = {}
        for submission_id, section_ids in scope.items():
            allowed = offered.get(submission_id)
            if allowed:
                chosen = sorted(set(section_ids) & allowed)
                if chosen:
                    kept[submission_id] = chosen
        return kept

    def decide(
        self,
        request: ConsentRequest,
        decision: str,
        *,
        scope: dict[str, list[str]] | None = None,
        guardian: Guardian | None,
        channel: str,
        language: str,
        registry: Any,
        access: ParentAccess | None = None,
        recorded_by: Principal | None = None,
        paper: dict[str, Any] | None = None,
    ) -> ConsentRecord:
        """Record a decision. A consent's scope is narrowed to what is offered (a posted id of
        another form or section is dropped); a consent without anything ticked is refused by
        the caller. The wording shown is recorded in its version, language and text."""
        kept = self.narrowed(request, scope or {}, registry, language)
        record = ConsentRecord(
            request_id=request.id,
            decision=decision,
            scope=kept if decision == "given" else {},
            guardian_id=guardian.id if guardian is not None else None,
            guardian_name=guardian.naam if guardian is not None else "",
            gezag=bool(guardian is not None and guardian.gezag),
            channel=channel,
            access_id=access.id if access is not None else None,
            recorded_by=recorded_by.user_id if recorded_by is not None else None,
            recorded_by_name=recorded_by.name if recorded_by is not None else None,
            wording_version=wording.CURRENT.version,
            wording_language=language,
            wording_text=self.wording_text(request, language),
            at=self.clock.now(),
            **{f"paper_{k}": v for k, v in (paper or {}).items()},
        )
        self.session.add(record)
        self.session.flush()
        self._tell_school(request, decision)
        return record

    def _tell_school(self, request: ConsentRequest, decision: str) -> None:
        """The staff member who asked hears of the parents' decision (the request's reference,
        the decision; no pupil data), in the application and by e-mail."""
        asker = (
            self.session.get(UserAccount, request.requested_by) if request.requested_by else None
        )
        if asker is None:
            return
        notifications.notify(
            self.session,
            "consent_decided",
            [asker],
            f"{self.settings.base_url.rstrip('/')}/consent/{request.id}",
            reference=request.reference,
            decision=decision,
        )

    def names(self, request: ConsentRequest) -> dict[str, str]:
        """The names the wording uses: the asking school, the advice's school, the child."""
        school = self.session.get(Organisation, request.school_id)
        code = self.session.get(RegistrationCode, request.code_id) if request.code_id else None
        sender = self.session.get(Organisation, code.organisation_id) if code else None
        pupil = self.session.get(Pupil, request.pupil_id) if request.pupil_id else None
        child = (pupil.roepnaam or pupil.voornamen.split(" ")[0]) if pupil else ""
        return {
            "school": school.name if school else "",
            "from_school": sender.name if sender else "",
            "child": child,
        }

    def wording_text(self, request: ConsentRequest, language: str) -> str:
        return wording.CURRENT.text(language, **self.names(request))

    def guardians(self, pupil_id: uuid.UUID) -> list[Guardian]:
        """The guardians with gezag: who may decide."""
        return list(
            self.session.scalars(
                select(Guardian)
                .where(Guardian.pupil_id == pupil_id, Guardian.gezag.is_(True))
                .order_by(Guardian.position)
            )
        )


def sections_of(
    registry: Any, submission: Submission, language: str
) -> tuple[str, list[Section]] | None:
    """A sent form's title and its sections that hold answers (None: its definition is gone)."""
    view = form_view(registry, submission, language)
    if view is None:
        return None
    return view.t(view.form.definition.title), [
        Section(section_id, title) for section_id, title in view.sections_with_answers()
    ]


def form_view(registry: Any, submission: Submission, language: str) -> FormView | None:
    entry = registry.get(submission.form_id, submission.form_version)
    if entry is None or entry.form.content_hash != submission.definition_hash:
        return None
    state = evaluate(entry.form, submission.answers, dutch_date(submission.submitted_at))
    return FormView(entry.form, state, language, sent=True)
