"""The support domain, 1Loket: a school's support requests to its samenwerkingsverband
(consultations, extra support, arrangements, TLVs, MDOs), each a form definition with its own
procedure definition (``support:`` block), the parents' "voor gezien" and their decisions on
reports, the SWV's desk and decisions, the TLV on the SBO or SO school's transfer, and the
retention purge (docs/support.md). It links a sent request form to its request (forms'
after_submit), keeps its forms off the forms pages for everyone but the school's own staff
(forms.service.private_kind), and shows a granted TLV on the transfer's page
(transfers.sections)."""

from __future__ import annotations

from pathlib import Path

from ..access.accounts import Principal
from ..access.scope import home_school
from ..audit import Subject
from ..domain import Domain
from ..forms.models import Submission
from ..forms.service import FormsService, after_submit, private_kind
from ..home.links import Link, home_links
from ..notifications import Event
from . import cli, models, routes, tasks
from .service import SUPPORT_FORM_KIND, SupportService

private_kind(SUPPORT_FORM_KIND)


def N_(message: str) -> str:
    return message


@home_links
def _links(who: Principal) -> list[Link]:
    """The school's requests and a new one; the SWV's desk; a board's schools' requests."""
    heading = N_("Support (1Loket)")
    roles = {r.role for r in who.roles if r.organisation_id is not None}
    found = []
    if "swv" in roles:
        found.append(
            Link("/support", N_("The support desk: requests to your samenwerkingsverband"), heading)
        )
    elif home_school(who) is not None or "bestuur" in roles:
        found.append(Link("/support", N_("Support requests to the samenwerkingsverband"), heading))
    if home_school(who) is not None:
        found.append(
            Link(
                "/support/new",
                N_(
                    "Request support for a pupil: a consultation, extra support, "
                    "an arrangement, a TLV or an MDO"
                ),
                heading,
            )
        )
    return found


@after_submit
def _form_sent(forms: FormsService, submission: Submission) -> None:
    """The request's form was sent: its request holds it now (and may be submitted)."""
    SupportService(forms.session, forms.registry, forms.settings, forms.files).attach(submission)


DOMAIN = Domain(
    name="support",
    routes=routes.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    commands=cli.add_commands,
    tasks=(tasks.support_alerts, tasks.support_purge),
    audited=(
        Subject(
            "support_request",
            models.SupportRequest.id,
            models.SupportRequest.school_id,
            purposes=routes.PURPOSES,
        ),
    ),
    events=(
        # staff of the school, the SWV (and the SBO/SO school's): a step was taken
        Event(
            "support_step",
            frozenset({"reference", "step", "status"}),
            texts=frozenset({"step", "status"}),
        ),
        # the SWV: a decision is due soon, or overdue
        Event(
            "support_due",
            frozenset({"reference", "due_on", "overdue"}),
            dates=frozenset({"due_on"}),
        ),
        # the SBO or SO school: a TLV was granted for the pupil's transfer to it
        Event("support_tlv", frozenset({"reference", "number"})),
        # a guardian: their own link to read and sign the request (a secret: mail only)
        Event(
            "support_parents_link",
            frozenset({"reference", "expires_on"}),
            dates=frozenset({"expires_on"}),
            in_app=False,
        ),
        # a guardian: the request moved on (no secret)
        Event(
            "support_parents_step",
            frozenset({"reference", "step", "status"}),
            texts=frozenset({"step", "status"}),
            in_app=False,
        ),
    ),
)
