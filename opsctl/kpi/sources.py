"""The inputs of a KPI run, read into an in-memory DuckDB database.

Each entity becomes one typed table (``orders``, ``order_lines``,
``shipments``, ``returns``, ``reviews``, ``checkout_events``) with the
columns of the data contract; tracking events are folded on the fly into
one row per tracking number (:mod:`opsctl.kpi.verdicts`). A table is read on
first use only, so a KPI run reads the files its KPIs need and no others.

Two roads lead into the database, with the same result:

* **direct**: DuckDB reads a CSV, JSON or NDJSON file of the contract itself,
  typed column by column (timestamps without an offset in the config's
  timezone, money as exact decimals). This is what makes a month of a large
  shop take seconds instead of minutes.
* **staged**: opsctl's own loader reads the records (from a file DuckDB
  cannot take as it is, from the state store with ``--from-store``, or with
  ``--on-bad-rows skip``) and writes them as canonical NDJSON that DuckDB
  then reads the direct way.

A file that the direct road refuses (a value that does not convert, a
missing required value, a duplicate key) is handed to the loader, which
either reads it after all or stops with the loader's own error naming file,
line, column and value: the data contract has one judge.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from opsctl.errors import UsageError
from opsctl.model import schema_for
from opsctl.sla.bulkfiles import csv_header, sql_text

log = logging.getLogger("opsctl.kpi")

#: Columns read from each entity: the contract's, plus extras that KPIs use when present.
WANTED: dict[str, tuple[str, ...]] = {
    "orders": (
        "order_id",
        "channel",
        "placed_at",
        "customer_type",
        "currency",
        "ship_to_country",
        "ship_to_latitude",
        "ship_to_longitude",
        "service_level",
        "promised_by",
        "shipping_paid",
        "status",
        "cancel_reason",
        "fulfillment_status",
    ),
    "order_lines": ("order_id", "sku", "quantity", "unit_price", "line_id", "quantity_shipped"),
    "shipments": (
        "shipment_id",
        "order_id",
        "carrier",
        "tracking_number",
        "service",
        "location_id",
        "shipped_at",
        "promised_by",
        "carrier_edd",
        "delivered_at",
        "shipping_cost",
        "currency",
        "ship_to_country",
    ),
    "tracking_events": (
        "tracking_number",
        "occurred_at",
        "status",
        "carrier",
        "raw_code",
        "reason",
    ),
    "returns": (
        "return_id",
        "order_id",
        "sku",
        "quantity",
        "requested_at",
        "received_at",
        "refunded_at",
        "reason",
        "refund_amount",
        "currency",
    ),
    "reviews": (
        "review_id",
        "source",
        "rating",
        "text",
        "title",
        "language",
        "created_at",
        "order_id",
    ),
    "checkout_events": (
        "event_timestamp",
        "event_name",
        "user_pseudo_id",
        "ga_session_id",
        "transaction_id",
        "device_category",
    ),
}

#: Extra columns (beyond the contract) and the SQL type each is read as.
EXTRA_TYPES = {
    "fulfillment_status": "VARCHAR",
    "quantity_shipped": "BIGINT",
    "ship_to_country": "VARCHAR",
}

#: How each contract type is converted, ``{c}`` being the column's text.
CASTS = {
    "integer": "CAST({c} AS BIGINT)",
    "decimal": "CAST({c} AS DECIMAL(38, 10))",
    "float": "CAST({c} AS DOUBLE)",
    "timestamp": "CAST({c} AS TIMESTAMPTZ)",
    "epoch_or_timestamp": (
        "CASE WHEN regexp_full_match({c}, '[0-9]+') THEN to_timestamp(CAST({c} AS BIGINT) / 1e6)"
        " ELSE CAST({c} AS TIMESTAMPTZ) END"
    ),
    # Kept as text (read later as a day or an instant), but checked here: a value the
    # loader would refuse sends the file to the loader, which names file, line and value.
    "deadline": (
        "CASE WHEN {c} IS NULL THEN NULL"
        " WHEN length({c}) <= 10 AND NOT contains({c}, ':') THEN"
        " CASE WHEN regexp_full_match({c}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
        " AND TRY_CAST({c} AS DATE) IS NOT NULL THEN {c} ELSE error('bad deadline') END"
        " WHEN TRY_CAST({c} AS TIMESTAMPTZ) IS NOT NULL THEN {c}"
        " ELSE error('bad deadline') END"
    ),
}
#: Entities whose natural key must be unique in the direct road (the loader checks all).
UNIQUE_KEYS = {"orders": "order_id", "shipments": "shipment_id"}
#: Entities a combined file may also carry (orders with their lines).
COMPANIONS = {"orders": ("order_lines",)}


class Refused(Exception):
    """The direct road cannot take a file; the loader must read it."""


def column_sql(entity: str, name: str) -> str:
    """The typed expression of one column of ``entity`` (its text is column ``name``)."""
    quoted = f'"{name}"'
    if name in EXTRA_TYPES and name not in schema_for(entity).column_names:
        kind = EXTRA_TYPES[name]
        return quoted if kind == "VARCHAR" else f"TRY_CAST({quoted} AS {kind})"
    column = schema_for(entity).column(name)
    expression = CASTS.get(column.type.name, "{c}").format(c=quoted)
    if column.choices is not None:
        allowed = ", ".join(sql_text(choice) for choice in column.choices)
        expression = (
            f"CASE WHEN {quoted} IS NULL OR {quoted} IN ({allowed}) THEN {quoted} "
            f"ELSE error('bad {name}') END"
        )
    if column.required:
        expression = f"coalesce({expression}, error('missing {name}'))"
    elif isinstance(column.default, str | int) and not isinstance(column.default, bool):
        default = sql_text(column.default) if isinstance(column.default, str) else column.default
        expression = f"coalesce({expression}, {default})"
    elif column.default_from:
        expression = f"coalesce({expression}, {column_sql(entity, column.default_from)})"
    bounds = []
    if column.minimum is not None:
        bounds.append(f"{expression} < {column.minimum}")
    if column.maximum is not None:
        bounds.append(f"{expression} > {column.maximum}")
    if bounds:
        expression = (
            f"CASE WHEN {' OR '.join(bounds)} THEN error('{name} out of range') "
            f"ELSE {expression} END"
        )
    return expression


class KpiInputs:
    """The data of one KPI run in a DuckDB connection, read on demand.

    ``dataset`` is the command's :class:`~opsctl.datasets.Dataset` (files
    from options and ``[data]``, or the state store). The connection's
    session timezone is the config's, so that timestamps without an offset
    read as the loader reads them.
    """

    def __init__(self, dataset, con=None) -> None:
        import duckdb

        self.dataset = dataset
        self.con = con or duckdb.connect()
        self.con.execute(f"SET TimeZone = {sql_text(dataset.timezone)}")
        self.con.execute("SET preserve_insertion_order = false")
        self._present: dict[str, frozenset[str]] = {}
        self._staged: dict[str, Path] = {}
        self._workdir: tempfile.TemporaryDirectory | None = None
        #: Entities read through the loader, and why (shown with ``-v``).
        self.staged_reasons: dict[str, str] = {}

    # -- what there is ----------------------------------------------------------------

    def has(self, entity: str) -> bool:
        """Whether the run has a source for ``entity``."""
        return entity in self._staged or self.dataset.has(entity)

    def columns(self, entity: str) -> frozenset[str]:
        """The wanted columns that ``entity`` has values in (reads its table if needed)."""
        self.table(entity)
        return self._present[entity]

    def records(self, entity: str) -> Iterable[Any]:
        """The entity's typed records through opsctl's loader (small reference data)."""
        return self.dataset.records(entity, required=False)

    # -- reading ------------------------------------------------------------------------

    def table(self, entity: str) -> str:
        """The name of the typed table of ``entity``, read now if not yet."""
        if entity not in self._present:
            if not self.has(entity):
                raise UsageError(f"no {entity} data")

            def create(source: str, columns: frozenset[str]) -> str:
                return (
                    f"CREATE OR REPLACE TABLE {entity} AS {typed_select(entity, source, columns)}"
                )

            self.execute_over(entity, create)
            key = UNIQUE_KEYS.get(entity) if entity not in self._staged else None
            rows, keys, present = self._census(entity, key)
            if rows != keys:
                self._stage(entity, f"duplicate {key}s")
                self.execute_over(entity, create)
                _, _, present = self._census(entity, None)
            self._present[entity] = present
        return entity

    def execute_over(self, entity: str, build: Callable[[str, frozenset[str]], str]) -> None:
        """Run the SQL that ``build(source, columns)`` returns over the text of ``entity``.

        ``source`` is a SQL relation over the entity's file (or staged NDJSON)
        whose columns are text; ``columns`` are the wanted columns it has.
        When DuckDB refuses the file, opsctl's loader reads it instead, and
        stops with its precise error if the file breaks the contract.
        """
        import duckdb

        try:
            self.con.execute(build(*self._relation(entity)))
        except (duckdb.ConversionException, duckdb.InvalidInputException, Refused) as problem:
            if entity in self._staged:
                raise
            self._stage(entity, _first_line(problem))
            self.con.execute(build(*self._relation(entity)))

    def _relation(self, entity: str) -> tuple[str, frozenset[str]]:
        """A SQL relation over the text of ``entity``, and the wanted columns it has."""
        if entity not in self._staged:
            if self.dataset.from_store and entity not in self.dataset.files:
                self._stage(entity, "read from the state store")
            elif self.dataset.on_bad_rows == "skip":
                self._stage(entity, "--on-bad-rows skip")
        wanted = frozenset(WANTED[entity])
        if entity in self._staged:
            return json_relation(entity, str(self._staged[entity]), "newline_delimited"), wanted
        from opsctl.loaders import detect_format

        path = self.dataset.file(entity)
        fmt = detect_format(path)
        if fmt == "csv":
            header = csv_header(path, Refused)
            if entity in COMPANIONS and "sku" in header:
                raise Refused("its rows carry order lines as well")
            missing = [c for c in schema_for(entity).required if c not in header]
            if missing:
                raise Refused(f"no column {missing[0]}")
            source = (
                f"read_csv({sql_text(path)}, header = true, delim = ',', quote = '\"', "
                f"escape = '\"', auto_detect = false, columns = {_columns_struct(header)})"
            )
            return source, wanted & set(header)
        fmt = "array" if fmt == "json" else "newline_delimited"
        if entity in COMPANIONS and self._nests_lines(path, fmt):
            raise Refused("its orders nest their lines")
        return json_relation(entity, path, fmt), wanted

    def _nests_lines(self, path: str, fmt: str) -> bool:
        found = self.con.execute(
            f"SELECT count(lines) FROM read_json({sql_text(path)}, format = {sql_text(fmt)}, "
            "columns = {'lines': 'JSON'}, maximum_object_size = 67108864)"
        ).fetchone()
        return bool(found and found[0])

    def _census(self, entity: str, key: str | None) -> tuple[int, int, frozenset[str]]:
        """Rows, distinct ``key`` values (rows without a key) and the columns with values."""
        wanted = WANTED[entity]
        distinct = f"count(DISTINCT {key})" if key else "count(*)"
        rows, keys, *counts = self.con.execute(
            f"SELECT count(*), {distinct}, "
            + ", ".join(f'count("{c}")' for c in wanted)
            + f" FROM {entity}"
        ).fetchone()
        return rows, keys, frozenset(c for c, n in zip(wanted, counts, strict=True) if n)

    # -- staging through the loader ------------------------------------------------------

    def _stage(self, entity: str, reason: str) -> None:
        """Read ``entity`` with opsctl's loader into canonical NDJSON files."""
        from opsctl.output import to_jsonable

        log.info("reading %s through opsctl's loader: %s", entity, reason)
        self.staged_reasons[entity] = reason
        if self._workdir is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="opsctl-kpi-")
        folder = Path(self._workdir.name)
        kinds = (entity, *COMPANIONS.get(entity, ()))
        paths = {kind: folder / f"{kind}.ndjson" for kind in kinds}
        seen = set()
        with contextlib.ExitStack() as stack:
            handles = {
                kind: stack.enter_context(open(path, "w", encoding="utf-8"))
                for kind, path in paths.items()
            }
            for record in self.dataset.records(entity):
                kind = _entity_of(record, entity)
                row = {c: getattr(record, c, None) for c in WANTED[kind]}
                for name in WANTED[kind]:
                    if row[name] is None and name in record.extra:
                        row[name] = record.extra[name]
                handles[kind].write(json.dumps(to_jsonable(row), ensure_ascii=False) + "\n")
                seen.add(kind)
        for kind in kinds:
            if kind == entity or kind in seen:
                self._staged[kind] = paths[kind]

    def close(self) -> None:
        self.con.close()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None


def typed_select(entity: str, source: str, columns: frozenset[str]) -> str:
    """``SELECT`` every wanted column of ``entity`` typed (``NULL`` where ``source`` lacks it)."""
    selected = ", ".join(
        f'{column_sql(entity, c) if c in columns else "NULL"} AS "{c}"' for c in WANTED[entity]
    )
    return f"SELECT {selected} FROM {source}"


def json_relation(entity: str, path: str, fmt: str) -> str:
    """A relation over a JSON or NDJSON file with the wanted keys of ``entity`` as text."""
    struct = "{" + ", ".join(f"{sql_text(c)}: 'VARCHAR'" for c in WANTED[entity]) + "}"
    # NDJSON records are lines: DuckDB's default limit (16 MB a record) keeps its read
    # buffers, hence the memory of a large file, small. A JSON array is one object.
    size = ", maximum_object_size = 67108864" if fmt == "array" else ""
    return f"read_json({sql_text(path)}, format = {sql_text(fmt)}, columns = {struct}{size})"


def _entity_of(record: Any, default: str) -> str:
    from opsctl.model.records import OrderLine

    return "order_lines" if isinstance(record, OrderLine) else default


def _columns_struct(header: list[str]) -> str:
    return "{" + ", ".join(f"{sql_text(name)}: 'VARCHAR'" for name in header) + "}"


def _first_line(problem: BaseException) -> str:
    return str(problem).strip().splitlines()[0][:200]
