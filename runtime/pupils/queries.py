"""The pupils a person may see: the scope rule (runtime/access/scope.py) on the pupil's current
school composed into the query, so that the database filters, counts and sorts them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, select

from ..access import scope
from ..access.accounts import Principal
from .models import Pupil


def pupils(principal: Principal, on: date | None = None) -> Select[Pupil]:
    """The pupils ``principal`` may read, by name; add filters or count them with
    access.scope.count."""
    return (
        select(Pupil)
        .where(scope.readable(Pupil.current_school_id, principal, on))
        .order_by(Pupil.achternaam, Pupil.voornamen, Pupil.id)
    )


def pupil(principal: Principal, pupil_id: uuid.UUID, on: date | None = None) -> Select[Pupil]:
    """The one pupil ``pupil_id`` if ``principal`` may read it (else no row)."""
    return pupils(principal, on).where(Pupil.id == pupil_id)
