"""Demo data: a region with a school board and schools, and public links for parents.

``popo demo`` is idempotent: running it again changes nothing. The demo users arrive with
accounts (issue 5); until then the forms are open to anyone running the demo locally.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from renderers import i18n

from .db.models import Organisation, PublicLink
from .forms.registry import Registry
from .forms.service import FormsService, token_hash
from .settings import Settings
from .storage import BlobStore

ORGANISATIONS = [
    # kind, code, name, region, parent code
    ("swv", "PO2001", "Samenwerkingsverband Passend Onderwijs Noord (demo)", "noord", None),
    ("bestuur", "41001", "Stichting Noorderbasis (demo)", "noord", "PO2001"),
    ("school", "12AB00", "Basisschool De Regenboog (demo)", "noord", "41001"),
    ("school", "34CD00", "Basisschool De Linde (demo)", "noord", "41001"),
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


def seed(session: Session, registry: Registry, settings: Settings) -> list[str]:
    """Create what is missing; return what was created."""
    created: list[str] = []
    by_code = {o.code: o for o in session.scalars(select(Organisation))}
    for kind, code, name, region, parent in ORGANISATIONS:
        if code in by_code:
            continue
        organisation = Organisation(
            kind=kind,
            code=code,
            name=name,
            region=region,
            parent_id=by_code[parent].id if parent else None,
        )
        session.add(organisation)
        session.flush()
        by_code[code] = organisation
        created.append(f"{kind} {name}")
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
    return created


def parent_links(session: Session, language: str) -> list[tuple[str, str]]:
    """The demo's public links that exist in this database, titled in ``language``."""
    links = []
    for title_nl, title_en, _form, _school, token in START_LINKS:
        if session.scalar(select(PublicLink.id).where(PublicLink.token_hash == token_hash(token))):
            title = title_en if i18n.normalize(language) == "en" else title_nl
            links.append((title, f"/start/{token}?lang={language}"))
    return links
