"""The refusals a route, a guard or a service raises: each one is answered with its own page
(runtime/web/errors.py, ``EXCEPTION_HANDLERS``). Plain exceptions below the web kit, so that
services raise them without knowing the web."""

from __future__ import annotations


class LoginRequired(Exception):
    """The page is for staff: log in first."""


class ReadOnly(Exception):
    """The person may read this pupil data but not change it (see access.scope)."""


class NotSchoolStaff(Exception):
    """The route is for the staff of a school (a school role that writes: scope.home_school)."""


class Gone(Exception):
    """The link expired or was revoked; ``school`` names the organisation it was for."""

    def __init__(self, school: str = "") -> None:
        super().__init__("link")
        self.school = school
