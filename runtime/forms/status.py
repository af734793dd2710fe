"""The statuses of a draft (runtime/statuses): open while it is filled in, submitted once it is
sent. Code compares with :class:`DraftStatus`, never with the bare strings; the column
(``StatusColumn(DraftStatus)``) stores the values and loads the members.

Sending a draft is guarded (the facts are gathered by the caller, runtime/forms/service.py
``submit_facts``): the form must be complete and valid, and the person must be allowed to
change this draft (staff whose role writes at its organisation, or the parent on their own
link)."""

from __future__ import annotations

import enum

from ..statuses.workflow import Transition, Workflow, fact_guard


class DraftStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


COMPLETE = fact_guard(
    "complete",
    {
        "nl": "Niet alle vragen zijn (goed) beantwoord.",
        "en": "Not every question has been answered (correctly).",
    },
)
MAY_CHANGE = fact_guard(
    "may_change",
    {
        "nl": "U mag dit formulier niet wijzigen of versturen.",
        "en": "You may not change or send this form.",
    },
)

DRAFT = Workflow(
    name="draft",
    statuses=DraftStatus,
    initial=DraftStatus.OPEN,
    transitions=(
        Transition(DraftStatus.OPEN, DraftStatus.SUBMITTED, guards=(MAY_CHANGE, COMPLETE)),
    ),
    labels={
        DraftStatus.OPEN: {"nl": "open", "en": "open"},
        DraftStatus.SUBMITTED: {"nl": "verstuurd", "en": "submitted"},
    },
    subject_label={"nl": "Formulier", "en": "Form"},
)
