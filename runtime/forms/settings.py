"""The settings of forms (part of ``POPO_…``, docs/operations.md)."""

from __future__ import annotations

from typing import ClassVar

from ..settings import Count, Section, setting


class FormsSettings(Section):
    part: ClassVar[str] = "forms"

    public_link_days: Count = setting(
        14,
        "how long a parent's resume link works, in days",
        allowed="a whole number of days, at least 1",
    )
    max_upload_mb: Count = setting(
        20,
        "upper bound for any upload in MB (a field's own `max_size_mb` is usually lower)",
        allowed="a whole number of MB, at least 1",
    )
