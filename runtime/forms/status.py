"""The statuses of a draft (runtime/statuses): open while it is filled in, submitted once it is
sent. Code compares with :class:`DraftStatus`, never with the bare strings; the column stores
the values."""

from __future__ import annotations

import enum

from ..statuses.workflow import Transition, Workflow


class DraftStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


DRAFT = Workflow(
    name="draft",
    statuses=DraftStatus,
    initial=DraftStatus.OPEN,
    transitions=(Transition(DraftStatus.OPEN, DraftStatus.SUBMITTED),),
    labels={
        DraftStatus.OPEN: {"nl": "open", "en": "open"},
        DraftStatus.SUBMITTED: {"nl": "verstuurd", "en": "submitted"},
    },
    subject_label={"nl": "Formulier", "en": "Form"},
)
