"""One object of pupil data as a request may reach it, with its audit record: the one way a
route fetches such an object by its id.

:func:`reach` fetches the object only where the scope rule (access.scope) lets the person read
it: another organisation's object is not found, exactly like one that does not exist (404, no
data, nothing recorded). A request that changes (anything but GET and HEAD) locks the row and
needs the rule's ``writable`` as well (else 403, ReadOnly). A reached object is recorded in the
audit log: read or change, by whom, for which purpose, about which pupil.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from litestar import Request
from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, and_, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from .. import audit
from ..access import scope
from ..access.accounts import Principal
from ..clock import clock_of
from ..db.base import Base
from ..refusals import ReadOnly
from .guards import logged_in
from .identity import actor

T = TypeVar("T", bound=Base)


@dataclass(frozen=True)
class Reached(Generic[T]):
    """An object as the request reaches it: by whom, and whether they may change it."""

    obj: T
    who: Principal
    writes: bool


def changes(request: Request[Any, Any, Any]) -> bool:
    """Whether the request may change what it reaches (every method but GET and HEAD)."""
    return request.method not in ("GET", "HEAD")


def reach(
    request: Request[Any, Any, Any],
    session: Session,
    audit_key: bytes,
    model: type[T],
    object_id: uuid.UUID | str,
    *,
    column: scope.OrganisationColumn | Sequence[scope.OrganisationColumn],
    purpose: str | None,
    detail: Callable[[T], str] | None = None,
    pupil: Callable[[T], str | None] | None = None,
    options: Sequence[ExecutableOption] = (),
    writers_only: ColumnElement[bool] | None = None,
) -> Reached[T]:
    """The ``model`` with id ``object_id`` that the logged-in person may read by ``column`` (its
    organisation; or several, such as a transfer's two schools: readable by any), locked when
    the request changes it; 404 otherwise. Recorded with ``purpose`` (one of audit.PURPOSES),
    followed by ``": " + detail(obj)``, and the pupil ``pupil(obj)``; not recorded with
    ``purpose=None``, for a request that reads no pupil data of it (a status poll).
    ``writers_only``: an object for which it holds is read only by those who may change it
    (what only the staff of its organisation see on these pages, forms.service.PRIVATE_KINDS);
    part of the same query."""
    who = logged_in(request, session)
    try:
        key = object_id if isinstance(object_id, uuid.UUID) else uuid.UUID(object_id)
    except ValueError as exc:
        raise NotFoundException() from exc
    writing = changes(request)
    today = clock_of(session).today()
    columns = list(column) if isinstance(column, list | tuple) else [column]
    may_write = or_(*(scope.writable(c, who) for c in columns))
    may_read = or_(*(scope.readable(c, who, today) for c in columns))
    if writers_only is not None:
        may_read = and_(may_read, or_(not_(writers_only), may_write))
    query = (
        select(model, may_write.label("writable"))
        .where(getattr(model, "id") == key, may_read)  # noqa: B009
        .options(*options)
    )
    if writing:
        query = query.with_for_update(of=model).execution_options(populate_existing=True)
    row = session.execute(query).first()
    if row is None:
        raise NotFoundException()
    obj, writes = row[0], bool(row[1])
    if writing and not writes:
        raise ReadOnly()
    if purpose is None:
        return Reached(obj, who, writes)
    record(
        request,
        session,
        audit_key,
        who,
        writing,
        model.__tablename__,
        str(key),
        f"{purpose}: {detail(obj)}" if detail is not None else purpose,
        pupil(obj) if pupil is not None else None,
    )
    return Reached(obj, who, writes)


def record(
    request: Request[Any, Any, Any],
    session: Session,
    audit_key: bytes,
    who: Principal | None,
    changed: bool,
    object_type: str,
    object_id: str,
    purpose: str,
    pupil: str | None = None,
) -> None:
    """Record that the request's person (``who``; None: a parent on a link) read or changed
    (``changed``) an object, in the request's transaction."""
    action = "change" if changed else "read"
    audit.record(
        session, audit_key, actor(request, who), action, object_type, object_id, purpose, pupil
    )
