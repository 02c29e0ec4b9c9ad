"""How records are stored: one table per entity, one column per field, in any backend.

Storage rules (the same for every backend): money as exact decimal text,
timestamps as ISO 8601 UTC text with microseconds (``2026-01-02T09:30:00.000000Z``,
so text order is time order), dates as ``YYYY-MM-DD``, booleans as 0/1, lists
as ``;``-joined text, enums by value, and the extra columns as one JSON object
(``extra``, NULL when there are none). The natural key of each entity is the
table's primary key. Tracking events store ``carrier`` as ``''`` when unknown
and a derived ``event_code`` (the raw code, else the status) so that their key
has no NULL in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from operator import attrgetter
from typing import Any

from opsctl.model import ENTITIES, EntitySchema
from opsctl.model.schema import Column, canonical_text
from opsctl.model.types import format_weekdays, parse_weekdays
from opsctl.output import to_jsonable

#: Abstract storage kinds; a backend maps them to its own SQL types.
TEXT, INTEGER, REAL = "text", "integer", "real"


def _same(value: Any) -> Any:
    return value


def _timestamp_text(moment: datetime | None) -> str | None:
    return None if moment is None else canonical_text(moment)


def _timestamp_of(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _deadline_text(deadline: date | datetime | None) -> str | None:
    return None if deadline is None else canonical_text(deadline)


def _deadline_of(text: str | None) -> date | datetime | None:
    if text is None:
        return None
    return date.fromisoformat(text) if len(text) == 10 else _timestamp_of(text)


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def encode_or_decode(value: Any) -> Any:
        return None if value is None else convert(value)

    return encode_or_decode


def _bool_of(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _list_text(items: tuple[str, ...]) -> str:
    return ";".join(items)


def _list_of(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(";")) if text else ()


def _weekdays_text(days: tuple[int, ...] | None) -> str | None:
    return format_weekdays(days) if days else None


def _weekdays_of(text: str | None) -> tuple[int, ...]:
    return parse_weekdays(text) if text else ()


def extra_text(extra: dict[str, Any]) -> str | None:
    """The extra columns as canonical JSON (sorted keys), or ``None`` when there are none."""
    if not extra:
        return None
    return json.dumps(to_jsonable(extra), sort_keys=True, ensure_ascii=False)


def extra_of(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


#: FieldType name -> (storage kind, encode, decode).
CODECS: dict[str, tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = {
    "string": (TEXT, _same, _same),
    "country": (TEXT, _same, _same),
    "country_or_any": (TEXT, _same, _same),
    "currency": (TEXT, _same, _same),
    "calendar": (TEXT, _same, _same),
    "timezone": (TEXT, _same, _same),
    "integer": (INTEGER, _same, _same),
    "float": (REAL, _same, _same),
    "decimal": (TEXT, _optional(str), _optional(Decimal)),
    "boolean": (INTEGER, _optional(int), _bool_of),
    "timestamp": (TEXT, _timestamp_text, _timestamp_of),
    "epoch_or_timestamp": (TEXT, _timestamp_text, _timestamp_of),
    "deadline": (TEXT, _deadline_text, _deadline_of),
    "local_time": (TEXT, _optional(time.isoformat), _optional(time.fromisoformat)),
    "list": (TEXT, _list_text, _list_of),
    "weekdays": (TEXT, _weekdays_text, _weekdays_of),
}


@dataclass(frozen=True)
class StoredColumn:
    """A column of a table: its storage kind and how values go in and come out."""

    name: str
    kind: str
    nullable: bool
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _stored(column: Column, key: tuple[str, ...]) -> StoredColumn:
    kind, encode, decode = CODECS[column.type.name]
    if column.choices is not None:
        by_value = {str(getattr(v, "value", v)): v for v in column.choices.values()}
        encode = _optional(canonical_text)
        decode = _optional(by_value.__getitem__)
    required = column.required or column.default is not None or column.default_from is not None
    return StoredColumn(column.name, kind, not (required or column.name in key), encode, decode)


@dataclass(frozen=True)
class Table:
    """The stored form of one entity: columns, primary key, and the record <-> row mapping."""

    schema: EntitySchema
    columns: tuple[StoredColumn, ...]
    key: tuple[str, ...]
    #: Columns computed from the record (not fields of it), name -> function.
    derived: dict[str, Callable[[Any], Any]]
    #: Columns stored as '' for None, because they are part of the key.
    empty_for_none: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.schema.name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def row_of(self, record: Any) -> tuple[Any, ...]:
        """The values to store for ``record``, in :attr:`columns` order."""
        return tuple(encode(record) for encode in self._encoders)

    def rows_of(self, records: Iterable[Any]) -> list[tuple[Any, ...]]:
        encoders = self._encoders
        return [tuple(encode(record) for encode in encoders) for record in records]

    def record_of(self, row: tuple[Any, ...]) -> Any:
        """The record a stored row holds."""
        values = []
        for column, value in zip(self.columns, row, strict=True):
            if column.name in self.derived:
                continue
            if column.name == "extra":
                values.append(extra_of(value))
            elif column.name in self.empty_for_none and value == "":
                values.append(None)
            else:
                values.append(column.decode(value))
        return self.schema.record(*values)

    @cached_property
    def _encoders(self) -> list[Callable[[Any], Any]]:
        encoders: list[Callable[[Any], Any]] = []
        for column in self.columns:
            if column.name in self.derived:
                encoders.append(self.derived[column.name])
            elif column.name == "extra":
                encoders.append(lambda record: extra_text(record.extra))
            elif column.name in self.empty_for_none:
                encoders.append(_empty_for_none(column.name))
            else:
                getter, encode = attrgetter(column.name), column.encode
                encoders.append(
                    getter if encode is _same else lambda r, g=getter, e=encode: e(g(r))
                )
        return encoders


def _empty_for_none(name: str) -> Callable[[Any], str]:
    getter = attrgetter(name)
    return lambda record: getter(record) or ""


def _table(schema: EntitySchema, **special: Any) -> Table:
    key = special.pop("key", schema.natural_key)
    derived = special.pop("derived", {})
    columns = [_stored(column, key) for column in schema.columns]
    columns += [StoredColumn(name, TEXT, False, _same, _same) for name in derived]
    columns.append(StoredColumn("extra", TEXT, True, extra_text, extra_of))
    return Table(schema, tuple(columns), key, derived, **special)


#: Every table, in dependency order.
TABLES: dict[str, Table] = {
    name: (
        _table(
            schema,
            key=("carrier", "tracking_number", "occurred_at", "event_code"),
            derived={"event_code": attrgetter("code")},
            empty_for_none=frozenset({"carrier"}),
        )
        if name == "tracking_events"
        else _table(schema)
    )
    for name, schema in ENTITIES.items()
}

#: (child table, child column, parent table, parent column): rows that belong to another.
REFERENCES = (
    ("order_lines", "order_id", "orders", "order_id"),
    ("stock", "location_id", "locations", "location_id"),
)
