"""Demo data: a region with a school board and schools, and public links for parents.

``popo demo`` is idempotent: running it again changes nothing. The demo users arrive with
accounts (issue 5); until then the forms are open to anyone running the demo locally.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from renderers import i18n

from .absence import demo as absence_demo
from .access.accounts import create_user
from .access.models import UserAccount
from .definitions import Registry
from .forms.models import PublicLink
from .forms.service import FormsService, token_hash
from .monitoring import demo as monitoring_demo
from .organisations import demo_counts
from .organisations.models import Organisation, ProcessingAgreement
from .placement import demo as placement_demo
from .settings import Settings
from .storage import BlobStore

ORGANISATIONS = [
    # kind, code, name, region, parent code
    ("swv", "PO2001", "Samenwerkingsverband Passend Onderwijs Noord (demo)", "noord", None),
    ("bestuur", "41001", "Stichting Noorderbasis (demo)", "noord", "PO2001"),
    ("school", "12AB00", "Basisschool De Regenboog (demo)", "noord", "41001"),
    ("school", "34CD00", "Basisschool De Linde (demo)", "noord", "41001"),
    ("school", "78GH00", "Basisschool De Wilg (demo)", "noord", "41001"),
    # a school for special primary education (SBO): where a pupil with a TLV goes
    ("school", "90JK00", "SBO De Sprong (demo)", "noord", "41001"),
    ("swv", "PO3002", "Samenwerkingsverband Zuid (demo)", "zuid", None),
    ("bestuur", "42002", "Stichting Zuiderscholen (demo)", "zuid", "PO3002"),
    ("school", "56EF00", "Basisschool Het Kompas (demo)", "zuid", "42002"),
]

# Public links for the registration form: (title nl, title en, form id, school code, token)
START_LINKS = [
    (
        "Aanmelden bij De Linde (Regio Noord)",
        "Register at De Linde (Region North)",
        "aanmeldformulier-noord",
        "34CD00",
        "demo-aanmelden-noord",
    ),
    (
        "Aanmelden bij Het Kompas (Regio Zuid)",
        "Register at Het Kompas (Region South)",
        "aanmeldformulier-zuid",
        "56EF00",
        "demo-aanmelden-zuid",
    ),
]


# Demo users, all with the password DEMO_PASSWORD: (e-mail, name, role, organisation code)
DEMO_PASSWORD = "demo-wachtwoord-2027"
USERS = [
    ("ib@regenboog.demo", "Ilse Bakker (IB, De Regenboog)", "intern_begeleider", "12AB00"),
    ("leerkracht@regenboog.demo", "Tom de Wit (leerkracht, De Regenboog)", "medewerker", "12AB00"),
    ("directeur@linde.demo", "Dirk Visser (directeur, De Linde)", "directeur", "34CD00"),
    ("ib@linde.demo", "Lotte Hendriks (IB, De Linde)", "intern_begeleider", "34CD00"),
    ("administratie@linde.demo", "Wim Kok (administratie, De Linde)", "medewerker", "34CD00"),
    ("directeur@regenboog.demo", "Roos Vermeer (directeur, De Regenboog)", "directeur", "12AB00"),
    ("directeur@wilg.demo", "Wouter Smeets (directeur, De Wilg)", "directeur", "78GH00"),
    ("directeur@sprong.demo", "Sara Bos (directeur, SBO De Sprong)", "directeur", "90JK00"),
    ("privacy@regenboog.demo", "Pien Smit (privacy, De Regenboog)", "privacy_officer", "12AB00"),
    ("bestuur@noorderbasis.demo", "Bea Mulder (Stichting Noorderbasis)", "bestuur", "41001"),
    ("swv@noord.demo", "Sam de Boer (SWV Noord)", "swv", "PO2001"),
    ("ib@kompas.demo", "Karin Jansen (IB, Het Kompas)", "intern_begeleider", "56EF00"),
    ("consultant@popo.demo", "Chris Consultant (POPO)", "consultant", None),
    ("beheer@popo.demo", "Bram Beheerder (POPO)", "beheerder", None),
]
SWV_OF_SCHOOL = {"12AB00": "PO2001", "34CD00": "PO2001", "90JK00": "PO2001", "56EF00": "PO3002"}
# Fictional visiting addresses and phone numbers (an OSO export needs them): (street, number,
# postcode, city, phone)
SCHOOL_DETAILS = {
    "12AB00": ("Regenboogstraat", "1", "9711AA", "Groningen", "0501234567"),
    "34CD00": ("Lindelaan", "12", "9712BB", "Groningen", "0502345678"),
    "78GH00": ("Wilgenhof", "7", "9713CC", "Groningen", "0503456789"),
    "90JK00": ("Sprongweg", "5", "9714DD", "Groningen", "0504567890"),
    "56EF00": ("Kompasweg", "3", "5611CC", "Eindhoven", "0401234567"),
}


def seed(
    session: Session, registry: Registry, settings: Settings, history: bool = False
) -> list[str]:
    """Create what is missing; return what was created. ``history`` adds two school years of
    closed transfers for the dashboards (``popo demo``; the test suite's demo has none)."""
    created: list[str] = []
    by_code = {
        o.code: o
        for o in session.scalars(select(Organisation))
        if o.kind in ("swv", "bestuur", "school")
    }
    for kind, code, name, region, parent in ORGANISATIONS:
        if code in by_code:
            continue
        organisation = Organisation(
            kind=kind,
            code=code,
            name=name,
            region=region,
            # the demo's regions keep the school holidays of the vakantieregio of that name
            holiday_region=region if kind == "school" else None,
            parent_id=by_code[parent].id if parent else None,
        )
        session.add(organisation)
        session.flush()
        by_code[code] = organisation
        created.append(f"{kind} {name}")
    for school, (street, number, postcode, city, phone) in SCHOOL_DETAILS.items():
        if by_code[school].street is None:
            organisation = by_code[school]
            organisation.street, organisation.house_number = street, number
            organisation.postcode, organisation.city, organisation.phone = postcode, city, phone
    for school, swv in SWV_OF_SCHOOL.items():
        if by_code[school].swv_id is None:
            by_code[school].swv_id = by_code[swv].id
            by_code[school].swv_source = "manual"
    # Stichting Noorderbasis lets its own office and SWV Noord process its schools' data
    for processor in ("41001", "PO2001"):
        exists = session.scalar(
            select(ProcessingAgreement.id).where(
                ProcessingAgreement.bestuur_id == by_code["41001"].id,
                ProcessingAgreement.processor_id == by_code[processor].id,
            )
        )
        if exists is None:
            session.add(
                ProcessingAgreement(
                    bestuur_id=by_code["41001"].id,
                    processor_id=by_code[processor].id,
                    starts_on=date(2026, 8, 1),
                    ends_on=None,
                )
            )
            created.append(f"processing agreement 41001 → {processor}")
    existing_users = set(session.scalars(select(UserAccount.email)))
    for email, name, role, code in USERS:
        if email in existing_users:
            continue
        create_user(session, email, name, DEMO_PASSWORD, [(role, by_code[code] if code else None)])
        created.append(f"user {email} ({role})")
    service = FormsService(session, registry, settings, BlobStore(settings.files_dir))
    for title_nl, _title_en, form_id, school, token in START_LINKS:
        if session.scalar(select(PublicLink).where(PublicLink.token_hash == token_hash(token))):
            continue
        if registry.latest(form_id) is None:
            continue
        link, _ = service.create_link(
            form_id, "start", "nl", organisation_id=by_code[school].id, days=3650, token=token
        )
        link.note = title_nl
        created.append(f"link /start/{token}")
    created.extend(placement_demo.seed(session, registry, settings))
    created.extend(absence_demo.seed(session, settings))
    if history:
        created.extend(monitoring_demo.seed(session, settings))
        created.extend(demo_counts.seed(session))
    return created


def parent_links(session: Session, language: str) -> list[tuple[str, str]]:
    """The demo's public links that exist in this database, titled in ``language``."""
    links = []
    for title_nl, title_en, _form, _school, token in START_LINKS:
        if session.scalar(select(PublicLink.id).where(PublicLink.token_hash == token_hash(token))):
            title = title_en if i18n.normalize(language) == "en" else title_nl
            links.append((title, f"/start/{token}?lang={language}"))
    return links
