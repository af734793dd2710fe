"""A status column: the Enum's value string in the database, the Enum member in Python.

``status: Mapped[DraftStatus] = mapped_column(StatusColumn(DraftStatus), default=...)`` stores
``"open"`` and loads ``DraftStatus.OPEN``, so that code compares members, never bare strings.
Both ways refuse a value that is not a status of the Enum (:class:`UnknownStatus`): a typo in
code, or a row written by something else, fails loudly where it happens instead of leaving a
subject in a status no workflow knows."""

from __future__ import annotations

from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

S = TypeVar("S", bound=Enum)


class UnknownStatus(ValueError):
    """A value that is not a status of the column's Enum."""


class StatusColumn(TypeDecorator[S], Generic[S]):
    """VARCHAR(``length``) holding the values of ``statuses`` (no schema change: a plain
    string column, readable by any tool)."""

    impl = String
    cache_ok = True

    def __init__(self, statuses: type[S], length: int = 20) -> None:
        longest = max(len(str(member.value)) for member in statuses)
        if longest > length:
            raise ValueError(f"{statuses.__name__}: a value is longer than {length} characters")
        super().__init__(length)
        self.statuses = statuses

    def _member(self, value: Any) -> S:
        if isinstance(value, self.statuses):
            return value
        try:
            return self.statuses(value)
        except ValueError:
            known = ", ".join(repr(m.value) for m in self.statuses)
            raise UnknownStatus(
                f"{value!r} is not a status of {self.statuses.__name__} (one of {known})"
            ) from None

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self._member(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> S | None:
        if value is None:
            return None
        return self._member(value)

    @property
    def python_type(self) -> type[S]:
        return self.statuses
