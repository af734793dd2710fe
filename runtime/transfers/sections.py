"""What another domain adds to a transfer's pages: a section of the staff's page, fields of a
step's form, a section of the parents' page, forms to start besides the procedure's. A domain
registers a function that renders its part from a :class:`PageContext` (or returns None when it
has nothing to add); the transfer's pages show what the functions return, in the order they
were registered. runtime/admissions adds a registration's legal terms this way."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine.procedures.compile import CompiledTransition

from .models import Transfer

if TYPE_CHECKING:
    from ..state import AppState


@dataclass(frozen=True)
class PageContext:
    session: Session
    popo: AppState
    transfer: Transfer
    language: str
    actors: list[str]  # the reader's party.role texts; ["parents"] on the parents' page
    user_id: uuid.UUID | None  # the staff's account; None for the parents
    base: str = ""  # the page's own path: /transfers/<id> or /p/<token>
    values: dict[str, Any] | None = None  # what was posted, shown again after a refusal
    guardian_id: uuid.UUID | None = None  # on the parents' page: whose link it is, if known

    @property
    def party(self) -> str | None:
        return self.actors[0].split(".")[0] if self.actors else None


Section = Callable[[PageContext], "str | None"]
OfferedForms = Callable[["AppState", Transfer, Any, set[str]], list[str]]
StepFields = Callable[[PageContext, CompiledTransition], "str | None"]
_STAFF: list[Section] = []
_PARENTS: list[Section] = []
_STEP_FIELDS: list[StepFields] = []
_FORMS: list[OfferedForms] = []


def staff_section(render: Section) -> Section:
    _STAFF.append(render)
    return render


def parents_section(render: Section) -> Section:
    _PARENTS.append(render)
    return render


def step_fields(render: StepFields) -> StepFields:
    _STEP_FIELDS.append(render)
    return render


def offered_forms(find: OfferedForms) -> OfferedForms:
    """Register the forms a domain offers on a transfer's page besides those its procedure's
    steps need: ``find(popo, transfer, procedure, parties)`` returns form ids that the reader's
    parties (sending_school, receiving_school) may start for it (runtime/consent: the
    region's adviesformulier, for the sending school)."""
    _FORMS.append(find)
    return find


def forms_of(popo: AppState, transfer: Transfer, procedure: Any, parties: set[str]) -> list[str]:
    return [form for find in _FORMS for form in find(popo, transfer, procedure, parties)]


def staff(context: PageContext) -> list[str]:
    return [html for render in _STAFF if (html := render(context))]


def parents(context: PageContext) -> list[str]:
    return [html for render in _PARENTS if (html := render(context))]


def fields_of(context: PageContext, steps: list[CompiledTransition]) -> dict[str, str]:
    found: dict[str, str] = {}
    for step in steps:
        parts = [html for render in _STEP_FIELDS if (html := render(context, step))]
        if parts:
            found[step.id] = "".join(parts)
    return found
