"""The transfers domain: the register of transfers, each run by the region's procedure, with
its page, steps, forms and timeline, and the notifications its steps send."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from sqlalchemy.orm import Session

from ..audit import Subject
from ..definitions import Registry
from ..domain import Domain
from ..forms.models import Submission
from ..forms.service import after_submit, on_confirmation, on_grant, on_submit
from ..notifications import Event
from ..pupils.service import on_number_grant
from ..web.language import templates
from . import (
    api_routes,
    message_routes,
    models,
    okr,
    parent_routes,
    parents,
    queries,
    registration,
    routes,
    tasks,
)
from .service import TransferService

on_submit(
    lambda session, registry, submission: TransferService(session, registry).form_sent(submission)
)
# a parent's aanmeldformulier sent through a school's link: the registration at the school
after_submit(registration.on_sent)
# the new school reads the transfer's OKR once the pupil is enrolled and it is klaargezet
on_grant(okr.grant)
# the previous school sees its former pupil's number until the transfer is closed
on_number_grant(okr.number_grant)


def confirmation(
    session: Session, registry: Registry, submission: Submission, language: str
) -> str | None:
    """The registration's block on the parent's confirmation page (registration.py)."""
    found = registration.confirmation(session, registry, submission, language)
    if found is None:
        return None
    page = templates(language).get_template("registration_confirmation.html")
    return page.render({field.name: getattr(found, field.name) for field in fields(found)})


on_confirmation(confirmation)

DOMAIN = Domain(
    name="transfers",
    routes=[*routes.ROUTES, *parent_routes.ROUTES, *message_routes.ROUTES, api_routes.ROUTER],
    models=models,
    templates=Path(__file__).parent / "templates",
    tasks=tasks.TASKS,
    # an expired parents' link offers a new one by e-mail (parent_routes.link_gone)
    exception_handlers={parents.LinkGone: parent_routes.link_gone},
    events=(
        # a step of a transfer's procedure was taken: which, and where the transfer now is
        Event(
            "transfer_step",
            frozenset({"reference", "step", "status"}),
            texts=frozenset({"step", "status"}),
        ),
        # a parents' link, mailed to a guardian: the link is the secret, so never in the app
        Event(
            "transfer_parents_link",
            frozenset({"reference", "expires_on"}),
            dates=frozenset({"expires_on"}),
            in_app=False,
        ),
        # the parents told of a step: no link in it (see parents.tell_parents)
        Event(
            "transfer_parents_step",
            frozenset({"reference", "step", "status", "has_link"}),
            texts=frozenset({"step", "status"}),
            in_app=False,
        ),
        # a step opened a task: whose it is told which (its label), never pupil data
        Event("transfer_task", frozenset({"reference", "task"}), texts=frozenset({"task"})),
        # the new school recorded the enrolment: the previous school deregisters the day before
        Event(
            "transfer_enrolled",
            frozenset({"reference", "enrolled_on", "deregistered_on"}),
            dates=frozenset({"enrolled_on", "deregistered_on"}),
        ),
        # a school wrote to the parents: that it did, never what, and no link in it
        Event(
            "transfer_parents_message",
            frozenset({"reference", "has_link"}),
            in_app=False,
        ),
        # a new message on a transfer's thread: for whom (a school's role), never its text
        Event(
            "transfer_message",
            frozenset({"reference", "recipient_role"}),
            texts=frozenset({"recipient_role"}),
        ),
    ),
    audited=(
        Subject(
            "transfer",
            models.Transfer.id,
            queries.COLUMNS,
            purposes=routes.PURPOSES + parent_routes.PURPOSES + message_routes.PURPOSES,
        ),
    ),
)
