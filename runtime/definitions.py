"""The region's definitions the running application offers (forms today; procedures and
overviews next), compiled once at start-up and shared by every domain."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from engine.compiler import CompiledForm
from engine.errors import Severity
from engine.versions import LockFile
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
    def exchanges_oso(self) -> bool:
        """Imported from and exported to OSO dossiers (runtime/oso/): the onderwijskundig
        rapport, whose fields carry the OSO mappings."""
        return str(self.form.definition.kind) == "onderwijskundig_rapport"


@dataclass
class Registry:
    """Compiled forms by id and version; drafts are started on the newest published version."""

    forms: dict[tuple[str, int], FormEntry] = field(default_factory=dict)
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
        if registry.problems:
            log.warning(
                "definitions with errors are not offered",
                extra={"errors": len(registry.problems), "folder": str(folder)},
            )
        log.info("definitions loaded", extra={"forms": len(registry.forms)})
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
