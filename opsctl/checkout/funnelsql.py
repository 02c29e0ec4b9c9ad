"""The fast path of the checkout funnel: DuckDB reads the events file and counts in SQL.

Streaming ten million events through the loaders takes minutes; here DuckDB
(an embedded SQL engine) reads a CSV or NDJSON ``checkout_events`` file with
explicit types and computes the same funnel as :mod:`opsctl.checkout.funnel`:

1. **Type and check** each row: the columns of the contract, checked with SQL
   conditions that are true only where the loaders read the value the same
   way (:func:`events_relation`); the instant as microseconds since the epoch,
   as Python reads it (GA4's microseconds, or ISO 8601 with an offset, or
   without one in the config's timezone); its step in the funnel; its
   position in the file.
2. **Fold** the rows into one per session (``user_pseudo_id`` with its
   ``ga_session_id``): the first instant at each step, and the device of its
   first funnel event in file order (that is when the counter meets it).
3. **Count** per device and overall (``GROUPING SETS``): sessions reaching
   and completing each step, and the two middle values of the seconds between
   steps, computed in the same doubles as the counter's (``micros / 1e6``,
   then the difference), so that :func:`~opsctl.checkout.funnel.segment_of`
   gives the very same rates, medians and worst step.

Beside the funnel, one row of checks: rows outside what this path can vouch
for, repeated natural keys (user, instant, event name; compared by hash, so a
collision only costs a slower run), times without an offset (then DuckDB's
and Python's rules for the timezone must agree over the years they span).
Anything else raises :class:`Declined`, and the caller streams the file
through the loaders, which either give the same funnel or stop with their
exact error (``file:line: column: 'value' is not ...``, exit code 3), or
quarantine the bad rows under ``--on-bad-rows skip``. Declining costs time,
never a different answer. ``OPSCTL_CHECKOUT_ENGINE=python`` forces the loaders.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from pathlib import Path

from opsctl.checkout.funnel import FUNNEL_STEPS, UNKNOWN_DEVICE, Funnel, segment_of
from opsctl.model import schema_for
from opsctl.model.types import EPOCH
from opsctl.sla.bulkfiles import (
    MAX_LINE_BYTES,
    Declined,
    csv_header,
    epoch_micros,
    has_offset,
    sql_text,
    timestamp_check,
    zone_rules_agree,
)

__all__ = ["ENGINES", "ENGINE_VARIABLE", "Declined", "count_file", "wanted"]

log = logging.getLogger("opsctl.checkout")

#: ``python`` makes the funnel read events with the loaders; ``duckdb`` forbids falling back.
ENGINE_VARIABLE = "OPSCTL_CHECKOUT_ENGINE"
ENGINES = ("auto", "duckdb", "python")
#: DuckDB's memory budget (MB); beyond it, it spills to a temporary directory. Should it
#: still run out (the medians keep every gap in memory), it starts again with twice as
#: much, up to :data:`MAX_MEMORY_LIMIT_MB`, then leaves the file to the loaders.
MEMORY_LIMIT_MB = 512
MAX_MEMORY_LIMIT_MB = 4096
#: The most threads DuckDB uses.
MAX_THREADS = 4
#: JSON types whose text the loaders take as a cell's text (``str`` of the value).
JSON_TEXT_TYPES = ("VARCHAR", "UBIGINT", "BIGINT")
#: What the fast path knows of the ``checkout_events`` contract; another contract declines.
KNOWN_COLUMNS = (
    ("event_timestamp", "epoch_or_timestamp", True),
    ("event_name", "string", True),
    ("user_pseudo_id", "string", True),
    ("ga_session_id", "string", False),
    ("transaction_id", "string", False),
    ("device_category", "string", False),
    ("value", "decimal", False),
    ("currency", "currency", False),
)
KNOWN_KEY = ("user_pseudo_id", "event_timestamp", "event_name")


def engine_from(environ: Mapping[str, str] = os.environ) -> str:
    """The engine that :data:`ENGINE_VARIABLE` asks for (``auto`` when unset or unknown)."""
    engine = environ.get(ENGINE_VARIABLE, "").strip().lower()
    return engine if engine in ENGINES else "auto"


def wanted(engine: str = "auto") -> bool:
    """Whether the fast path may be tried (DuckDB installed, not switched off)."""
    if engine == "python":
        return False
    try:
        import duckdb  # noqa: F401
    except ImportError:
        if engine == "duckdb":
            raise Declined("DuckDB is not installed") from None
        return False
    return True


# -- the file as a relation -------------------------------------------------------------


@dataclass(frozen=True)
class EventsRelation:
    """An events file as DuckDB reads it.

    ``source`` is the SQL of the relation; ``cells`` maps a column of the
    contract to the SQL of its text as the loaders see it (NULL for no value);
    ``shape`` is a SQL condition true on a row whose JSON values are of a type
    the fast path leaves to the loaders (``false`` for CSV).
    """

    path: str
    kind: str
    source: str
    cells: dict[str, str]
    shape: str = "false"


def _check_contract() -> None:
    schema = schema_for("checkout_events")
    known = tuple((c.name, c.type.name, c.required) for c in schema.columns)
    plain = all(
        c.choices is None and c.minimum is None and c.maximum is None for c in schema.columns
    )
    if known != KNOWN_COLUMNS or schema.natural_key != KNOWN_KEY or len(schema.checks) != 1:
        raise Declined("the checkout_events contract has changed: the fast path does not know it")
    if not plain or schema.key_parts is not None:
        raise Declined("the checkout_events contract has changed: the fast path does not know it")


def events_relation(path: str | Path) -> EventsRelation:
    """``path`` (a CSV or NDJSON file) as an :class:`EventsRelation`, or :class:`Declined`."""
    from opsctl.loaders.sources import EXTENSIONS

    text = str(path)
    kind = EXTENSIONS.get(Path(text).suffix.lower())
    if text == "-" or kind not in ("csv", "ndjson"):
        raise Declined(f"{text}: only CSV and NDJSON files are read directly")
    if not Path(text).is_file():
        raise Declined(f"{text}: not a readable file")
    _check_contract()
    if kind == "csv":
        return _csv_relation(text)
    return _ndjson_relation(text)


def _csv_relation(path: str) -> EventsRelation:
    header = csv_header(path)
    schema = schema_for("checkout_events")
    if any(name not in header for name in schema.required):
        raise Declined(f"{path}: a required column is missing")
    columns = ", ".join(f"c{index}: 'VARCHAR'" for index in range(len(header)))
    source = (
        f"read_csv({sql_text(path)}, header = true, auto_detect = false, delim = ',', "
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        f"encoding = 'utf-8', max_line_size = {MAX_LINE_BYTES}, columns = {{{columns}}})"
    )
    position = {name: index for index, name in enumerate(header)}
    cells = {
        name: f"nullif(c{position[name]}, '')" for name in schema.column_names if name in position
    }
    return EventsRelation(path, "csv", source, cells)


def _ndjson_relation(path: str) -> EventsRelation:
    schema = schema_for("checkout_events")
    names = schema.column_names
    columns = ", ".join(f"{name}: 'JSON'" for name in names)
    source = (
        f"read_json({sql_text(path)}, format = 'newline_delimited', records = true, "
        f"maximum_object_size = {MAX_LINE_BYTES}, columns = {{{columns}}})"
    )
    texts = ", ".join(sql_text(kind) for kind in JSON_TEXT_TYPES)
    # The loaders take a JSON string as it is and an integer as its digits; the ``value``
    # may also be any finite number. Anything else is for them to judge.
    cells = {
        name: f"nullif(CASE WHEN json_type({name}) IN ({texts}) THEN {name}->>'$' END, '')"
        for name in names
    }
    shape = [
        f"({name} IS NOT NULL AND coalesce(json_type({name}) NOT IN ('NULL', {texts}), true))"
        for name in names
        if name != "value"
    ]
    finite = "(json_type(value) = 'DOUBLE' AND isfinite(TRY_CAST(value AS DOUBLE)))"
    shape.append(
        "(value IS NOT NULL AND coalesce(json_type(value) NOT IN ('NULL', "
        f"{texts}) AND NOT {finite}, true))"
    )
    cells["value"] = (
        "CASE WHEN json_type(value) IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN '0' "
        f"ELSE {cells['value']} END"
    )
    return EventsRelation(path, "ndjson", source, cells, " OR ".join(shape))


# -- the SQL ------------------------------------------------------------------------------

#: The most digits of microseconds since the epoch read here: 16 digits stay below 2**53.
EPOCH_DIGITS = 16
#: Instants are read exactly as doubles of seconds only below 2**53 microseconds (year 2255).
MAX_EXACT_MICROS = 2**53


def _funnel_sql(relation: EventsRelation) -> str:
    """Rows of the funnel per device (``overall`` false) and overall, each with the checks.

    Each row is typed once (``typed``), then streamed to the checks, and to
    the fold into sessions and its counts per device (``GROUPING SETS``).
    Costly conditions are written as ``CASE``, whose branches DuckDB evaluates
    only for the rows that reach them.
    """
    cells = relation.cells
    steps = ", ".join(sql_text(step) for step in FUNNEL_STEPS)
    last = len(FUNNEL_STEPS) - 1
    firsts = ",\n            ".join(
        f"min(micros) FILTER (step = {index}) AS t{index}" for index in range(len(FUNNEL_STEPS))
    )
    # The counter's seconds are ``datetime.timestamp()``: microseconds / 10**6, rounded
    # once to a double; below 2**53 microseconds the cast is exact, so DuckDB's division is
    # the same double, and so is the difference. A negative one (the later step logged
    # first) is left out of the medians, as the counter does.
    gaps = ",\n            ".join(f"CASE WHEN d{i} >= 0 THEN d{i} END AS g{i}" for i in range(last))
    differences = ",\n                ".join(
        f"t{i + 1} / 1000000.0 - t{i} / 1000000.0 AS d{i}" for i in range(last)
    )
    reached = ", ".join(f"count(t{i}) AS r{i}" for i in range(len(FUNNEL_STEPS)))
    completed = ", ".join(
        f"count(*) FILTER (t{i} IS NOT NULL AND t{i + 1} IS NOT NULL) AS c{i}" for i in range(last)
    )
    middles = ",\n            ".join(
        f"count(g{i}) AS n{i}, quantile_disc(g{i}, 0.5) AS lo{i}, "
        f"-quantile_disc(-g{i}, 0.5) AS hi{i}"
        for i in range(last)
    )
    return f"""
    WITH typed AS MATERIALIZED (
        SELECT rn, user_id, session_id, device, step, micros, naive,
            -- The counter keys a session by the user and session ids joined by U+001F:
            -- a user id holding that character is left to the loaders.
            coalesce(micros IS NULL OR abs(micros) >= {MAX_EXACT_MICROS} OR other_bad
                OR contains(user_id, chr(31)), true) AS bad,
            hash(user_id, micros, event_name) AS key
        FROM (
            SELECT *,
                CASE WHEN epoch THEN CAST(ts AS BIGINT)
                    WHEN {timestamp_check("ts")} THEN {epoch_micros("ts")}
                END AS micros,
                CASE WHEN epoch THEN false ELSE NOT {has_offset("ts")} END AS naive,
                list_position([{steps}], event_name) - 1 AS step,
                shape OR event_name IS NULL OR user_id IS NULL
                    OR CASE WHEN amount IS NULL THEN false
                        ELSE currency IS NULL
                            OR NOT regexp_full_match(amount, '-?[0-9]+([.][0-9]+)?') END
                    OR CASE WHEN currency IS NULL THEN false
                        ELSE NOT regexp_full_match(currency, '[A-Z]{{3}}') END
                    AS other_bad
            FROM (
                SELECT row_number() OVER () AS rn,
                    {cells.get("event_timestamp", "NULL")} AS ts,
                    {cells.get("event_name", "NULL")} AS event_name,
                    {cells.get("user_pseudo_id", "NULL")} AS user_id,
                    coalesce({cells.get("ga_session_id", "NULL")}, '') AS session_id,
                    coalesce({cells.get("device_category", "NULL")}, {sql_text(UNKNOWN_DEVICE)})
                        AS device,
                    {cells.get("value", "NULL")} AS amount,
                    {cells.get("currency", "NULL")} AS currency,
                    coalesce({relation.shape}, true) AS shape,
                    -- The loaders read digits as microseconds (``str.isdigit``), anything
                    -- else as ISO 8601; other digits, or more of them, are for them to read.
                    coalesce(regexp_full_match(ts, '[0-9]{{1,{EPOCH_DIGITS}}}'), false) AS epoch
                FROM {relation.source}
            )
        )
    ),
    checks AS (
        SELECT count(*) AS events,
            count(*) FILTER (step IS NULL) AS ignored,
            count(*) FILTER (bad) AS faults,
            (SELECT count(*) FROM (SELECT key FROM typed GROUP BY key HAVING count(*) > 1))
                AS repeated,
            min(micros) FILTER (naive) AS naive_first,
            max(micros) FILTER (naive) AS naive_last
        FROM typed
    ),
    sessions AS (
        SELECT min(rn) AS first_row,
            arg_min(device, rn) AS device,
            {firsts}
        FROM typed
        WHERE step IS NOT NULL
        GROUP BY user_id, session_id
    ),
    spans AS (
        SELECT *,
            {gaps}
        FROM (
            SELECT *,
                {differences}
            FROM sessions
        )
    ),
    segments AS (
        SELECT GROUPING(device) = 1 AS overall, device, min(first_row) AS first_row,
            count(*) AS sessions, {reached}, {completed},
            {middles}
        FROM spans
        GROUP BY GROUPING SETS ((device), ())
    )
    SELECT checks.*, segments.* FROM checks LEFT JOIN segments ON true
    ORDER BY segments.overall DESC, segments.first_row
    """


# -- running it ---------------------------------------------------------------------------


def _connect(spill: str, timezone_name: str, memory_mb: int):
    import duckdb

    connection = duckdb.connect(
        config={
            "memory_limit": f"{memory_mb}MB",
            "temp_directory": spill,
            "threads": max(1, min(os.cpu_count() or 1, MAX_THREADS)),
            "preserve_insertion_order": True,
        }
    )
    connection.execute(f"SET TimeZone = {sql_text(timezone_name)}")
    return connection


def timezone_name(tz: tzinfo) -> str | None:
    """The IANA name of ``tz`` for DuckDB, or None when it has none."""
    if tz is timezone.utc:
        return "UTC"
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) else None


def count_file(path: str | Path, *, tz: tzinfo) -> Funnel:
    """The funnel of the events file ``path`` (see the module docstring), or :class:`Declined`."""
    started = time.perf_counter()
    try:
        relation = events_relation(path)
        sql = _funnel_sql(relation)
    except Declined:
        raise
    except Exception as error:
        raise Declined(f"{type(error).__name__}: {error}") from None
    zone = timezone_name(tz)
    memory_mb = MEMORY_LIMIT_MB
    while True:
        try:
            records = _run(sql, relation, zone, memory_mb)
            break
        except _OutOfMemory as error:
            # The medians hold every gap in memory: a larger file may need more.
            if memory_mb >= MAX_MEMORY_LIMIT_MB:
                raise Declined(str(error), unexpected=True) from None
            memory_mb *= 2
            log.info("checkout: DuckDB ran out of memory; again with %d MB", memory_mb)
    funnel = _funnel(relation.path, records)
    log.debug(
        "checkout: funnel of %d events counted by DuckDB in %.1f s",
        funnel.events,
        time.perf_counter() - started,
    )
    return funnel


class _OutOfMemory(Exception):
    """DuckDB ran out of its memory budget."""


def _run(sql: str, relation: EventsRelation, zone: str | None, memory_mb: int) -> list[dict]:
    """The rows of ``sql`` as dicts, checked (:func:`_check`), with ``memory_mb`` for DuckDB."""
    with tempfile.TemporaryDirectory(prefix="opsctl-checkout-") as spill:
        try:
            connection = _connect(spill, zone or "UTC", memory_mb)
        except Exception as error:  # an unknown timezone for ICU, a broken install...
            raise Declined(f"DuckDB: {error}") from None
        try:
            rows = connection.execute(sql).fetchall()
            names = [column[0] for column in connection.description]
            records = [dict(zip(names, row, strict=True)) for row in rows]
            _check(connection, records[0], relation, zone)
            return records
        except Declined:
            raise
        except Exception as error:  # DuckDB's, or a disagreement with the loaders: trust them
            reason = f"{type(error).__name__}: {error}".splitlines()[0]
            if type(error).__name__ == "OutOfMemoryException":
                raise _OutOfMemory(reason) from error
            raise Declined(reason) from error
        finally:
            connection.close()


def _check(connection, checks: dict, relation: EventsRelation, zone: str | None) -> None:
    """Decline when the file had rows for the loaders, or times DuckDB may read differently."""
    if checks["faults"] or checks["repeated"]:
        raise Declined(f"{relation.path}: rows for the loaders to check")
    if checks["naive_first"] is not None:
        if zone is None:
            raise Declined("times without an offset, in a timezone without an IANA name")
        first, last = (_year(checks[key]) for key in ("naive_first", "naive_last"))
        if not zone_rules_agree(connection, zone, first - 1, last + 1):
            raise Declined(f"DuckDB and Python disagree on {zone} in {first}-{last}")


def _year(micros: int) -> int:
    return (EPOCH + timedelta(microseconds=micros)).year


def _median(row: dict, index: int) -> float | None:
    """:func:`statistics.median` of the gaps from the two middle values."""
    count = row[f"n{index}"]
    if not count:
        return None
    low, high = row[f"lo{index}"], row[f"hi{index}"]
    return low if count % 2 else (low + high) / 2


def _funnel(source: str, rows: list[dict]) -> Funnel:
    checks = rows[0]
    size, last = len(FUNNEL_STEPS), len(FUNNEL_STEPS) - 1
    segments = {}
    for row in rows:
        if row["overall"] is None:  # no session at all: no segment row
            continue
        segment = segment_of(
            row["sessions"],
            [row[f"r{i}"] for i in range(size)],
            [row[f"c{i}"] for i in range(last)] + [0],
            [_median(row, i) for i in range(last)] + [None],
        )
        segments[None if row["overall"] else row["device"]] = segment
    overall = segments.pop(None, None) or segment_of(0, [0] * size, [0] * size, [None] * size)
    return Funnel(
        source=source,
        events=checks["events"],
        ignored_events=checks["ignored"],
        overall=overall,
        by_device=segments,
    )
