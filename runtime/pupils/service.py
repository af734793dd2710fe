"""The rules of pupils, on a Session (no web): register or find a pupil by their number, change
their school and guardians, show their number to whom may see it, and the answers a form
started for them is prefilled with.

Registering is idempotent by number: the same BSN (or onderwijsnummer) is the same child, one
row, whose names are brought up to date. Who may register is the caller's decision (a
submitted form, an OSO import); what a person may list or fetch is scoped
(:mod:`runtime.pupils.queries`), and the full number is shown only to the staff of the pupil's
own school (:func:`may_see_number`), with each showing recorded in the audit log.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.fieldtypes import Invalid, clean_email, clean_phone

from .. import audit
from ..access import scope
from ..access.accounts import Principal
from ..settings import Settings
from . import queries
from .models import Guardian, Pupil
from .numbers import KeyChanged, Keys, Kind, kind_of, masked, valid
from .settings import PupilsSettings

# a guardian's relation to the child, and its code in the shipped forms (choices `relatie`)
RELATIONS: dict[str, str | None] = {"vader": "1", "moeder": "2", "voogd": "3", "anders": None}
# the audit log's purpose of showing the number in full (translated where it is shown)
NUMBER_PURPOSE = audit.N_("see the pupil's number")


class InvalidGuardian(ValueError):
    """A guardian's relation, phone number or e-mail address is not one POPO takes."""


@dataclass(frozen=True)
class Names:
    voornamen: str
    achternaam: str
    roepnaam: str | None = None
    tussenvoegsel: str | None = None


@dataclass(frozen=True)
class GuardianDetails:
    naam: str
    relatie: str  # a key of RELATIONS
    gezag: bool
    telefoon: str | None = None
    email: str | None = None
    address_secret: bool = False


def keys_of(settings: Settings) -> Keys:
    return Keys.of(PupilsSettings.of(settings).pupil_key)


def _check_key(session: Session, keys: Keys) -> None:
    """KeyChanged when the stored numbers were written with another key: a lookup would find no
    one and a registration would make a second row for the same child."""
    stored = session.scalar(select(Pupil.key_check).limit(1))
    if stored is not None and not hmac.compare_digest(stored, keys.check):
        raise KeyChanged()


def _by_number(kind: Kind, lookup_hash: str) -> Select[Pupil]:
    return select(Pupil).where(Pupil.number_kind == kind, Pupil.number_hash == lookup_hash)


def find(
    session: Session,
    settings: Settings,
    number: str,
    who: Principal | None = None,
    on: date | None = None,
) -> Pupil | None:
    """The pupil with this BSN or onderwijsnummer (one indexed lookup); with ``who``, only if
    they may read the pupil by the scope rule. InvalidNumber when it is neither."""
    kind = kind_of(number)
    keys = keys_of(settings)
    _check_key(session, keys)
    query = _by_number(kind, keys.lookup_hash(kind, valid(kind, number)))
    if who is not None:
        query = query.where(scope.readable(Pupil.current_school_id, who, on))
    found: Pupil | None = session.scalars(query).one_or_none()
    return found


def register(
    session: Session,
    settings: Settings,
    number: str,
    names: Names,
    geboortedatum: date,
    school_id: uuid.UUID | None,
) -> Pupil:
    """The pupil with this number: found (names and birth date brought up to date; the school
    changes only with :func:`change_school`) or made, at ``school_id``."""
    kind = kind_of(number)
    digits = valid(kind, number)
    keys = keys_of(settings)
    _check_key(session, keys)
    lookup_hash = keys.lookup_hash(kind, digits)
    pupil = session.scalars(_by_number(kind, lookup_hash)).one_or_none()
    if pupil is None:
        pupil = Pupil(
            number_kind=kind,
            number_hash=lookup_hash,
            number_sealed=keys.encrypt(kind, digits, lookup_hash),
            key_check=keys.check,
            current_school_id=school_id,
        )
        _name(pupil, names, geboortedatum)
        try:
            with session.begin_nested():  # another request registered the same child just now
                session.add(pupil)
        except IntegrityError:
            pupil = session.scalars(_by_number(kind, lookup_hash)).one()
        else:
            return pupil
    _name(pupil, names, geboortedatum)
    session.flush()
    return pupil


def _name(pupil: Pupil, names: Names, geboortedatum: date) -> None:
    if not names.voornamen.strip() or not names.achternaam.strip():
        raise ValueError("a pupil has voornamen and an achternaam")
    pupil.voornamen = names.voornamen.strip()
    pupil.achternaam = names.achternaam.strip()
    pupil.roepnaam = (names.roepnaam or "").strip() or None
    pupil.tussenvoegsel = (names.tussenvoegsel or "").strip() or None
    pupil.geboortedatum = geboortedatum


def change_school(session: Session, pupil: Pupil, school_id: uuid.UUID | None) -> None:
    """The pupil now goes to ``school_id``: from now on that school's staff reach them and see
    their number, the previous school's do not."""
    pupil.current_school_id = school_id
    session.flush()


def set_guardians(session: Session, pupil: Pupil, guardians: Sequence[GuardianDetails]) -> None:
    """The pupil's parents or guardians are these, in this order (the earlier ones go)."""
    rows = [_guardian(position, details) for position, details in enumerate(guardians)]
    pupil.guardians = rows
    session.flush()


def _guardian(position: int, details: GuardianDetails) -> Guardian:
    if details.relatie not in RELATIONS:
        raise InvalidGuardian(f"relation {details.relatie!r}: one of {', '.join(RELATIONS)}")
    try:
        telefoon = clean_phone(details.telefoon) if details.telefoon else None
        email = clean_email(details.email) if details.email else None
    except Invalid as exc:
        raise InvalidGuardian(f"{details.naam}: {exc.msg.text('en')}") from exc
    return Guardian(
        position=position,
        naam=details.naam.strip(),
        relatie=details.relatie,
        gezag=details.gezag,
        telefoon=telefoon,
        email=email,
        address_secret=details.address_secret,
    )


def reached(session: Session, who: Principal, pupil_id: uuid.UUID) -> Pupil | None:
    """The pupil if ``who`` may read them by the scope rule, else None (as if there were none)."""
    found: Pupil | None = session.scalars(queries.pupil(who, pupil_id)).one_or_none()
    return found


NumberGrant = Callable[[Session, Pupil, Principal], bool]
NUMBER_GRANTS: list[NumberGrant] = []
"""Who else sees a pupil's number in full, by another domain's rule (runtime/transfers: the
previous school until the transfer is closed, to finish the onderwijskundig rapport); each
callback says True or has nothing to say. Registered with :func:`on_number_grant`."""


def on_number_grant(callback: NumberGrant) -> None:
    if callback not in NUMBER_GRANTS:
        NUMBER_GRANTS.append(callback)


def may_see_number(session: Session, pupil: Pupil, who: Principal | None) -> bool:
    """The full number is for the staff of the pupil's own school (the roles that write its
    data) and for whom a registered grant names; every other role, and the command line, sees
    it masked."""
    if who is None:
        return False
    school = pupil.current_school_id
    if school is not None and any(
        r.role in scope.WRITING_ROLES and r.organisation_id == school for r in who.roles
    ):
        return True
    return any(grant(session, pupil, who) for grant in NUMBER_GRANTS)


def number_of(settings: Settings, pupil: Pupil) -> str:
    """The pupil's number, decrypted; KeyChanged when it was stored with another key. Whoever
    shows it in full records that (:func:`readable_number` does)."""
    kind: Kind = "bsn" if pupil.number_kind == "bsn" else "onderwijsnummer"
    return keys_of(settings).decrypt(kind, pupil.number_hash, pupil.number_sealed, pupil.key_check)


def readable_number(
    session: Session,
    settings: Settings,
    pupil: Pupil,
    who: Principal | None,
    actor: audit.Actor,
) -> str | None:
    """The pupil's full number if ``who`` may see it (recorded in the audit log), else None."""
    if not may_see_number(session, pupil, who):
        return None
    number = number_of(settings, pupil)
    audit.record(
        session, settings.audit_key, actor, "read", "pupil", str(pupil.id), NUMBER_PURPOSE, number
    )
    return number


def shown_number(
    session: Session,
    settings: Settings,
    pupil: Pupil,
    who: Principal | None,
    actor: audit.Actor,
) -> str:
    """The number as ``who`` may see it: in full (recorded) or masked, ``*****6782``."""
    full = readable_number(session, settings, pupil, who, actor)
    return full if full is not None else masked(number_of(settings, pupil))


def initials(voornamen: str) -> str:
    """``Jan Maria`` → ``J.M.``, as the aanmeldformulier asks them."""
    return "".join(f"{name[0].upper()}." for name in voornamen.split())


def prefill(pupil: Pupil, number: str | None = None) -> dict[str, Any]:
    """The answers a form started for ``pupil`` begins with, by the keys of the shipped forms:
    the pupil block of the overstapformulier, onderwijskundig rapport and adviesformulier
    (definitions/base/fragments/leerling.fragment.yaml) and of the aanmeldformulier
    (``kind_…`` and the ``ouders`` rows of the guardians with gezag). ``number`` is the number
    as the person starting the form may see it (:func:`readable_number`); without it the
    number is left for them to fill in. A form takes the keys it has."""
    answers: dict[str, Any] = {
        "achternaam": pupil.achternaam,
        "voornamen": pupil.voornamen,
        "geboortedatum": pupil.geboortedatum.isoformat(),
        "identificatie": pupil.number_kind,
        "kind_achternaam": pupil.achternaam,
        "kind_voorletters": initials(pupil.voornamen),
        "kind_geboortedatum": pupil.geboortedatum.isoformat(),
    }
    if pupil.tussenvoegsel:
        answers["voorvoegsel"] = pupil.tussenvoegsel
    if pupil.roepnaam:
        answers["roepnaam"] = answers["kind_roepnaam"] = pupil.roepnaam
    if number is not None:
        answers[pupil.number_kind] = number
        if pupil.number_kind == "bsn":
            answers["kind_bsn"] = number
    rows = [_guardian_row(g) for g in pupil.guardians if g.gezag]
    if rows:
        answers["ouders"] = rows
    return answers


def _guardian_row(guardian: Guardian) -> dict[str, Any]:
    row: dict[str, Any] = {"ouder_naam": guardian.naam, "ouder_gezag": guardian.gezag}
    code = RELATIONS.get(guardian.relatie)
    if code is not None:
        row["ouder_relatie"] = code
    if guardian.telefoon:
        row["ouder_telefoon"] = guardian.telefoon
    if guardian.email:
        row["ouder_email"] = guardian.email
    return row
