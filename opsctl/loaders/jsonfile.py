"""JSON and NDJSON files: one record per object (orders may nest their lines).

Objects may each have their own keys: a :class:`RowParser` is compiled per key
set and cached. Values become the cells the parser expects: JSON scalars
their text (numbers exactly), arrays ``;``-joined for list columns; extra
keys keep their JSON values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from opsctl.errors import DataError
from opsctl.loaders.jsonrows import NotJson
from opsctl.loaders.orders import LINE_COLUMNS, ORDER_COLUMNS, OrderSequence, has_lines
from opsctl.loaders.rowparser import RowParser, row_error
from opsctl.model import EntitySchema
from opsctl.model.entities import ORDER_LINES, ORDERS
from opsctl.model.types import LIST, WEEKDAYS

if TYPE_CHECKING:
    from opsctl.loaders.loader import Loader

_PARSER_CACHE_SIZE = 64
LIST_TYPES = (LIST, WEEKDAYS)


class JsonObjects:
    """Reads the objects of one JSON or NDJSON file for a :class:`~opsctl.loaders.loader.Loader`."""

    def __init__(self, loader: Loader):
        self.loader, self.schema, self.name, self.tz = loader, loader.schema, loader.name, loader.tz
        self.counts, self.max_line_bytes = loader.counts, loader.max_line_bytes
        self._reject, self._duplicate = loader.reject, loader.duplicate_error
        self._parsers: dict[tuple[Any, ...], RowParser] = {}

    def records(self, items: Iterable[tuple[int | str, Any, str | None]]) -> Iterator[Any]:
        """Records from ``(where, value, problem)`` items of a JSON or NDJSON file."""
        schema = self.schema
        seen: dict[str, set[str]] = {schema.name: set(), "order_lines": set()}
        orders = OrderSequence()
        for where, value, problem in items:
            try:
                if problem is not None:
                    raise row_error(problem, source=self.name, where=where)
                if isinstance(value, NotJson):
                    raise row_error(value.reason, source=self.name, where=where)
                if not isinstance(value, dict):
                    raise row_error(
                        f"expected an object, found {type(value).__name__}: {value!r:.60}",
                        source=self.name,
                        where=where,
                    )
                if schema is ORDERS:
                    yield from self._order_object(value, where, orders, seen["order_lines"])
                    continue
                record, key = self._parse_object(schema, value, where)
                if key in seen[schema.name]:
                    raise self._duplicate(schema, record, where)
            except DataError as error:
                self._reject(error, value.text if isinstance(value, NotJson) else value)
                continue
            seen[schema.name].add(key)
            self.counts[schema.name] += 1
            yield record

    def _order_object(
        self, obj: dict[str, Any], where: int | str, orders: OrderSequence, seen_lines: set[str]
    ) -> Iterator[Any]:
        """An order object: plain, with its line's columns, or with nested ``lines``."""
        nested = obj.get("lines")
        flat = nested is None and has_lines(obj)
        fields = {name: value for name, value in obj.items() if name != "lines"}
        order, key = self._parse_object(ORDERS, fields, where, with_line=flat)
        new, fault = orders.admit(order, key)
        if fault is not None:
            column, value, reason = fault
            raise row_error(reason, source=self.name, where=where, column=column, value=value)
        if new:
            self.counts["orders"] += 1
            yield order
        if flat:
            lines = [(where, obj)]
        elif nested is None:
            return
        elif not isinstance(nested, list):
            raise row_error(
                "expected an array of line objects", source=self.name, where=where, column="lines"
            )
        else:
            lines = [(_nested_where(where, index), line) for index, line in enumerate(nested)]
        for line_where, line_obj in lines:
            try:
                if not isinstance(line_obj, dict):
                    raise row_error("expected a line object", source=self.name, where=line_where)
                if not flat:
                    line_obj = _with_order_id(line_obj, key, self.name, line_where)
                line, line_key = self._parse_object(
                    ORDER_LINES, line_obj, line_where, of_order=flat
                )
                if line_key in seen_lines:
                    raise self._duplicate(ORDER_LINES, line, line_where)
            except DataError as error:
                self._reject(error, line_obj)
                continue
            seen_lines.add(line_key)
            self.counts["order_lines"] += 1
            yield line

    def _parse_object(
        self,
        schema: EntitySchema,
        obj: dict[str, Any],
        where: int | str,
        *,
        with_line: bool = False,
        of_order: bool = False,
    ) -> tuple[Any, str]:
        """Parse one JSON object; ``with_line``/``of_order`` split an order-and-line row."""
        names = tuple(obj)
        cache_key = (schema.name, names, with_line, of_order)
        parser = self._parsers.get(cache_key)
        if parser is None:
            if len(self._parsers) >= _PARSER_CACHE_SIZE:
                self._parsers.clear()
            ignore = LINE_COLUMNS if with_line else ORDER_COLUMNS if of_order else ()
            parser = RowParser(
                schema, names, tz=self.tz, source=self.name, ignore=ignore, keep_extra=not with_line
            )
            self._parsers[cache_key] = parser
        cells = [
            _json_cell(value, name, schema, self.name, where) if name in schema else value
            for name, value in obj.items()
        ]
        return parser.parse_or_explain(cells, where)


def _nested_where(where: int | str, index: int) -> str:
    return f"{where}/lines/{index}" if isinstance(where, str) else f"{where}:/lines/{index}"


def _with_order_id(line: dict[str, Any], order_id: str, source: str, where: str) -> dict[str, Any]:
    """A nested line takes its order's id; one naming another order is bad."""
    given = line.get("order_id")
    if given is None or given == "":
        return {"order_id": order_id, **line}
    if str(given) != order_id:
        raise row_error(
            f"{given!r} is not the id of the order holding the line ({order_id!r})",
            source=source,
            where=where,
            column="order_id",
            value=given,
        )
    return line


def _json_cell(value: Any, name: str, schema: EntitySchema, source: str, where: int | str) -> str:
    """The text of a JSON value for a column of the contract."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if (
        isinstance(value, list)
        and schema.column(name).type in LIST_TYPES
        and all(isinstance(item, str | int) for item in value)
    ):
        return ";".join(str(item) for item in value)
    raise row_error(
        f"{value!r:.60} is not {schema.column(name).expected}",
        source=source,
        where=where,
        column=name,
        value=value,
    )
