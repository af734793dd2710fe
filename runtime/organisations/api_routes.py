"""The organisations on the API (docs/api.md): the token's own organisation, and the
organisations whose pupil data it may read by the scope rule (access/scope.py)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy import select

from ..access import scope
from ..clock import clock_of
from ..state import AppState
from ..web import api
from ..web.blocking import in_thread
from .models import Organisation


class OrganisationOut(msgspec.Struct):
    """An organisation: a school location, a school board (bestuur) or an SWV."""

    id: uuid.UUID
    name: str
    code: str  # BRIN and vestiging for a school, bestuursnummer, SWV code
    kind: str  # school | bestuur | swv


def _out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.id, name=organisation.name, code=organisation.code, kind=organisation.kind
    )


@get(
    "/organisation",
    summary="The token's organisation",
    tags=["organisations"],
    responses=api.ERRORS,
)
@in_thread
def own_organisation(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState]
) -> OrganisationOut:
    """The organisation the API token belongs to."""
    who = api.principal(request)
    with popo.db.session() as session:
        found = session.get(Organisation, who.roles[0].organisation_id)
        if found is None:
            raise NotFoundException()
        return _out(found)


@get(
    "/organisations",
    summary="The organisations whose pupil data the token may read",
    tags=["organisations"],
    responses=api.ERRORS,
)
@in_thread
def readable_organisations(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState]
) -> list[OrganisationOut]:
    """By the token's role, as for a person in it: a school's role its school; a bestuur's
    its schools, and an SWV's the schools in its area, with a processing agreement."""
    who = api.principal(request)
    with popo.db.session() as session:
        today = clock_of(session).today()
        found = session.scalars(
            select(Organisation)
            .where(scope.readable(Organisation.id, who, today))
            .order_by(Organisation.code)
        )
        return [_out(organisation) for organisation in found]


@get(
    "/organisations/{organisation_id:uuid}",
    summary="One organisation whose pupil data the token may read",
    tags=["organisations"],
    responses=api.ERRORS,
)
@in_thread
def readable_organisation(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    organisation_id: FromPath[uuid.UUID],
) -> OrganisationOut:
    """404 for any other, exactly as for one that does not exist."""
    who = api.principal(request)
    with popo.db.session() as session:
        found = session.scalar(
            select(Organisation).where(
                Organisation.id == organisation_id,
                scope.readable(Organisation.id, who, clock_of(session).today()),
            )
        )
        if found is None:
            raise NotFoundException()
        return _out(found)


ROUTER = api.router(own_organisation, readable_organisations, readable_organisation)
