"""Data files as DuckDB relations, with the loaders' checks written in SQL.

The fast path of ``opsctl sla check`` (:mod:`opsctl.sla.bulk`) lets DuckDB read
the shipments, orders and tracking-events files. It must never take a file
that opsctl's loaders (:mod:`opsctl.loaders`) would refuse, nor read a value
differently from them, so it accepts a conservative subset of the data
contract and declines everything else:

* CSV (RFC 4180, UTF-8, the loaders' header rules) and NDJSON files; a JSON
  array, stdin or an orders file carrying its lines are left to the loaders;
* every column of the contract is checked row by row, with SQL written from
  the entity's schema (:mod:`opsctl.model.entities`): required values, closed
  enums, the text patterns, numbers and ranges, and ISO 8601 dates and
  timestamps in the plain forms that every supported Python reads the same
  (``2026-10-01T15:24:40+01:00``, ``...Z``, without seconds, with 3 or 6
  decimals, or without an offset). The fast path may leave out the columns
  it parses in every row with the loaders' own functions (a shipment's
  times and deadlines): a value they refuse stops it just the same;
* NDJSON values must be strings (or null): the loaders' conversion of numbers
  and booleans to text is theirs alone;
* the record checks of the schema (an event needs a status or a raw code; a
  shipping cost needs a currency) have their SQL here, and a schema that grows
  a check this module does not know makes the fast path decline.

A row outside the subset is not necessarily bad: the loaders decide, with the
message naming file, line, column and value. Declining costs time, never a
different answer.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from opsctl.model import EntitySchema, schema_for
from opsctl.model.schema import Column
from opsctl.model.types import (
    CALENDAR,
    COUNTRY,
    COUNTRY_OR_ANY,
    CURRENCY,
    DEADLINE,
    DECIMAL,
    FLOAT,
    INTEGER,
    PATTERNS,
    STRING,
    TIMESTAMP,
)

#: ISO 8601 timestamps that Python 3.10+ ``fromisoformat`` (with opsctl's ``Z``) and
#: DuckDB read the same: a date, ``T`` or a space, ``HH:MM[:SS[.fff|.ffffff]]``, then
#: ``Z``, ``±HH:MM`` or nothing (the config's timezone).
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{3}|\.[0-9]{6})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"
)
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: Lines DuckDB reads, in bytes: well under the loaders' limit, so DuckDB never
#: accepts a line the loaders would refuse as too long.
MAX_LINE_BYTES = 1 << 20
#: The SQL of each record check of the contract (``EntitySchema.checks``), by entity.
RECORD_CHECKS: dict[str, tuple[str, ...]] = {
    "tracking_events": ("{status} IS NOT NULL OR {raw_code} IS NOT NULL",),
    "shipments": ("{shipping_cost} IS NULL OR {currency} IS NOT NULL",),
    "orders": (),
}
_SIMPLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class Declined(Exception):
    """The fast path cannot promise the loaders' result: the loaders must read the files.

    ``unexpected`` marks a reason that is not about the files (DuckDB ran out
    of memory, say): worth a warning, since the loaders are much slower.
    """

    def __init__(self, reason: str, *, unexpected: bool = False):
        super().__init__(reason)
        self.unexpected = unexpected


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class FileRelation:
    """One data file of one entity as DuckDB reads it.

    ``source`` is the SQL of the relation (every column as text), ``cells``
    maps a contract column (or a wanted extra column) to the SQL of its value,
    NULL where the loaders see no value. ``checks`` maps a column name (or
    ``json:NAME``, ``record:N``...) to a SQL condition that is true on a row
    whose value the fast path cannot vouch for, and never NULL.
    """

    entity: str
    path: str
    source: str
    cells: dict[str, str]
    checks: dict[str, str]
    kind: str = "csv"

    def cell(self, column: str) -> str:
        """The SQL of ``column``'s value (NULL when the file does not have it)."""
        return self.cells.get(column, "NULL")

    def problem(self, *, besides: Iterable[str] = (), only: Iterable[str] | None = None) -> str:
        """One SQL condition: true on a row outside what the fast path takes.

        ``besides`` names column checks the caller makes itself, in an
        equivalent but cheaper way; ``only`` limits the condition to the
        checks of the columns it names.
        """
        skipped = set(besides)
        kept = None if only is None else set(only)
        conditions = [
            sql
            for name, sql in self.checks.items()
            if name not in skipped and (kept is None or name in kept)
        ]
        return " OR ".join(f"({condition})" for condition in conditions) or "false"


def file_relation(entity: str, path: str | Path, *, extras: Iterable[str] = ()) -> FileRelation:
    """``path`` as a relation of ``entity``, or :class:`Declined`.

    ``extras`` are columns beyond the contract to read as the loaders keep them
    in ``extra``: the raw text of a CSV cell, a JSON string or null.
    """
    from opsctl.loaders.sources import EXTENSIONS

    schema = schema_for(entity)
    text = str(path)
    kind = EXTENSIONS.get(Path(text).suffix.lower())
    if text == "-" or kind not in ("csv", "ndjson"):
        raise Declined(f"{text}: only CSV and NDJSON files are read directly")
    if not Path(text).is_file():
        raise Declined(f"{text}: not a readable file")
    if len(schema.checks) != len(RECORD_CHECKS.get(entity, (None,))):
        raise Declined(f"the {entity} contract has checks the fast path does not know")
    extras = tuple(name for name in extras if name not in schema)
    if kind == "csv":
        return _csv_relation(schema, text, extras)
    return _ndjson_relation(schema, text, extras)


def csv_header(path: str, declined: type[Exception] = Declined) -> list[str]:
    """The header of a CSV file as the loaders read it, or ``declined`` (:class:`Declined`)."""
    from opsctl.loaders.lines import DEFAULT_MAX_LINE_BYTES, physical_lines

    problems: list[tuple[int, str]] = []
    try:
        with open(path, "rb") as stream:
            first = next(physical_lines(stream, path, DEFAULT_MAX_LINE_BYTES, problems), "")
    except Exception as error:  # any fault: the loaders will name it
        raise declined(f"{path}: {error}") from None
    rows = list(csv.reader([first], strict=True)) if first.endswith("\n") else []
    if problems or len(rows) != 1 or not rows[0]:
        raise declined(f"{path}: the header is not one plain CSV line")
    header = [name.strip() for name in rows[0]]
    if not all(header) or len(set(header)) != len(header):
        raise declined(f"{path}: the header has empty or repeated names")
    return header


def _csv_relation(schema: EntitySchema, path: str, extras: tuple[str, ...]) -> FileRelation:
    header = csv_header(path)
    if any(name not in header for name in schema.required):
        raise Declined(f"{path}: a required column is missing")
    if schema.name == "orders":
        from opsctl.loaders.orders import has_lines

        if has_lines(header):
            raise Declined(f"{path}: orders with their lines are read by the loaders")
    columns = ", ".join(f"c{index}: 'VARCHAR'" for index in range(len(header)))
    source = (
        f"read_csv({sql_text(path)}, header = true, auto_detect = false, delim = ',', "
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        f"encoding = 'utf-8', max_line_size = {MAX_LINE_BYTES}, columns = {{{columns}}})"
    )
    position = {name: index for index, name in enumerate(header)}
    cells = {
        c.name: f"nullif(c{position[c.name]}, '')" for c in schema.columns if c.name in position
    }
    # The loaders keep an extra column's raw text, empty or not.
    cells.update({name: f"coalesce(c{position[name]}, '')" for name in extras if name in position})
    return FileRelation(schema.name, path, source, cells, _checks(schema, cells))


def _ndjson_relation(schema: EntitySchema, path: str, extras: tuple[str, ...]) -> FileRelation:
    names = [*schema.column_names, *extras]
    if schema.name == "orders":
        from opsctl.loaders.orders import LINE_COLUMNS

        names += ["lines", *(name for name in LINE_COLUMNS if name not in names)]
    if not all(_SIMPLE_NAME.fullmatch(name) for name in names):
        raise Declined("a column name needs quoting")
    columns = ", ".join(f"{name}: 'JSON'" for name in names)
    source = (
        f"read_json({sql_text(path)}, format = 'newline_delimited', records = true, "
        f"maximum_object_size = {MAX_LINE_BYTES}, columns = {{{columns}}})"
    )
    strings = {
        name: f"CASE WHEN json_type({name}) = 'VARCHAR' THEN {name}->>'$' END" for name in names
    }
    cells = {name: f"nullif({strings[name]}, '')" for name in schema.column_names}
    cells.update({name: strings[name] for name in extras})
    checks = {
        f"json:{name}": f"{name} IS NOT NULL AND json_type({name}) <> 'VARCHAR'" for name in names
    }
    if schema.name == "orders":  # an order object with line fields carries its lines
        checks |= {
            f"lines:{name}": f"{name} IS NOT NULL" for name in names[len(schema.column_names) :]
        }
    return FileRelation(
        schema.name, path, source, cells, checks | _checks(schema, cells), kind="ndjson"
    )


def _checks(schema: EntitySchema, cells: dict[str, str]) -> dict[str, str]:
    """The SQL conditions true on a row whose values the fast path cannot vouch for."""
    checks = {}
    for column in schema.columns:
        value = cells.get(column.name, "NULL")
        valid = value_check(column, value)
        bad = [f"{value} IS NULL"] if column.required else []
        if valid is not None:
            bad.append(f"({value} IS NOT NULL AND coalesce(NOT ({valid}), true))")
        if bad:
            checks[column.name] = " OR ".join(bad)
    values = {column.name: cells.get(column.name, "NULL") for column in schema.columns}
    for number, check in enumerate(RECORD_CHECKS[schema.name]):
        checks[f"record:{number}"] = f"NOT ({check.format(**values)})"
    return checks


def value_check(column: Column, value: str) -> str | None:
    """SQL true when the text ``value`` is one the loaders read as the fast path does.

    ``None`` when any text will do; :class:`Declined` for a column type this
    module does not know.
    """
    kind = column.type
    if column.choices is not None:
        return (
            f"list_contains([{', '.join(sql_text(choice) for choice in column.choices)}], {value})"
        )
    if kind is STRING:
        return None
    if kind is TIMESTAMP:
        return timestamp_check(value)
    if kind is DEADLINE:
        return (
            f"CASE WHEN length({value}) <= 10 AND strpos({value}, ':') = 0 "
            f"THEN {date_check(value)} ELSE {timestamp_check(value)} END"
        )
    if kind in (COUNTRY, COUNTRY_OR_ANY, CURRENCY, CALENDAR):
        return f"regexp_full_match({value}, {sql_text(PATTERNS[kind.name].pattern)})"
    if kind is DECIMAL and column.maximum is None and column.minimum in (None, 0):
        sign = "" if column.minimum == 0 else "-?"
        return f"regexp_full_match({value}, '{sign}[0-9]+([.][0-9]+)?')"
    if kind in (INTEGER, FLOAT):
        pattern = "-?[0-9]{1,18}" if kind is INTEGER else "-?[0-9]{1,300}([.][0-9]{1,300})?"
        number = f"TRY_CAST({value} AS {'BIGINT' if kind is INTEGER else 'DOUBLE'})"
        bounds = [f"{number} >= {column.minimum}"] if column.minimum is not None else []
        bounds += [f"{number} <= {column.maximum}"] if column.maximum is not None else []
        return " AND ".join([f"regexp_full_match({value}, '{pattern}')", *bounds])
    raise Declined(f"{column.name}: the fast path does not read {kind.name} values")


def date_check(value: str) -> str:
    """SQL true for an ISO 8601 date both Python and DuckDB read: ``2026-10-01``."""
    return (
        f"(regexp_full_match({value}, '{DATE_PATTERN}') AND NOT starts_with({value}, '0000') "
        f"AND TRY_CAST({value} AS DATE) IS NOT NULL)"
    )


def timestamp_check(value: str) -> str:
    """SQL true for a timestamp in the forms of :data:`TIMESTAMP_PATTERN`, with a valid date."""
    return (
        f"(regexp_full_match({value}, '{TIMESTAMP_PATTERN}') AND NOT starts_with({value}, '0000') "
        f"AND TRY_CAST({value} AS TIMESTAMPTZ) IS NOT NULL)"
    )


#: The lengths of the forms of :data:`TIMESTAMP_PATTERN` without an offset: a date, a
#: separator and ``HH:MM`` (16), then ``:SS`` (19), then 3 or 6 decimals (23, 26). ``Z``
#: adds one character (17, 20, 24, 27) and ``±HH:MM`` six (22, 25, 29, 32): no two meet.
NAIVE_TIMESTAMP_LENGTHS = (16, 19, 23, 26)


def has_offset(value: str) -> str:
    """SQL true when a checked timestamp names its UTC offset (``Z`` or ``±HH:MM``).

    Only for the forms of :data:`TIMESTAMP_PATTERN`, which are ASCII and told
    apart by their length alone (:data:`NAIVE_TIMESTAMP_LENGTHS`): ``strlen``
    reads the length DuckDB keeps, where cutting characters out scans the text
    (0.4 CPU-s less over the 8.7M events of the 1M benchmark)."""
    lengths = ", ".join(str(length) for length in NAIVE_TIMESTAMP_LENGTHS)
    return f"(strlen({value}) NOT IN ({lengths}))"


def epoch_micros(value: str, instant: str | None = None, naive: str | None = None) -> str:
    """SQL of a checked timestamp as microseconds since the epoch, as Python reads it.

    With an offset, the instant it names. Without one, the wall-clock time in
    the session's ``TimeZone`` (the config's timezone) the way Python's
    ``zoneinfo`` resolves it (``fold=0``): in the hour repeated when clocks go
    back, the first of the two instants, where ICU picks the second; in the
    hour skipped when they go forward, the offset from before the change, as
    ICU does. DuckDB and Python must also agree on the zone's rules: see
    :func:`zone_rules_agree`. ``instant`` (``TRY_CAST(value AS TIMESTAMPTZ)``)
    and ``naive`` (not :func:`has_offset`) may be given when already computed.
    """
    instant = instant or f"TRY_CAST({value} AS TIMESTAMPTZ)"
    naive = naive or f"NOT {has_offset(value)}"
    wall = f"TRY_CAST({value} AS TIMESTAMP)"
    earlier = " ".join(
        f"WHEN CAST({instant} - INTERVAL {shift} AS TIMESTAMP) = {wall} "
        f"THEN {instant} - INTERVAL {shift}"
        for shift in ("2 HOUR", "1 HOUR", "30 MINUTE")
    )
    return f"epoch_us(CASE WHEN NOT ({naive}) THEN {instant} {earlier} ELSE {instant} END)"


def zone_rules_agree(connection, zone: str, first_year: int, last_year: int) -> bool:
    """Whether DuckDB (ICU) and Python (``zoneinfo``) place every quarter hour of
    ``first_year`` to ``last_year`` in ``zone`` at the same instant.

    Their time zone databases are separate copies and may differ (Morocco's
    future daylight saving, for one): timestamps without an offset are read
    directly only when they agree over the years those timestamps span.
    """
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from opsctl.model.types import micros, parse_timestamp

    tz = ZoneInfo(zone)
    start, stop = datetime(first_year, 1, 1), datetime(last_year + 1, 1, 1)
    quarters = (stop - start) // timedelta(minutes=15)
    grid = connection.execute(
        f"""
        WITH grid AS (
            SELECT strftime(TIMESTAMP '{start.isoformat(sep=" ")}' + INTERVAL (15 * i) MINUTE,
                            '%Y-%m-%dT%H:%M:%S') AS wall
            FROM range({quarters}) AS r(i)
        )
        SELECT wall, {epoch_micros("wall")} FROM grid
        """
    ).fetchall()
    return all(sql == micros(parse_timestamp(wall, tz)) for wall, sql in grid)
