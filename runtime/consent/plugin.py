"""The consent domain: the aanmeldcode of an advice, the receiving school's request made with
it, and the parents' explicit consent, given, refused or withdrawn (docs/consent.md). It makes
a code when an advice is sent (forms' after_submit), shows it on the advice's submission page
(forms' submission panels) and adds the parents' section to their link's page
(runtime/transfers/sections.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..audit import AccessGroup, Subject
from ..domain import Domain
from ..forms.models import Submission
from ..forms.service import FormsService, after_submit, pupil_number
from ..notifications import Event
from ..transfers import own_view, sections
from . import models, routes
from .service import ConsentService
from .settings import ConsentSettings

GENERATED = "aanmeldcode"


@after_submit
def _issue_code(forms: FormsService, submission: Submission) -> None:
    """An advice whose form has a generated aanmeldcode field gets its code when it is sent,
    in the same transaction, bound to the pupil it is about (ConsentService.pupil_of)."""
    entry = forms.registry.get(submission.form_id, submission.form_version)
    if entry is None or submission.organisation_id is None:
        return
    if any(getattr(node.element, "generated", None) == GENERATED for node in entry.form.nodes):
        service = ConsentService(forms.session, forms.settings)
        number = pupil_number(submission.answers or {}, entry.form)
        service.issue(submission, None, service.pupil_of(submission, number))


@sections.offered_forms
def _advice(popo: Any, transfer: Any, procedure: Any, parties: set[str]) -> list[str]:
    """The current school sets the advice (and with it the aanmeldcode) for a transfer of its
    pupil: the region's adviesformulier, whatever step the procedure is at."""
    if "sending_school" not in parties or transfer.closed_at is not None:
        return []
    region = getattr(procedure, "region", None)
    return sorted(
        {
            entry.id
            for entry in popo.registry.forms.values()
            if str(entry.form.definition.kind) == "adviesformulier"
            and entry.form.definition.region == region
        }
    )


@own_view.shown_on_every_link
def _looks_under_consent(group: AccessGroup) -> bool:
    """The parents see a school's looks under their consent on every link of their child:
    each link's page lets them give and withdraw it."""
    return group.purpose.startswith(f"{routes.PURPOSE_CONSENTED}:")


DOMAIN = Domain(
    name="consent",
    routes=routes.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    settings=ConsentSettings,
    exception_handlers={routes.NotConsented: routes.not_consented},
    audited=(
        Subject(
            "registration_code",
            models.RegistrationCode.id,
            models.RegistrationCode.organisation_id,
            purposes=routes.PURPOSES,
        ),
        Subject(
            "consent_request",
            models.ConsentRequest.id,
            models.ConsentRequest.school_id,
            purposes=routes.PURPOSES,
        ),
    ),
    events=(
        # the parents: a school asks to see their child's data (no name, no secret)
        Event("consent_requested", frozenset({"reference", "has_link"}), in_app=False),
        # the staff member who asked: the parents gave, refused or withdrew consent
        Event("consent_decided", frozenset({"reference", "decision"})),
        # the platform: entries of aanmeldcodes are being refused by a limit
        Event("consent_code_burst", frozenset({"limit", "school"})),
    ),
)
