"""What a route needs of the person who sends the request, said in one call at its start:

- :func:`logged_in`: a logged-in person (else the login page, and back here after);
- :func:`one_of`: one of some roles at an organisation (else 404: the page does not exist for
  anyone else, as an object out of their scope does not, see web/scoped.py);
- :func:`school_staff`: a school role that writes (else a 403 page that says who may).

Each returns what the route goes on with, or raises a refusal (web/refusals.py) that the
application answers with its page (web/errors.py). Whether a person may read or change one
object is not a guard's question but the object's: web/scoped.py asks access.scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from sqlalchemy.orm import Session

from ..access.accounts import Principal
from ..access.scope import home_school
from ..refusals import LoginRequired, NotSchoolStaff
from .identity import current


def logged_in(request: Request[Any, Any, Any], session: Session) -> Principal:
    """The logged-in person; :class:`LoginRequired` (the login page) for anyone else."""
    found = current(request, session)
    if found is None:
        raise LoginRequired()
    return found


def one_of(request: Request[Any, Any, Any], session: Session, roles: Collection[str]) -> Principal:
    """A logged-in person with one of ``roles`` at an organisation; 404 for everyone else."""
    who = logged_in(request, session)
    if not any(r.role in roles and r.organisation_id for r in who.roles):
        raise NotFoundException()
    return who


def school_staff(request: Request[Any, Any, Any], session: Session) -> tuple[Principal, uuid.UUID]:
    """A logged-in member of a school's staff and their school (``scope.home_school``: the
    school they start forms for); :class:`NotSchoolStaff` (403) for every other role."""
    who = logged_in(request, session)
    school = home_school(who)
    if school is None:
        raise NotSchoolStaff()
    return who, school
