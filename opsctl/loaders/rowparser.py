"""Turning the cells of one row into a typed record, fast, and explaining bad rows.

A :class:`RowParser` is built once per file header (or JSON key set). It
compiles a function specialised to that header, with each column's conversion
written inline (``int(c3)``, ``_Decimal(c5)``, ``_fromisoformat(c2)``...), so a
good row costs no Python call per cell. When that fast path fails for any
reason, :meth:`RowParser.explain` redoes the row column by column with the
schema's own converters and raises a :class:`~opsctl.errors.DataError` that
names the column, the value and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from opsctl.errors import DataError
from opsctl.model.schema import Column, EntitySchema, key_text
from opsctl.model.types import DECIMAL, INLINE_NAMES, STRING, Refused

#: What the fast path's failure may be; anything else is a bug and propagates.
CONVERSION_ERRORS = (ValueError, ArithmeticError, KeyError, TypeError, AttributeError)


def row_error(
    reason: str,
    *,
    source: str,
    where: int | str,
    column: str | None = None,
    value: Any = None,
) -> DataError:
    """A bad-row error at a CSV/NDJSON line number or a JSON pointer such as ``/12``.

    With a pointer the column joins it: ``reviews.json:/12/rating: ...``.
    """
    if isinstance(where, str):
        pointer = f"{where}/{column}" if column else where
        error = DataError(reason, source=source, line=pointer, value=value)
        error.column = column
        return error
    return DataError(reason, source=source, line=where, column=column, value=value)


def missing_columns(schema: EntitySchema, header: Collection[str], ignore: Collection[str] = ()):
    """The required columns of ``schema`` that ``header`` lacks."""
    return [name for name in schema.required if name not in header and name not in ignore]


class RowParser:
    """Converts rows laid out as ``header`` into records of ``schema``.

    ``ignore`` names header columns that belong to another parser (an orders
    file with its lines); with ``keep_extra`` the header's unknown columns go
    to the record's ``extra`` dict. A required column absent from the header
    makes every row bad (JSON objects may each have their own keys).
    """

    def __init__(
        self,
        schema: EntitySchema,
        header: Sequence[str],
        *,
        tz: tzinfo,
        source: str,
        ignore: Collection[str] = (),
        keep_extra: bool = True,
    ):
        self.schema, self.header, self.tz, self.source = schema, tuple(header), tz, source
        position = {name: index for index, name in enumerate(self.header)}
        self.positions: tuple[int | None, ...] = tuple(
            position.get(column.name) for column in schema.columns
        )
        self.extras: tuple[tuple[int, str], ...] = (
            tuple(
                (index, name)
                for index, name in enumerate(self.header)
                if name not in schema and name not in ignore
            )
            if keep_extra
            else ()
        )
        self.width = len(self.header)
        self.parse = self._compile()

    # -- the fast path ---------------------------------------------------------------

    def _compile(self) -> Callable[[Sequence[Any]], tuple[Any, str]]:
        """Build ``parse(row) -> (record, key text)`` for this header.

        The generated source holds only variable names made here (``c3``,
        ``v5``, ``_d5``...); column names and values from the file reach it as
        objects in its namespace, never as source text.
        """
        schema = self.schema
        names: dict[str, Any] = dict(INLINE_NAMES)
        names.update(_tz=self.tz, _Refused=Refused, _record=schema.record, _checks=schema.checks)
        names.update(_key_of=schema.key_of, _key_text=key_text)
        cells = ", ".join(f"c{index}" for index in range(self.width))
        body = [f"{cells}, = row"]
        index_of = {column.name: k for k, column in enumerate(schema.columns)}
        ordered = sorted(
            range(len(schema.columns)), key=lambda k: bool(schema.columns[k].default_from)
        )
        for k in ordered:
            column, position = schema.columns[k], self.positions[k]
            names[f"_d{k}"] = column.default
            if position is None:
                if column.required:
                    return self._always_explain
                fallback = f"v{index_of[column.default_from]}" if column.default_from else f"_d{k}"
                body.append(f"v{k} = {fallback}")
                continue
            body += self._convert(k, column, f"c{position}", names, index_of)
        extra = ", ".join(f"_x{i}: c{position}" for i, (position, _) in enumerate(self.extras))
        names.update({f"_x{i}": name for i, (_, name) in enumerate(self.extras)})
        values = ", ".join(f"v{k}" for k in range(len(schema.columns)))
        body.append(f"record = _record({values}, {{{extra}}})")
        if schema.checks:
            body += [
                "for check in _checks:",
                "    if check(record) is not None:",
                "        raise _Refused",
            ]
        body.append(f"return record, {self._key_expression(index_of)}")
        source = "def parse(row):\n" + "".join(f"    {line}\n" for line in body)
        exec(compile(source, f"<opsctl row parser: {schema.name}>", "exec"), names)
        return names["parse"]

    def _convert(self, k: int, column: Column, cell: str, names: dict, index_of: dict) -> list[str]:
        if column.choices is not None:
            names[f"_m{k}"] = column.choices
            expression = f"_m{k}[{cell}]"
        elif column.type.inline is not None:
            expression = column.type.inline.format(cell=cell)
        else:
            names[f"_p{k}"] = column.type.parse
            expression = f"_p{k}({cell}, _tz)"
        lines = [f"if {cell}:", f"    v{k} = {expression}"]
        for bound, test in (("minimum", "<"), ("maximum", ">")):
            if getattr(column, bound) is not None:
                limit = getattr(column, bound)
                # Compare like with like: Decimal against Decimal is twice as fast.
                names[f"_{bound}{k}"] = Decimal(limit) if column.type is DECIMAL else limit
                lines.append(f"    if v{k} {test} _{bound}{k}: raise _Refused")
        if column.required:
            lines += ["else:", "    raise _Refused"]
        elif column.default_from:
            lines += ["else:", f"    v{k} = v{index_of[column.default_from]}"]
        else:
            lines += ["else:", f"    v{k} = _d{k}"]
        return lines

    def _key_expression(self, index_of: dict[str, int]) -> str:
        schema = self.schema
        plain = schema.key_parts is None and all(
            schema.column(name).type is STRING and schema.column(name).choices is None
            for name in schema.natural_key
        )
        if not plain:
            return "_key_text(_key_of(record))"
        variables = [f"v{index_of[name]}" for name in schema.natural_key]
        if len(variables) == 1:
            return variables[0]
        prefixed = "".join(f"{{len({v})}}:{{{v}}}" for v in variables[:-1])
        return f'f"{prefixed}{{{variables[-1]}}}"'

    def _always_explain(self, row: Sequence[Any]) -> tuple[Any, str]:
        raise Refused

    def parse_or_explain(self, row: Sequence[Any], where: int | str) -> tuple[Any, str]:
        """:attr:`parse`, falling back to :meth:`explain` (which raises for a bad row)."""
        try:
            return self.parse(row)
        except CONVERSION_ERRORS:
            return self.explain(row, where)

    # -- the careful path ------------------------------------------------------------

    def explain(self, row: Sequence[Any], where: int | str) -> tuple[Any, str]:
        """Convert ``row`` column by column; raise a :class:`DataError` at the first fault.

        Returns the record and its key text when the row is in fact good.
        """

        def fail(reason: str, column: str | None = None, value: Any = None) -> DataError:
            return row_error(reason, source=self.source, where=where, column=column, value=value)

        if len(row) != self.width:
            raise fail(f"the row has {len(row)} fields but the header has {self.width}")
        schema, values = self.schema, []
        for column, position in zip(schema.columns, self.positions, strict=True):
            text = "" if position is None else row[position]
            if text == "":
                if column.required:
                    missing = "missing required column" if position is None else "missing value"
                    raise fail(f"{missing} (the column is required)", column.name, text)
                values.append(column.default)
                continue
            try:
                value = (
                    column.choices[text]
                    if column.choices is not None
                    else column.type.parse(text, self.tz)
                )
                within = (column.minimum is None or value >= column.minimum) and (
                    column.maximum is None or value <= column.maximum
                )
            except CONVERSION_ERRORS:
                within = False
            if not within:
                raise fail(f"{text!r} is not {column.expected}", column.name, text)
            values.append(value)
        for k, column in enumerate(schema.columns):
            if column.default_from and values[k] is None:
                values[k] = values[schema.column_names.index(column.default_from)]
        record = schema.record(*values, {name: row[position] for position, name in self.extras})
        for check in schema.checks:
            problem = check(record)
            if problem is not None:
                column_name, value, reason = problem
                raise fail(reason, column_name, value)
        return record, schema.key_text(record)
