"""The pages of placement rounds (server-side HTML, no script needed):

- ``/placement``: the policies this person has a page for;
- ``/placement/{policy}``: the round for the samenwerkingsverband of the policy's region:
  every round asked for, every school's places, applicants and cutoff, the children without
  a place (as far as the scope rule lets the person read them), and each round's log;
- ``/placement/{policy}/rounds/{round}/log.json``: that log, to download and verify;
- ``/placement/{policy}/schools/{code}``: one school's result: the children placed there, in
  the school's order, and its cutoff, from the day the result is published. Only for those
  who may read the school's pupil data (its staff; its board or SWV with an agreement):
  another school's page is a 404, as an object out of one's scope is.

Parents see their child's placement on their own link's page (plugin.py adds it).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.messages import localize
from engine.placement import CompiledPolicy
from renderers import i18n

from .. import audit
from ..access import scope
from ..access.accounts import Principal
from ..definitions import PlacementEntry
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.language import request_language
from ..web.pages import page
from ..web.scoped import record
from .models import ROUND, PlacementRound
from .service import Placed, PlacementService

PURPOSE_SCHOOL = audit.N_("see the placement result of the school")
PURPOSE_UNPLACED = audit.N_("see the children without a place in the placement round")
PURPOSES = (PURPOSE_SCHOOL, PURPOSE_UNPLACED)


def _entry(popo: AppState, policy_id: str) -> PlacementEntry:
    entry = popo.registry.placement(policy_id)
    if entry is None:
        raise NotFoundException()
    return entry


def region_staff(session: Session, who: Principal, policy: CompiledPolicy) -> bool:
    """Whether ``who`` works for a samenwerkingsverband of the policy's region."""
    ids = [r.organisation_id for r in who.roles if r.role == "swv" and r.organisation_id]
    if not ids:
        return False
    regions = session.scalars(select(Organisation.region).where(Organisation.id.in_(ids)))
    return policy.region in set(regions)


def readable_schools(
    session: Session, who: Principal, policy: CompiledPolicy, popo: AppState
) -> list[Organisation]:
    """The policy's schools whose pupil data ``who`` may read (the scope rule)."""
    today = PlacementService(session, popo.registry, popo.settings).clock.today()
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == "school",
                Organisation.code.in_(list(policy.schools)),
                scope.readable(Organisation.id, who, today),
            )
            .order_by(Organisation.name)
        )
    )


def pupil_name(placed: Placed) -> str:
    pupil = placed.pupil
    first = pupil.roepnaam or pupil.voornamen
    return " ".join(part for part in (first, pupil.tussenvoegsel, pupil.achternaam) if part)


def _record(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    who: Principal,
    rows: list[Placed],
    purpose: str,
) -> None:
    """Every child shown is recorded in the audit log, as the transfers' pages record theirs."""
    for row in rows:
        record(
            request,
            session,
            popo.settings.audit_key,
            who,
            False,
            "placement",
            str(row.placement.id),
            f"{purpose}: {row.reference}",
            pupils.number_of(popo.settings, row.pupil),
        )


def cutoff_text(cutoff: Any, policy: CompiledPolicy, language: str, full: bool) -> str:
    """A school's cutoff as staff read it: the last admitted child's group and number."""
    if cutoff is None or not full:
        return i18n.gettext(language, "No cutoff: there was a place for every child who wanted one")
    group = policy.group(cutoff.rank)
    if group is None:
        return i18n.gettext(language, "No priority group, lottery number %(number)s") % {
            "number": cutoff.number
        }
    return i18n.gettext(language, "Group ‘%(group)s’, lottery number %(number)s") % {
        "group": localize(group.label, language),
        "number": cutoff.number,
    }


@get("/placement")
@in_thread
def placement_index(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState]
) -> Response[str]:
    """The policies this person has a page for: the round (SWV staff of the region) and the
    results of the schools they may read."""
    language = request_language(request)
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        items = []
        for entry in popo.registry.placement_policies():
            policy = entry.policy
            staff = region_staff(session, who, policy)
            schools = readable_schools(session, who, policy, popo)
            if staff or schools:
                items.append(
                    {
                        "policy": policy,
                        "title": localize(policy.title, language),
                        "staff": staff,
                        "schools": schools,
                    }
                )
        if not items:
            raise NotFoundException()
        return page(request, "placement_index.html", items=items)


@get("/placement/{policy_id:str}")
@in_thread
def placement_round(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], policy_id: FromPath[str]
) -> Response[str]:
    """The round of the policy, for the samenwerkingsverband of its region (404 for others)."""
    language = request_language(request)
    entry = _entry(popo, policy_id)
    policy = entry.policy
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        if not region_staff(session, who, policy):
            raise NotFoundException()
        service = PlacementService(session, popo.registry, popo.settings)
        rounds = service.rounds(policy)
        current = service.result(policy)
        counts = service.counts(current, policy) if current is not None else []
        today = service.clock.today()
        unplaced = (
            service.unplaced(current, lambda column: scope.readable(column, who, today))
            if current is not None
            else []
        )
        _record(request, popo, session, who, unplaced, PURPOSE_UNPLACED)
        return page(
            request,
            "placement_round.html",
            entry=entry,
            policy=policy,
            title=localize(policy.title, language),
            groups=[(g, localize(g.label, language)) for g in policy.groups],
            rounds=[(r, ROUND.label(r.status, language)) for r in rounds],
            current=current,
            counts=[
                (count, cutoff_text(count.cutoff, policy, language, count.full)) for count in counts
            ],
            unplaced=[
                (row, pupil_name(row), service.explain(row.placement, policy, language))
                for row in unplaced
            ],
            unplaced_total=service.unplaced_count(current) if current is not None else 0,
            published=service.published(policy),
        )


@get("/placement/{policy_id:str}/rounds/{round_id:uuid}/log.json")
@in_thread
def placement_log(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    policy_id: FromPath[str],
    round_id: FromPath[uuid.UUID],
) -> Response[bytes]:
    """A finished round's log (pseudonymised), to verify with ``popo placement verify``."""
    entry = _entry(popo, policy_id)
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        if not region_staff(session, who, entry.policy):
            raise NotFoundException()
        round_ = session.get(PlacementRound, round_id)
        if round_ is None or round_.policy_id != entry.policy.id:
            raise NotFoundException()
        data = PlacementService(session, popo.registry, popo.settings).log_of(round_)
        if data is None:
            raise NotFoundException()
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    name = f"{round_.policy_id}-{round_.policy_version}-{str(round_.id)[:8]}.json"
    return Response(
        text.encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@get("/placement/{policy_id:str}/schools/{code:str}")
@in_thread
def placement_school(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    policy_id: FromPath[str],
    code: FromPath[str],
) -> Response[str]:
    """One school's result; 404 for a school the person may not read, or not in the round."""
    language = request_language(request)
    entry = _entry(popo, policy_id)
    policy = entry.policy
    if code not in policy.schools:
        raise NotFoundException()
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        school = next(
            (s for s in readable_schools(session, who, policy, popo) if s.code == code), None
        )
        if school is None:
            raise NotFoundException()
        service = PlacementService(session, popo.registry, popo.settings)
        current = service.result(policy)
        published = service.published(policy) or region_staff(session, who, policy)
        rows = service.placed_at(current, school) if current is not None and published else []
        _record(request, popo, session, who, rows, PURPOSE_SCHOOL)
        count = (
            next(c for c in service.counts(current, policy) if c.code == code)
            if current is not None
            else None
        )
        groups = service.group_names(policy, language)
        return page(
            request,
            "placement_school.html",
            policy=policy,
            title=localize(policy.title, language),
            school=school,
            current=current,
            published=published,
            count=count,
            cutoff=cutoff_text(count.cutoff, policy, language, count.full) if count else "",
            rows=[
                (
                    row,
                    pupil_name(row),
                    groups.get(row.placement.group_id or "", "") or i18n.gettext(language, "none"),
                )
                for row in rows
            ],
        )


ROUTES = [placement_index, placement_round, placement_log, placement_school]
