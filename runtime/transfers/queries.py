"""The transfers a person may see: those from or to an organisation of their population (the
scope rule, runtime/access/scope.py, on both schools), composed into the query so that the
database filters, counts, sorts and pages them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, or_, select

from ..access import scope
from ..access.accounts import Principal
from .models import Transfer

COLUMNS = (Transfer.sending_school_id, Transfer.receiving_school_id)


def visible(principal: Principal, on: date | None = None) -> ColumnElement[bool]:
    """True for a transfer whose current or new school ``principal`` may read."""
    return or_(*(scope.readable(column, principal, on) for column in COLUMNS))


def changeable(principal: Principal) -> ColumnElement[bool]:
    """True for a transfer at one of whose schools ``principal`` has a role that writes."""
    return or_(*(scope.writable(column, principal) for column in COLUMNS))


def transfers(principal: Principal, on: date | None = None) -> Select[tuple[Transfer]]:
    """The transfers ``principal`` may read, last changed first."""
    return (
        select(Transfer)
        .where(visible(principal, on))
        .order_by(Transfer.updated_at.desc(), Transfer.id)
    )
