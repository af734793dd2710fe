"""The settings of access (part of ``POPO_…``, docs/operations.md)."""

from __future__ import annotations

from typing import ClassVar

from ..settings import Count, Section, setting


class AccessSettings(Section):
    part: ClassVar[str] = "access"

    login_attempts_per_address: Count = setting(
        20,
        "failed logins (and, separately, password-reset requests) allowed per network address "
        "in 5 minutes; more are refused with a message to wait",
        allowed="a whole number, at least 1",
    )
