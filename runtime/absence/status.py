"""The statuses of an absence case (runtime/statuses): open while the child is absent, ended
once it is back at school, enrolled elsewhere, exempted or moved away. Only the staff of the
reporting school end a case (the scope rule's ``writable``; the route asks it)."""

from __future__ import annotations

import enum

from ..statuses.workflow import Transition, Workflow


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    ENDED = "ended"


CASE = Workflow(
    name="absence_case",
    statuses=CaseStatus,
    initial=CaseStatus.OPEN,
    transitions=(Transition(CaseStatus.OPEN, CaseStatus.ENDED),),
    labels={
        CaseStatus.OPEN: {"nl": "lopend", "en": "open"},
        CaseStatus.ENDED: {"nl": "beëindigd", "en": "ended"},
    },
    subject_label={"nl": "Verzuimmelding", "en": "Absence case"},
)
