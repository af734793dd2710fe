"""The settings of monitoring (part of ``POPO_…``, docs/operations.md)."""

from __future__ import annotations

from typing import ClassVar

from ..settings import Count, Section, setting


class MonitoringSettings(Section):
    part: ClassVar[str] = "monitoring"

    monitoring_suppress_below: Count = setting(
        5,
        "figures shown to a school board or a samenwerkingsverband that count fewer pupils or "
        "cases than this are hidden (\u201c<5\u201d), so that no child can be recognised; an "
        "overview may ask for more, never for less",
        allowed="a whole number, at least 2",
    )
    monitoring_export_inline_rows: Count = setting(
        2000,
        "an overview's CSV or XLSX export of at most this many rows is made in the request and "
        "downloads at once; a larger one is made by a background job, with a page that shows "
        "its progress and then the download",
        allowed="a whole number, at least 1",
    )

    @property
    def suppress_below(self) -> int:
        return max(2, self.monitoring_suppress_below)

    @property
    def export_inline_rows(self) -> int:
        return self.monitoring_export_inline_rows
