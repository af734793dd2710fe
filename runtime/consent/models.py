"""The tables of aanmeldcodes and consent.

A :class:`RegistrationCode` is bound to one advice (a sent adviesformulier) and its pupil; the
code itself is not stored (codes.py), only the keyed hash it is found by. A receiving school
that enters a code with the pupil's birth date makes a :class:`ConsentRequest`, whether or not
the two matched (what it is told is the same either way). The parents' decisions on a request
are :class:`ConsentRecord` rows, only ever added: a withdrawal is a new record, and the
request's state is its newest record. :class:`CodeAttempt` rows count the entries for the
limits on guessing, so that they hold across processes and restarts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow

DECISIONS = ("given", "refused", "withdrawn")
CHANNELS = ("link", "paper")


class RegistrationCode(Base):
    """An aanmeldcode: made when the sending school sets the advice, valid until
    ``expires_at``; renewing it withdraws it and makes a new one (``renewed_to_id``); after
    ``ConsentSettings.code_failures`` wrong birth dates it is ``locked_at``."""

    __tablename__ = "registration_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submission.id"), index=True)
    pupil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pupil.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    lookup: Mapped[str] = mapped_column(String(64), unique=True)  # codes.lookup
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column()
    renewed_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registration_code.id"))
    locked_at: Mapped[datetime | None] = mapped_column()


class CodeAttempt(Base):
    """One entry of a code by a school's staff member: who, for which school, from where,
    which code it was (None: no such code) and whether code and birth date matched. Every
    entry counts for the limits per person, school and address (a right one too: else the
    limit would tell which was right); rows older than a day are deleted, except the wrong
    birth dates of a code that still works, which its lock counts in its life."""

    __tablename__ = "code_attempt"
    __table_args__ = (
        Index("ix_code_attempt_school", "school_id", "at"),
        Index("ix_code_attempt_user", "user_id", "at"),
        Index("ix_code_attempt_address", "address", "at"),
        Index("ix_code_attempt_code", "code_id", "matched"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    address: Mapped[str | None] = mapped_column(String(64))
    code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registration_code.id"))
    matched: Mapped[bool] = mapped_column(Boolean)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)  # stopped by a limit


class ConsentRequest(Base):
    """A receiving school's request to see a pupil's data, made by entering an aanmeldcode
    with the birth date. ``code_id`` and ``pupil_id`` are set only when both matched: the
    school's own pages cannot tell (they say "waiting for the parents' consent" either way)."""

    __tablename__ = "consent_request"
    __table_args__ = (Index("ix_consent_request_school", "school_id", "requested_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # TV-2026-4F7K2Q
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    requested_by: Mapped[uuid.UUID | None] = mapped_column()
    requested_by_name: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    lapses_at: Mapped[datetime] = mapped_column()  # without the parents' answer by then
    note: Mapped[str | None] = mapped_column(String(200))  # the school's own reminder
    code_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("registration_code.id"), index=True
    )
    pupil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pupil.id"), index=True)


class ConsentRecord(Base):
    """One decision on a request: given (with its scope), refused, or withdrawn; by which
    guardian (with gezag) or recorded from paper by which account, with the wording shown in
    its version and language, through which channel, when. Never changed, never deleted."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consent_request.id"))
    decision: Mapped[str] = mapped_column(String(12))  # DECISIONS
    # what may be seen: {submission id: [section ids]} (given); {} otherwise
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("guardian.id"))
    guardian_name: Mapped[str] = mapped_column(String(200))
    gezag: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(10))  # CHANNELS
    access_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parent_access.id"))
    recorded_by: Mapped[uuid.UUID | None] = mapped_column()  # the account, for paper
    recorded_by_name: Mapped[str | None] = mapped_column(String(200))
    wording_version: Mapped[str] = mapped_column(String(20))
    wording_language: Mapped[str] = mapped_column(String(5))
    wording_text: Mapped[str] = mapped_column(Text)
    # the signed form, for paper (stored like a form's attachment: content-addressed)
    paper_filename: Mapped[str | None] = mapped_column(String(255))
    paper_media_type: Mapped[str | None] = mapped_column(String(120))
    paper_size: Mapped[int | None] = mapped_column(Integer)
    paper_sha256: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
