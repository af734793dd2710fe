"""What changes between two versions of a procedure (or a base and its variant), for
``popo diff``: the same :class:`~engine.versions.Change` lines as for forms, under headings
``procedure``, ``party 'swv'``, ``status 'aangemeld'``, ``transition 'toelaten'``,
``term 'beslistermijn'`` and ``task 'besluiten'``.

A procedure has no answers to lose, so few changes break anything: a removed status does (a
case standing in it has no place in the new version), and so does a status that became final
(a case standing in it can no longer move). Everything else is compatible.
"""

from __future__ import annotations

from typing import Any

from ..display import show_yaml
from ..errors import Location
from ..model import Element
from ..versions import Change, _pair, text_changes
from .model import ProcedureDefinition, Status, Transition

_TEXTS = ("title", "description", "label")
# the procedure's own keys that are not compared as such (its lists are compared item by item)
_NOT_COMPARED = {"id", "version", "parties", "statuses", "transitions", "terms", "tasks"}
# one kind of item per list, as its heading names it
_LISTS = (
    ("parties", "party"),
    ("statuses", "status"),
    ("transitions", "transition"),
    ("terms", "term"),
    ("tasks", "task"),
)


def _plain(value: Any) -> Any:
    """A value as an author writes it: items as their keys (the YAML source left out)."""
    if isinstance(value, Element):
        return value.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _list_change(before: list[Any], after: list[Any]) -> str:
    """``added a, b; removed c`` (or the old and new order, when only that changed)."""
    added = [show_yaml(item) for item in after if item not in before]
    removed = [show_yaml(item) for item in before if item not in after]
    parts = [f"added {', '.join(added)}"] if added else []
    if removed:
        parts.append(f"removed {', '.join(removed)}")
    return "; ".join(parts) or f"order {_pair(before, after)}"


class _Differ:
    def __init__(self, old: ProcedureDefinition, new: ProcedureDefinition) -> None:
        self.old, self.new = old, new
        self.languages = list(dict.fromkeys([*new.languages, *old.languages]))
        self.changes: list[Change] = []

    def add(
        self,
        subject: str,
        ident: str,
        description: str,
        *,
        breaking: bool = False,
        kind: str = "",
        location: Location | None = None,
    ) -> None:
        self.changes.append(Change(breaking, ident, description, False, subject, kind, location))

    def run(self) -> list[Change]:
        self.attributes("procedure", "", self.old, self.new, _NOT_COMPARED)
        for key, subject in _LISTS:
            before = {item.id: item for item in getattr(self.old, key)}
            after = {item.id: item for item in getattr(self.new, key)}
            for ident, item in after.items():
                if ident not in before:
                    self.added(subject, ident, item)
                else:
                    self.compared(subject, ident, before[ident], item)
            for ident in before:
                if ident not in after:
                    self.removed(subject, ident)
        return self.changes

    def added(self, subject: str, ident: str, item: Any) -> None:
        if isinstance(item, Transition):
            sources = ", ".join(item.sources)
            description = f"new transition from {sources} to {item.to}"
        elif subject == "task":
            description = f"new task, open in the status {item.status}"
        else:
            description = f"new {subject}"
        self.add(subject, ident, description, kind="added", location=item.location())

    def removed(self, subject: str, ident: str) -> None:
        if subject == "status":
            self.add(
                subject,
                ident,
                "removed: a case in this status has no place in the new version",
                breaking=True,
                kind="removed",
            )
        else:
            self.add(subject, ident, "removed", kind="removed")

    def compared(self, subject: str, ident: str, before: Any, after: Any) -> None:
        self.attributes(subject, ident, before, after, {"id"})
        if isinstance(after, Status) and after.final and not before.final:
            # reported once more as what it means for running cases
            self.add(
                subject,
                ident,
                "now final: a case in this status can no longer move",
                breaking=True,
                kind="final",
                location=after.location("final"),
            )

    def attributes(
        self, subject: str, ident: str, before: Element, after: Element, skip: set[str]
    ) -> None:
        for attr, info in type(after).model_fields.items():
            if attr in skip:
                continue
            old_value, new_value = _plain(getattr(before, attr)), _plain(getattr(after, attr))
            if old_value == new_value:
                continue
            name = info.alias or attr
            location = after.location(name)
            if attr in _TEXTS:
                for line in text_changes(name, old_value, new_value, self.languages):
                    self.add(subject, ident, line, kind="text", location=location)
                continue
            if attr == "final" and new_value:
                continue  # a status that became final: reported by compared()
            if isinstance(old_value, list) and isinstance(new_value, list):
                self.add(
                    subject,
                    ident,
                    f"{name}: {_list_change(old_value, new_value)}",
                    kind=name,
                    location=location,
                )
                continue
            self.add(
                subject,
                ident,
                f"{name}: {_pair(old_value, new_value)}",
                kind=name,
                location=location,
            )


def diff_procedures(old: ProcedureDefinition, new: ProcedureDefinition) -> list[Change]:
    """What changes from ``old`` to ``new``: per party, status, transition, term and task,
    what was added, removed or changed, each change compatible or breaking."""
    return _Differ(old, new).run()
