"""What parents see of their child beyond the one transfer of their link: the child's other
transfers and registrations, the forms sent about the child, and every recorded access to the
child's data, in plain words (docs/transfers-parents.md, "The parents' own view").

A link that POPO mailed to a guardian with gezag shows all of it; a link a school handed over
without a guardian shows only what belongs to its own transfer (:func:`guardian_of`). The pages
are in parent_routes.py; :func:`accesses` is the one place that turns the audit log into the
list parents read, for any domain that shows it to them.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from renderers import i18n

from .. import audit
from ..definitions import Registry
from ..forms.models import Draft, Submission
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..pupils.models import Guardian, Pupil
from ..settings import Settings
from .models import ParentAccess, Transfer

ACCESS_GROUPS = 50  # the access list's lines shown before "show all"

# what an access was about, for the object types parents meet; others are "your child's data"
OBJECT_WORDS = {
    "transfer": audit.N_("the transfer %(reference)s"),
    "draft": audit.N_("the form '%(form)s'"),
    "pupil": audit.N_("your child's details"),
}
YOUR_CHILD = audit.N_("your child's data")
YOU = audit.N_("you (parent link)")
POPO_ITSELF = audit.N_("POPO's administrator")
CSV_HEADER = (
    audit.N_("Day"),
    audit.N_("First time"),
    audit.N_("Last time"),
    audit.N_("How many times"),
    audit.N_("Who"),
    audit.N_("Organisation"),
    audit.N_("What"),
    audit.N_("Why"),
)


def guardian_of(session: Session, access: ParentAccess, transfer: Transfer) -> Guardian | None:
    """The guardian ``access`` belongs to, when they have gezag over the transfer's pupil: their
    link shows all of the child's transfers, forms and accesses. None for a link a school
    handed over without a guardian (whoever holds it sees only its own transfer: the school
    chose to whom it gave that one transfer, not the child's file), and for a guardian who
    lost gezag."""
    if access.guardian_id is None:
        return None
    guardian = session.get(Guardian, access.guardian_id)
    if guardian is None or not guardian.gezag or guardian.pupil_id != transfer.pupil_id:
        return None
    return guardian


def transfers_of(session: Session, transfer: Transfer) -> list[Transfer]:
    """Every transfer and registration of the transfer's pupil, newest first."""
    return list(
        session.scalars(
            select(Transfer)
            .where(Transfer.pupil_id == transfer.pupil_id)
            .order_by(Transfer.created_at.desc(), Transfer.id)
        )
    )


def _forms_shown(transfer: Transfer, guardian: Guardian | None) -> ColumnElement[bool]:
    """The condition on a submission that the link shows it (:func:`forms_of`)."""
    if guardian is None:
        return Submission.transfer_id == transfer.id
    return or_(Submission.transfer_id == transfer.id, Submission.pupil_id == transfer.pupil_id)


def forms_of(session: Session, transfer: Transfer, guardian: Guardian | None) -> list[Submission]:
    """The sent forms parents see, newest first: for a guardian's link every one about the
    pupil, for a handed-over link those sent for its transfer."""
    return list(
        session.scalars(
            select(Submission)
            .where(_forms_shown(transfer, guardian))
            .order_by(Submission.submitted_at.desc(), Submission.id)
        )
    )


def form_of(
    session: Session, transfer: Transfer, guardian: Guardian | None, submission_id: uuid.UUID
) -> Submission | None:
    """One of :func:`forms_of`, by its id; None for any other submission."""
    return session.scalar(
        select(Submission).where(
            Submission.id == submission_id,
            _forms_shown(transfer, guardian),
        )
    )


def organisation_names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
    )
    return {row.id: row.name for row in rows}


# ---------------------------------------------------------------------- who saw the data


@dataclass(frozen=True)
class Access:
    """One line of the parents' access list: an :class:`audit.AccessGroup` in plain words.
    Never the staff's e-mail address or network address: the role and the organisation."""

    day: str
    first: str
    last: str
    count: int
    who: str  # the role in words, or "you (parent link)"
    organisation: str
    what: str
    why: str
    yours: bool  # the parents' own visit through a link


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _key(object_id: str) -> str:
    """An object id as recorded, comparable: a UUID may be written with or without hyphens."""
    return object_id.replace("-", "").lower()


ShownOnEveryLink = Callable[[audit.AccessGroup], bool]
SHOWN_ON_EVERY_LINK: list[ShownOnEveryLink] = []
"""Accesses another domain shows on a link handed over without a guardian as well: whoever
holds it decided on them there (runtime/consent: the looks of a school under the parents'
consent, which that link's page lets them give and withdraw)."""


def shown_on_every_link(rule: ShownOnEveryLink) -> ShownOnEveryLink:
    SHOWN_ON_EVERY_LINK.append(rule)
    return rule


def accesses(
    session: Session,
    settings: Settings,
    registry: Registry,
    pupil: Pupil,
    language: str,
    *,
    only: Transfer | None = None,
) -> list[Access]:
    """Every recorded access to ``pupil``'s data (audit.for_pupil, every organisation),
    grouped as the privacy officer's page groups them (audit.grouped: per person, object,
    action, purpose and day), the latest access first, in ``language``. With ``only``: the
    accesses to that transfer and to its forms, for a link a school handed over (and those
    of SHOWN_ON_EVERY_LINK)."""
    number = pupils.number_of(settings, pupil)
    groups = audit.grouped(audit.for_pupil(session, settings.audit_key, number))

    def ids(object_type: str) -> list[uuid.UUID]:
        return [
            found for g in groups if g.object_type == object_type and (found := _uuid(g.object_id))
        ]

    drafts = {
        _key(str(row.id)): row
        for row in session.execute(
            select(Draft.id, Draft.form_id, Draft.transfer_id).where(Draft.id.in_(ids("draft")))
        )
    }
    if only is not None:
        groups = [
            g
            for g in groups
            if (g.object_type == "transfer" and _key(g.object_id) == _key(str(only.id)))
            or (
                g.object_type == "draft"
                and _key(g.object_id) in drafts
                and drafts[_key(g.object_id)].transfer_id == only.id
            )
            or any(rule(g) for rule in SHOWN_ON_EVERY_LINK)
        ]
    references = {
        _key(str(row.id)): row.reference
        for row in session.execute(
            select(Transfer.id, Transfer.reference).where(Transfer.id.in_(ids("transfer")))
        )
    }
    names = organisation_names(session, (g.organisation_id for g in groups))

    def what(group: audit.AccessGroup) -> str:
        key = _key(group.object_id)
        if group.object_type == "transfer" and key in references:
            words = i18n.gettext(language, OBJECT_WORDS["transfer"])
            return words % {"reference": references[key]}
        if group.object_type == "draft" and key in drafts:
            words = i18n.gettext(language, OBJECT_WORDS["draft"])
            return words % {"form": registry.form_title(drafts[key].form_id, language)}
        if group.object_type == "pupil":
            return i18n.gettext(language, OBJECT_WORDS["pupil"])
        return i18n.gettext(language, YOUR_CHILD)

    def who(group: audit.AccessGroup) -> str:
        if group.role == "parent" and group.organisation_id is None:
            return i18n.gettext(language, YOU)
        if group.role is None and group.organisation_id is None:
            return i18n.gettext(language, POPO_ITSELF)
        return audit.role_text(language, group.role)

    return [
        Access(
            day=i18n.format_date(group.day, language),
            first=i18n.format_time(group.first, language),
            last=i18n.format_time(group.last, language),
            count=group.count,
            who=who(group),
            organisation=names.get(group.organisation_id, "") if group.organisation_id else "",
            what=what(group),
            why=audit.purpose_words(language, group.purpose),
            yours=group.role == "parent" and group.organisation_id is None,
        )
        for group in sorted(groups, key=lambda g: g.last, reverse=True)
    ]


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def accesses_csv(lines: list[Access], language: str) -> str:
    """The access list as CSV, with a header row in ``language``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([i18n.gettext(language, title) for title in CSV_HEADER])
    for line in lines:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    line.day,
                    line.first,
                    line.last,
                    str(line.count),
                    line.who,
                    line.organisation,
                    line.what,
                    line.why,
                )
            ]
        )
    return out.getvalue()
