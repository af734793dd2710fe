"""The region's definitions the running application offers (forms, procedures, placement
policies, overviews and the school calendar), compiled once at start-up and shared by every
domain."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from engine.calendar import SchoolCalendar
from engine.compiler import CompiledForm
from engine.errors import Severity
from engine.messages import localize
from engine.overviews import CompiledOverview
from engine.placement import CompiledPolicy
from engine.procedures import CompiledProcedure
from engine.versions import OVERVIEW, PLACEMENT, PROCEDURE, LockFile
from engine.workspace import open_workspace
from oso_mapping.element_tree import load_element_tree

log = logging.getLogger("popo.registry")


@dataclass
class FormEntry:
    form: CompiledForm
    path: Path
    published: bool

    @property
    def id(self) -> str:
        return self.form.id

    @property
    def version(self) -> int:
        return self.form.version

    @property
    def imports_oso(self) -> bool:
        """Started from an OSO dossier (runtime/oso/): the onderwijskundig rapport (from an
        overstapdossier) and the support request to the SWV (from a PaO dossier), whose fields
        carry the OSO mappings."""
        return str(self.form.definition.kind) in (
            "onderwijskundig_rapport",
            "ondersteuningsaanvraag",
        )

    @property
    def exports_oso(self) -> bool:
        """Sent as an OSO overstapdossier to the next school: the onderwijskundig rapport."""
        return str(self.form.definition.kind) == "onderwijskundig_rapport"


@dataclass
class ProcedureEntry:
    procedure: CompiledProcedure
    path: Path
    published: bool

    @property
    def id(self) -> str:
        return self.procedure.id

    @property
    def family(self) -> str:
        """The base procedure's id, which a regional variant extends with ``-<region>``:
        ``tussentijdse-overstap`` for ``tussentijdse-overstap-noord``."""
        region = self.procedure.region
        suffix = f"-{region}"
        if region and self.procedure.id.endswith(suffix):
            return self.procedure.id[: -len(suffix)]
        return self.procedure.id


@dataclass
class PlacementEntry:
    policy: CompiledPolicy
    path: Path
    published: bool


@dataclass
class OverviewEntry:
    overview: CompiledOverview
    path: Path
    published: bool


@dataclass
class Registry:
    """Compiled forms and procedures by id and version, and the school calendar; drafts are
    started on the newest published version of a form, cases on the newest procedure."""

    forms: dict[tuple[str, int], FormEntry] = field(default_factory=dict)
    procedures: dict[tuple[str, int], ProcedureEntry] = field(default_factory=dict)
    placements: dict[tuple[str, int], PlacementEntry] = field(default_factory=dict)
    overviews: dict[tuple[str, int], OverviewEntry] = field(default_factory=dict)
    calendar: SchoolCalendar | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> Registry:
        registry = cls()
        workspace = open_workspace([folder], load_element_tree())
        for diagnostic in workspace.all_diagnostics():
            if diagnostic.severity is Severity.ERROR:
                registry.problems.append(diagnostic.render())
        lock = LockFile.find(folder)
        for result in workspace.results:
            if result.compiled is None:
                continue
            entry = lock.get(result.compiled.id, result.compiled.version) if lock else None
            published = entry is not None and entry.sha256 == result.content_hash
            registry.forms[(result.compiled.id, result.compiled.version)] = FormEntry(
                result.compiled, result.path, published
            )
        for procedure in workspace.procedures:
            compiled = procedure.compiled
            if compiled is None:
                continue
            entry = lock.get(compiled.id, compiled.version, PROCEDURE) if lock else None
            published = entry is not None and entry.sha256 == compiled.content_hash
            registry.procedures[(compiled.id, compiled.version)] = ProcedureEntry(
                compiled, procedure.path, published
            )
        for placement in workspace.placements:
            policy = placement.compiled
            if policy is None:
                continue
            entry = lock.get(policy.id, policy.version, PLACEMENT) if lock else None
            published = entry is not None and entry.sha256 == policy.content_hash
            registry.placements[(policy.id, policy.version)] = PlacementEntry(
                policy, placement.path, published
            )
        for overview in workspace.overviews:
            compiled_overview = overview.compiled
            if compiled_overview is None:
                continue
            key = (compiled_overview.id, compiled_overview.version)
            entry = lock.get(*key, OVERVIEW) if lock else None
            published = entry is not None and entry.sha256 == compiled_overview.content_hash
            registry.overviews[key] = OverviewEntry(compiled_overview, overview.path, published)
        registry.calendar = next(
            (c.calendar for c in workspace.calendars if c.calendar is not None), None
        )
        if registry.problems:
            log.warning(
                "definitions with errors are not offered",
                extra={"errors": len(registry.problems), "folder": str(folder)},
            )
        log.info(
            "definitions loaded",
            extra={"forms": len(registry.forms), "procedures": len(registry.procedures)},
        )
        return registry

    def get(self, form_id: str, version: int) -> FormEntry | None:
        return self.forms.get((form_id, version))

    def latest(self, form_id: str) -> FormEntry | None:
        """The newest published version (or the newest at all when none is published)."""
        candidates = [e for (f, _), e in self.forms.items() if f == form_id]
        published = [e for e in candidates if e.published]
        pool = published or candidates
        return max(pool, key=lambda e: e.version) if pool else None

    def offered(self) -> list[FormEntry]:
        """One entry per form id: what a person can start now."""
        ids = sorted({f for f, _ in self.forms})
        entries = [self.latest(form_id) for form_id in ids]
        return [e for e in entries if e is not None and e.published]

    def form_title(self, form_id: str, language: str) -> str:
        """A form's title as a person reads it (its newest version's), else its id."""
        entry = self.latest(form_id)
        return localize(entry.form.definition.title, language) if entry is not None else form_id

    def procedure(self, procedure_id: str, version: int) -> CompiledProcedure | None:
        entry = self.procedures.get((procedure_id, version))
        return entry.procedure if entry is not None else None

    def procedure_for(self, family: str, region: str | None) -> CompiledProcedure | None:
        """The newest published procedure of ``family`` (a base id, e.g. ``aanmelding``) for a
        school in ``region``: the region's variant where it has one, else the base. A transfer
        keeps the version it started on (:meth:`procedure`), published or not since."""
        entries = [e for e in self.procedures.values() if e.family == family and e.published]
        own = [e for e in entries if region and e.procedure.region == region]
        pool = own or [e for e in entries if e.procedure.region is None]
        best = max(pool, key=lambda e: e.procedure.version, default=None)
        return best.procedure if best is not None else None

    def placement(self, policy_id: str, version: int | None = None) -> PlacementEntry | None:
        """A placement policy: that version, or the newest published one (the newest at all
        when none is published)."""
        if version is not None:
            return self.placements.get((policy_id, version))
        candidates = [e for (p, _), e in self.placements.items() if p == policy_id]
        pool = [e for e in candidates if e.published] or candidates
        return max(pool, key=lambda e: e.policy.version) if pool else None

    def placement_policies(self) -> list[PlacementEntry]:
        """The newest version of every placement policy, by id."""
        ids = sorted({p for p, _ in self.placements})
        return [e for e in (self.placement(p) for p in ids) if e is not None]

    def overview(self, overview_id: str) -> CompiledOverview | None:
        """The newest published version of an overview (monitoring offers no other)."""
        found = [
            e.overview for (o, _), e in self.overviews.items() if o == overview_id and e.published
        ]
        return max(found, key=lambda o: o.version) if found else None

    def overviews_for(self, audience: str) -> list[CompiledOverview]:
        """The overviews offered to ``audience`` (school, bestuur, swv), in the order of their
        titles in Dutch (the shipped standard overviews and the region's own alike)."""
        ids = sorted({o for o, _ in self.overviews})
        found = [o for o in (self.overview(i) for i in ids) if o is not None]
        offered = [o for o in found if audience in o.audiences]
        return sorted(offered, key=lambda o: (o.title.get("nl") or o.id).casefold())
