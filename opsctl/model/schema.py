"""Declarative schemas: one :class:`EntitySchema` per entity of the data contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from opsctl.model.types import UTC, FieldType


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an entity: its type, whether it is required, its default, its limits.

    ``choices`` makes the column a closed enum: it maps each accepted text to
    its value (an :class:`~enum.Enum` member or the text itself).
    ``default_from`` names another column whose value is the default
    (a location's calendar defaults to its country).
    """

    name: str
    type: FieldType
    required: bool = False
    default: Any = None
    choices: Mapping[str, Any] | None = None
    minimum: Any = None
    maximum: Any = None
    default_from: str | None = None
    doc: str = ""

    @property
    def expected(self) -> str:
        """What a value must be, completing "'VALUE' is not ...": used in error messages."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"{self.type.expected} from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"{self.type.expected} of at least {self.minimum}"
        if self.maximum is not None:
            return f"{self.type.expected} of at most {self.maximum}"
        return self.type.expected


#: A check of a whole record: ``None`` when it is fine, else (column, value, reason).
RecordCheck = Callable[[Any], "tuple[str, Any, str] | None"]


@dataclass(frozen=True)
class EntitySchema:
    """An entity of the data contract: its record class, columns and natural key.

    The record class takes the columns positionally, in :attr:`columns` order,
    followed by ``extra`` (a dict of the columns the schema does not name).
    """

    name: str
    record: type
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    checks: tuple[RecordCheck, ...] = ()
    #: Overrides the natural key's parts (tracking events: carrier or '', code).
    key_parts: Callable[[Any], tuple[Any, ...]] | None = None
    doc: str = ""
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {column.name: column for column in self.columns})

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def key_of(self, record: Any) -> tuple[Any, ...]:
        """The natural key of ``record`` as a tuple of values."""
        if self.key_parts is not None:
            return self.key_parts(record)
        return tuple(getattr(record, name) for name in self.natural_key)

    def key_text(self, record: Any) -> str:
        """The natural key as one string, unambiguous whatever the parts contain."""
        return key_text(self.key_of(record))


def canonical_text(value: Any) -> str:
    """A value's canonical text: timestamps in UTC with microseconds, enums by value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def key_text(parts: tuple[Any, ...]) -> str:
    """Join key parts into one string; each part but the last is prefixed by its length."""
    texts = [canonical_text(part) for part in parts]
    return "".join(f"{len(text)}:{text}" for text in texts[:-1]) + texts[-1]
