"""The fast path of ``opsctl sla check`` over data files: DuckDB folds, Python judges.

Reading millions of tracking events through the loaders takes minutes and
gigabytes; this path lets DuckDB (an embedded SQL engine) read the files, in
bounded memory, and keeps every decision where it is:

1. **Check** the shipments and orders files against the data contract
   (:mod:`opsctl.sla.bulkfiles`): every value, the record checks, repeated
   keys.
2. **Fold** the events file into one row per tracking number with the facts
   of a :class:`~opsctl.sla.timeline.Timeline` (first and last event and scan,
   first time the carrier reached the customer, delivery, latest status with
   the timeline's tie-break between events at the same instant, its reason,
   the counts; the status classes come from :mod:`opsctl.sla.timeline`), and
   with what the contract checks of the events need: rows outside the subset
   this path reads, repeated natural keys (compared by hash: a collision only
   costs a slower run), times without an offset, unmapped codes.
3. **Join** each shipment, with its position in its file, to its timeline and
   its order, and stream the rows to Python in batches.
4. **Judge.** Python turns each row back into the loaders' values
   (:mod:`opsctl.sla.bulkrows`), builds the shipment's facts with the same
   :class:`~opsctl.sla.facts.FactsBuilder` and gives them to
   :func:`opsctl.sla.engine.assess`, the one set of verdict rules. Only the
   summary counts and the listed rows are kept. For large files, processes
   forked before DuckDB starts (one per CPU, up to :data:`MAX_PROCESSES`)
   judge batches beside this one.

Anything outside what this path can vouch for raises
:class:`~opsctl.sla.bulkfiles.Declined`, and the caller reads the files with
the loaders, which either accept them or stop with their exact error (exit
code 3). ``OPSCTL_SLA_ENGINE=python`` forces that path.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opsctl.errors import OpsctlError
from opsctl.model.types import EPOCH
from opsctl.sla.bulkfiles import (
    TIMESTAMP_PATTERN,
    Declined,
    FileRelation,
    epoch_micros,
    file_relation,
    has_offset,
    sql_text,
    zone_rules_agree,
)
from opsctl.sla.bulkrows import (
    PROFILE_COLUMNS,
    RANKS,
    ROW_COLUMNS,
    STATUSES_BY_RANK,
    EventNotes,
    RowJudge,
)
from opsctl.sla.check import Filters, Report
from opsctl.sla.facts import FactsBuilder
from opsctl.sla.thresholds import ThresholdPolicy
from opsctl.sla.timeline import CARRIER_SCANS, REACHED_CUSTOMER, STAGE_RANK
from opsctl.tracking import TrackingStatus

__all__ = ["ENGINE_VARIABLE", "Declined", "check_files", "wanted"]

#: ``python`` makes ``opsctl sla check`` read files with the loaders (the reference path).
ENGINE_VARIABLE = "OPSCTL_SLA_ENGINE"
#: DuckDB's memory budget (MB) while folding and joining; beyond it, it spills to disk.
MEMORY_LIMIT_MB = 256
#: More for reading NDJSON, whose reader holds larger buffers.
NDJSON_EXTRA_MB = 128
#: Rows fetched from DuckDB at a time.
BATCH_ROWS = 8192
#: Input size (bytes) from which forked processes help judging, and the most processes.
PARALLEL_MIN_BYTES = 32 << 20
MAX_PROCESSES = 4

S = TrackingStatus
log = logging.getLogger("opsctl.sla")


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the fast path may be tried (DuckDB installed, not switched off)."""
    if environ.get(ENGINE_VARIABLE, "").strip().lower() == "python":
        return False
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


# -- the SQL ----------------------------------------------------------------------------


def _ranks(statuses) -> str:
    return ", ".join(sorted(str(STAGE_RANK[status]) for status in statuses))


def _fold_sql(events: FileRelation) -> str:
    """One row per tracking number with the facts of its :class:`Timeline`.

    Beside the timeline, what the contract checks need: ``faults`` counts the
    rows outside the fast path's subset and the events whose natural key
    (carrier, tracking number, instant, raw code or status) another event of
    the parcel has; ``naive`` counts the timestamps without a UTC offset;
    ``codes`` lists the carrier and raw code of each unmapped event.
    """
    names = ", ".join(sql_text(status.value) for status in STATUSES_BY_RANK)
    latest = f"moment * {RANKS} + stage"
    shaped = f"regexp_full_match(occurred, '{TIMESTAMP_PATTERN}') AND left(occurred, 4) <> '0000'"
    return f"""
    SELECT tracking_number,
        count(*) AS events,
        count(*) FILTER (stage IS NULL) AS unmapped,
        min(moment) AS first_event,
        max(moment) AS last_event,
        arg_max_null(zone, moment) AS last_zone,
        min(CASE WHEN stage = {STAGE_RANK[S.PRE_TRANSIT]} THEN moment END) AS label,
        min(CASE WHEN stage IN ({_ranks(CARRIER_SCANS)}) THEN moment END) AS first_scan,
        max(CASE WHEN stage IN ({_ranks(CARRIER_SCANS)}) THEN moment END) AS last_scan,
        min(CASE WHEN stage IN ({_ranks(REACHED_CUSTOMER)}) THEN moment END) AS reached,
        min(CASE WHEN stage = {STAGE_RANK[S.DELIVERED]} THEN moment END) AS delivered,
        max({latest}) AS latest,
        arg_max_null(why, {latest}) AS latest_reason,
        count(*) FILTER (bad) + count(*) - len(list_distinct(list(key))) AS faults,
        count(*) FILTER (naive) AS naive,
        list([carrier, coalesce(raw_code, '')]) FILTER (stage IS NULL) AS codes
    FROM (
        SELECT *,
            other_bad OR NOT coalesce({shaped} AND instant IS NOT NULL, false)
                OR (status IS NOT NULL AND stage IS NULL) AS bad,
            hash(carrier, moment, coalesce(raw_code, status)) AS key
        FROM (
            SELECT *, {epoch_micros("occurred", "instant", "naive")} AS moment
            FROM (
                SELECT *,
                    TRY_CAST(occurred AS TIMESTAMPTZ) AS instant,
                    NOT {has_offset("occurred")} AS naive,
                    right(occurred, 6) AS zone,
                    list_position([{names}], status) - 1 AS stage
                FROM (
                    SELECT {events.cell("tracking_number")} AS tracking_number,
                        {events.cell("occurred_at")} AS occurred,
                        {events.cell("status")} AS status,
                        {events.cell("raw_code")} AS raw_code,
                        coalesce({events.cell("carrier")}, '') AS carrier,
                        coalesce({events.cell("reason")}, {events.cell("description")}) AS why,
                        {events.problem(besides=("occurred_at", "status"))} AS other_bad
                    FROM {events.source}
                )
            )
        )
    )
    GROUP BY tracking_number
    """


SHIPMENT_COLUMNS = (
    "shipment_id",
    "order_id",
    "tracking_number",
    "carrier",
    "service",
    "location_id",
    "shipped_at",
    "promised_by",
    "carrier_edd",
    "delivered_at",
    "ship_to_country",
    "channel",
)
ORDER_COLUMNS = (
    "order_id",
    "channel",
    "placed_at",
    "ship_to_country",
    "ship_to_latitude",
    "ship_to_longitude",
    "promised_by",
)


def _rows_sql(relations: Mapping[str, FileRelation]) -> str:
    """Each shipment (:data:`ROW_COLUMNS`) with its position, its timeline and its order.

    Timelines of tracking numbers that no shipment has come too, with a NULL
    position: their events are checked like the others.
    """
    shipments, orders = relations["shipments"], relations.get("orders")
    if orders is None:
        nulls = ", ".join(f"NULL::VARCHAR AS {column}" for column in ORDER_COLUMNS)
        order_source = f"(SELECT {nulls} LIMIT 0)"
    else:
        cells = ", ".join(f"{orders.cell(column)} AS {column}" for column in ORDER_COLUMNS)
        order_source = f"(SELECT {cells} FROM {orders.source})"
    shipment_cells = ", ".join(f"{shipments.cell(c)} AS {c}" for c in SHIPMENT_COLUMNS)
    profile = {
        "carrier": "s.carrier",
        "service": "s.service",
        "location_id": "s.location_id",
        "ship_to_country": "s.ship_to_country",
        "shipment_channel": "s.channel",
        "channel": "o.channel",
        "order_country": "o.ship_to_country",
    }
    columns = {
        "position": "s.position",
        "shipment_id": "s.shipment_id",
        "order_id": "s.order_id",
        "tracking_number": "s.tracking_number",
        "profile": f"to_json([{', '.join(profile[name] for name in PROFILE_COLUMNS)}])",
        "ship_to_latitude": "TRY_CAST(o.ship_to_latitude AS DOUBLE)",
        "ship_to_longitude": "TRY_CAST(o.ship_to_longitude AS DOUBLE)",
        "shipped_at": "s.shipped_at",
        "delivered_at": "s.delivered_at",
        "placed_at": "o.placed_at",
        "promised_by": "s.promised_by",
        "carrier_edd": "s.carrier_edd",
        "order_promised_by": "o.promised_by",
    }
    selected = ", ".join(columns.get(name, f"t.{name}") for name in ROW_COLUMNS)
    return f"""
    SELECT {selected}
    FROM (
        SELECT row_number() OVER () AS position, {shipment_cells} FROM {shipments.source}
    ) AS s
    FULL JOIN ({_fold_sql(relations["tracking_events"])}) AS t
        ON t.tracking_number = s.tracking_number
    LEFT JOIN {order_source} AS o ON o.order_id = s.order_id
    """


#: Columns of a shipments file that judging parses in every row with the loaders' own
#: functions (a fault there stops the fast path), so they need no check in SQL.
PARSED_BY_JUDGE = ("shipped_at", "promised_by", "carrier_edd", "delivered_at")


def _file_checks_sql(relation: FileRelation, key: str, *, besides: tuple[str, ...] = ()) -> str:
    """Rows of a shipments or orders file outside the fast path, and repeated keys."""
    return (
        f"SELECT count(*) FILTER ({relation.problem(besides=besides)}), "
        f"count(*) - count(DISTINCT {key}) FROM {relation.source}"
    )


# -- folding and checking --------------------------------------------------------------


def _connect(
    timezone_name: str,
    spill: str,
    relations: Mapping[str, FileRelation],
    threads: int | None = None,
):
    import duckdb

    ndjson = any(relation.kind == "ndjson" for relation in relations.values())
    connection = duckdb.connect(
        config={
            "memory_limit": f"{MEMORY_LIMIT_MB + (NDJSON_EXTRA_MB if ndjson else 0)}MB",
            "temp_directory": spill,
            "threads": threads or _processes(),
        }
    )
    connection.execute(f"SET TimeZone = {sql_text(timezone_name)}")
    return connection


def check_files_sql(connection, relations: Mapping[str, FileRelation]) -> None:
    """Hold the shipments and orders files against the contract (:class:`Declined` if not)."""
    shipments, orders = relations["shipments"], relations.get("orders")
    for relation, key, besides in (
        (shipments, "shipment_id", PARSED_BY_JUDGE),
        (orders, "order_id", ()),
    ):
        if relation is not None:
            sql = _file_checks_sql(relation, relation.cell(key), besides=besides)
            bad, repeated = connection.execute(sql).fetchone()
            if bad or repeated:
                raise Declined(f"{relation.path}: rows for the loaders to check")


def _year(micros: int) -> int:
    return (EPOCH + timedelta(microseconds=micros)).year


# -- judging ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Judging:
    """What judging needs besides the rows (forked processes inherit it)."""

    timezone_name: str
    builder: FactsBuilder
    policy: ThresholdPolicy
    now: datetime
    filters: Filters
    report_options: dict[str, Any]

    def judge(self) -> RowJudge:
        return RowJudge(
            timezone_name=self.timezone_name,
            builder=self.builder,
            policy=self.policy,
            now=self.now,
            filters=self.filters,
        )


_WORKER_JUDGE: tuple[Judging, RowJudge] | None = None


def _start_worker(judging: Judging) -> None:
    global _WORKER_JUDGE
    _WORKER_JUDGE = (judging, judging.judge())


def _judge_batch(rows: list[tuple]) -> tuple[Report, EventNotes]:
    """Judge one batch of rows in a forked process; its report goes back to the parent."""
    assert _WORKER_JUDGE is not None
    judging, judge = _WORKER_JUDGE
    report = Report(**judging.report_options)
    return report, judge.judge([rows], report)


def _processes() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES))


class Judges:
    """Judges batches of rows in this process and in forked ones.

    The processes are forked when this is built, before DuckDB starts its
    threads. Each batch goes to an idle forked process; when they are all
    busy, this process judges it itself, so the work balances and at most a
    few batches wait in pipes.
    """

    def __init__(self, judging: Judging, processes: int):
        self.judging, self.local = judging, judging.judge()
        self.pool = None
        self.helpers = processes - 1
        if self.helpers > 0:
            context = multiprocessing.get_context("fork")
            self.pool = context.Pool(self.helpers, initializer=_start_worker, initargs=(judging,))

    def judge(self, batches: Iterable[list[tuple]], report: Report) -> EventNotes:
        """Judge every batch into ``report``; what the rows said about the events."""
        notes = EventNotes()
        pending: deque = deque()
        here = sent = 0

        def collect(result) -> None:
            part, part_notes = result.get()
            report.merge(part)
            notes.merge(part_notes)

        for rows in batches:
            while pending and pending[0].ready():
                collect(pending.popleft())
            if self.pool is not None and len(pending) < 2 * self.helpers:
                pending.append(self.pool.apply_async(_judge_batch, (rows,)))
                sent += 1
            else:
                notes.merge(self.local.judge([rows], report))
                here += 1
        for result in pending:
            collect(result)
        if sent:
            log.debug("sla: %d batches judged here, %d by forked processes", here, sent)
        return notes

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def _parallel(relations: Mapping[str, FileRelation], report: Report) -> int:
    """How many processes judge: one per CPU for large inputs, where forking is safe.

    Notifications need every verdict in this process: a check that keeps them
    is judged here alone.
    """
    size = sum(os.path.getsize(relation.path) for relation in relations.values())
    forkable = (
        sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    )
    if size < PARALLEL_MIN_BYTES or not forkable or report.keep_verdicts:
        return 1
    return _processes()


def check_files(
    files: Mapping[str, str],
    *,
    timezone_name: str,
    builder: FactsBuilder,
    policy: ThresholdPolicy,
    now: datetime,
    filters: Filters,
    report: Report,
    threads: int | None = None,
) -> Counter[tuple[str, str]]:
    """Judge the shipments of ``files`` into ``report``; return the unmapped codes' counts.

    ``threads`` caps DuckDB's threads (default: one per CPU, up to :data:`MAX_PROCESSES`):
    each holds hash tables of its own, so one thread needs less memory.

    ``files`` names the ``shipments``, ``tracking_events`` and (optional)
    ``orders`` files; ``builder`` holds the other reference data. Raises
    :class:`Declined` when the loaders must read the files instead: almost
    always before judging; if judging itself fails, ``report`` is half filled
    and must be dropped.
    """
    try:
        relations = {
            "shipments": file_relation(
                "shipments", files["shipments"], extras=("ship_to_country", "channel")
            ),
            "tracking_events": file_relation("tracking_events", files["tracking_events"]),
        }
        if files.get("orders"):
            relations["orders"] = file_relation("orders", files["orders"])
    except Declined:
        raise
    except Exception as error:
        raise Declined(str(error)) from None
    options = {
        "listed": report.listed,
        "show_all": report.show_all,
        "keep_verdicts": report.keep_verdicts,
    }
    judging = Judging(timezone_name, builder, policy, now, filters, options)
    judges = Judges(judging, _parallel(relations, report))
    try:
        with tempfile.TemporaryDirectory(prefix="opsctl-sla-") as spill:
            try:
                connection = _connect(timezone_name, spill, relations, threads)
            except Exception as error:  # an unknown timezone for ICU, a broken install...
                raise Declined(f"DuckDB: {error}") from None
            try:
                step = _Steps()
                check_files_sql(connection, relations)
                step.done("shipments and orders checked")
                # row_number() OVER () numbers the shipments in their file's order.
                connection.execute("SET preserve_insertion_order = true")
                result = connection.execute(_rows_sql(relations))
                step.done("events folded and joined")
                notes = judges.judge(iter(lambda: result.fetchmany(BATCH_ROWS), []), report)
                step.done("shipments judged")
                _check_notes(connection, notes, relations, timezone_name)
            except Declined:
                raise
            except OpsctlError as error:
                # A fault of the config (no calendar for a shipment, say): the loaders meet it
                # too, unless a bad row of the files comes first, which they alone can tell.
                raise Declined(f"{type(error).__name__}: {error}") from error
            except Exception as error:  # DuckDB's or a disagreement with the loaders: trust them
                unexpected = type(error).__name__ == "OutOfMemoryException"
                reason = f"{type(error).__name__}: {error}".splitlines()[0]
                raise Declined(reason, unexpected=unexpected) from error
            finally:
                connection.close()
    finally:
        judges.close()
    return notes.unmapped


class _Steps:
    """Logs how long each step of the fast path took (``-vv``)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        log.debug("sla: %s in %.1f s", what, now - self.started)
        self.started = now


def _check_notes(
    connection, notes: EventNotes, relations: Mapping[str, FileRelation], timezone_name: str
) -> None:
    """Decline when the events had rows to check, or times DuckDB may read differently."""
    if notes.faults:
        raise Declined(f"{relations['tracking_events'].path}: rows for the loaders to check")
    if notes.naive_span is not None:
        first, last = (_year(moment) for moment in notes.naive_span)
        if not zone_rules_agree(connection, timezone_name, first - 1, last + 1):
            raise Declined(f"DuckDB and Python disagree on {timezone_name} in {first}-{last}")
