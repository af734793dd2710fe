"""The lists of forms a person may see: drafts and submissions with the scope rule
(runtime/access/scope.py) composed into the query, so that the database filters, counts and
sorts them for lists of any size."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from ..access import scope
from ..access.accounts import Principal
from ..access.scope import Access
from .models import Draft, Submission


def drafts(principal: Principal, access: Access = "read", on: date | None = None) -> Select[Draft]:
    """The drafts ``principal`` may read (or change), newest change first; add filters
    (``.where(Draft.status == "open")``) or count them with access.scope.count."""
    return (
        select(Draft)
        .where(scope.where(Draft.organisation_id, principal, access, on))
        .order_by(Draft.updated_at.desc(), Draft.id)
    )


def submissions(principal: Principal, on: date | None = None) -> Select[Submission]:
    """The submissions ``principal`` may read, newest first (a submission is never changed)."""
    return (
        select(Submission)
        .where(scope.readable(Submission.organisation_id, principal, on))
        .order_by(Submission.submitted_at.desc(), Submission.id)
    )
