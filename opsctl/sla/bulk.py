"""The fast path of ``opsctl sla check`` over data files: DuckDB folds, Python judges.

Reading millions of tracking events through the loaders takes minutes and
gigabytes; this path lets DuckDB (an embedded SQL engine) read the files, in
bounded memory, and keeps every decision where it is:

1. **Check** the shipments and orders files against the data contract
   (:mod:`opsctl.sla.bulkfiles`): every value, the record checks, repeated
   keys.
2. **Fold** the events file, read once, into a table of one row per
   tracking number with the facts of a :class:`~opsctl.sla.timeline.Timeline`
   (first and last event and scan, first time the carrier reached the
   customer, delivery, latest status with the timeline's tie-break between
   events at the same instant, its reason, the counts; the status classes
   come from :mod:`opsctl.sla.timeline`), and with what the contract checks of
   the events need: rows outside the subset this path reads, repeated natural
   keys (each timeline's keys compared by hash, and the timelines where two
   may be equal compared value by value), times without an offset, unmapped
   codes.
3. **Join** each shipment, with its position in its file, to its timeline and
   its order; count the shipments surely delivered on time in SQL (when none
   of them is listed), with the destination's deadline from Python for those
   reached late on the promised day (:func:`settle_by_deadline`); stream the
   other rows to Python in batches.
4. **Judge.** Python turns each row back into the loaders' values
   (:mod:`opsctl.sla.bulkrows`), builds the shipment's facts with the same
   :class:`~opsctl.sla.facts.FactsBuilder` and gives them to
   :func:`opsctl.sla.engine.assess`, the one set of verdict rules. Only the
   summary counts and the listed rows are kept. For large files, processes
   forked before DuckDB starts (one per CPU, up to :data:`MAX_PROCESSES`)
   judge beside this one: the rows are written once to a Parquet file
   (:class:`RowsFile`) and each process reads its share, so no row is
   pickled from one process to another.

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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opsctl.errors import OpsctlError
from opsctl.model.types import EPOCH, micros
from opsctl.sla import ENGINE_VARIABLE
from opsctl.sla.bulkfiles import (
    TIMESTAMP_PATTERN,
    Declined,
    FileRelation,
    date_check,
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
    RowJudge,
)
from opsctl.sla.check import Filters, Report
from opsctl.sla.engine import REASON_SHOWN, Verdict
from opsctl.sla.facts import FactsBuilder
from opsctl.sla.thresholds import ThresholdPolicy
from opsctl.sla.timeline import CARRIER_SCANS, REACHED_CUSTOMER, STAGE_RANK
from opsctl.tracking import TrackingStatus

__all__ = ["ENGINE_VARIABLE", "Declined", "check_files", "wanted"]

#: DuckDB's memory budget (MB) while folding and joining; beyond it, it spills to disk
#: (folding with the keys of each timeline's events cannot: see :func:`fold_events_sql`).
MEMORY_LIMIT_MB = 384
#: More for reading NDJSON, whose reader holds larger buffers.
NDJSON_EXTRA_MB = 128
#: Rows fetched from DuckDB at a time.
BATCH_ROWS = 8192
#: Deliveries from which the forked processes share the work of their deadlines.
SHARED_DEADLINES_MIN = 8192
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


def _events_sql(events: FileRelation) -> str:
    """Each event with its instant, its status rank and what the contract checks need.

    ``moment`` is the instant in microseconds since the epoch (times without
    an offset in the config's timezone, as Python reads them), ``stage`` the
    status's tie-break rank (NULL for an unmapped raw code), ``zone`` the
    offset as written, ``bad`` true on a row outside the fast path's subset,
    ``naive`` true on a time without a UTC offset. DuckDB computes only the
    columns a query uses.
    """
    names = ", ".join(sql_text(status.value) for status in STATUSES_BY_RANK)
    pattern = f"regexp_full_match(occurred, '{TIMESTAMP_PATTERN}')"
    shaped = f"{pattern} AND NOT starts_with(occurred, '0000')"
    return f"""
        SELECT *,
            other_bad OR NOT coalesce({shaped} AND instant IS NOT NULL, false)
                OR (status IS NOT NULL AND stage IS NULL) AS bad
        FROM (
            SELECT *, {epoch_micros("occurred", "instant", "naive")} AS moment
            FROM (
                SELECT *,
                    TRY_CAST(occurred AS TIMESTAMPTZ) AS instant,
                    NOT {has_offset("occurred")} AS naive,
                    substr(occurred, -6) AS zone,
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
    """


#: Bits of the hash of an event's natural key kept per event while folding (at most 32).
#: Two events of one timeline whose keys share these bits send it to an exact check.
KEY_HASH_BITS = 32
#: The table of folded timelines (:func:`_fold_sql`), one row per tracking number.
TIMELINES = "timelines"
#: Its columns that only the contract checks of :func:`fold_events_sql` read.
CHECK_COLUMNS = ("bad", "suspect", "naive", "codes")


def _fold_sql(events: FileRelation, *, keys: bool = True) -> str:
    """One row per tracking number with the facts of its :class:`Timeline` and the
    contract checks of its events, from one read of the events file.

    The facts: first and last event and scan, first time the carrier reached
    the customer, delivery, latest status with the timeline's tie-break between
    events at the same instant (packed with its rank), its reason where a
    verdict shows it (:data:`REASON_SHOWN`: kept for those events alone, the
    arg_max holds no text for the others), the counts.
    The checks: ``bad`` counts the rows outside the fast path's subset;
    ``suspect`` is true when two of the timeline's events may share their
    natural key (carrier, instant, raw code or status; the tracking number is
    the group's), compared by :data:`KEY_HASH_BITS` bits of its hash, which
    :func:`fold_events_sql` confirms exactly; ``naive`` is true when it has a
    time without an offset (a flag costs less memory than their span, which
    its first and last events bound); ``codes`` lists the (carrier, raw code)
    of its events whose raw code maps to no status. Without ``keys``, no
    timeline is a suspect and :func:`_all_repeated_sql` must check the file.
    """
    latest = f"moment * {RANKS} + stage"
    key = "hash(carrier, moment, coalesce(raw_code, status))"
    key_bits = f"({key} % {1 << KEY_HASH_BITS})::UINTEGER"
    keys_sql = f"list({key_bits})" if keys else "NULL::UINTEGER[]"
    shown = _ranks(REASON_SHOWN)
    # Events of one instant and stage give their reason in (carrier, code) order, as
    # Timeline.latest_tie has it: the key is the packed latest (made positive, so that its
    # digits sort as it does), the carrier, NUL (below any character of a name), the code.
    # A text key costs less than a struct's (0.2 s on the 1M benchmark's fold).
    tie = (
        f"CASE WHEN stage IN ({shown}) THEN lpad(({latest} + {1 << 62})::VARCHAR, 20, '0') "
        "|| carrier || chr(0) || coalesce(raw_code, status) END"
    )
    # The latest status's rank, also for instants before 1970 (% keeps the sign).
    return f"""
    SELECT * EXCLUDE (keys, latest_reason),
        CASE WHEN (latest % {RANKS} + {RANKS}) % {RANKS} IN ({shown}) THEN latest_reason END
            AS latest_reason,
        coalesce(len(list_distinct(keys)) < events, false) AS suspect
    FROM (
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
            arg_max_null(why, {tie}) FILTER (stage IN ({shown})) AS latest_reason,
            count(*) FILTER (bad) AS bad,
            {keys_sql} AS keys,
            bool_or(naive) AS naive,
            list([carrier, coalesce(raw_code, '')]) FILTER (stage IS NULL) AS codes
        FROM ({_events_sql(events)})
        GROUP BY tracking_number
    )
    """


def _repeated_sql(events: FileRelation) -> str:
    """How many events of the suspect timelines (see :func:`_fold_sql`) repeat another
    event's natural key, compared value by value."""
    return f"""
    SELECT coalesce(sum(n - 1), 0) FROM (
        SELECT count(*) AS n
        FROM ({_events_sql(events)})
        WHERE tracking_number IN (SELECT tracking_number FROM {TIMELINES} WHERE suspect)
        GROUP BY tracking_number, carrier, moment, coalesce(raw_code, status)
    ) WHERE n > 1
    """


def _all_repeated_sql(events: FileRelation) -> str:
    """How many events repeat another event's natural key, over the whole file, compared
    by hash (a collision only costs a slower run)."""
    key = "hash(tracking_number, carrier, moment, coalesce(raw_code, status))"
    return f"SELECT count(*) - count(DISTINCT {key}) FROM ({_events_sql(events)})"


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


#: The latest earliest end of a day, after midnight UTC: no zone is ahead of UTC by more
#: than 14 hours, so a day ends nowhere before 10:00 UTC (fixed offsets in zoneinfo
#: reach +14:00, Pacific/Kiritimati; local mean times before 1900 went further).
DAY_ENDS_NOT_BEFORE_UTC_HOURS = 10
#: And a day has ended everywhere by 12:00 UTC the next day (UTC-12); with a margin, as
#: rows within it are only settled by the exact test of :func:`settle_by_deadline`.
DAY_ENDS_BY_UTC_HOURS = 38


@dataclass(frozen=True)
class ScopeBounds:
    """The instants (microseconds since the epoch) a domestic or an international
    shipment's last events must follow to be surely ``on_track`` (see :func:`track_bounds`)."""

    #: A last scan at or after this instant is on a local date fewer than the scope's
    #: least stalled-in-transit limit of days before today, in every timezone.
    scanned_since_us: int
    #: A last event after this instant is more recent than the scope's least lost limit.
    heard_since_us: int

    def sql(self) -> str:
        """SQL true on a joined shipment whose last events follow these bounds."""
        return f"(t.last_event > {self.heard_since_us} AND t.last_scan >= {self.scanned_since_us})"


@dataclass(frozen=True)
class TrackBounds:
    """What settles a shipment surely ``on_track`` in SQL for one check (see
    :func:`_settle_sql`): "now", and the bounds of each scope (None where a limit of
    0 days leaves no shipment of that scope surely on track)."""

    #: The check's "now": a promise date whose day ends after it everywhere is not passed.
    now_us: int
    domestic: ScopeBounds | None
    international: ScopeBounds | None


def track_bounds(now: datetime, policy: ThresholdPolicy) -> TrackBounds | None:
    """The :class:`TrackBounds` of a check at ``now`` under ``policy``; ``None`` when
    limits of 0 days leave no shipment surely on track.

    A scan is quiet for ``business_days_between(its local date, today)`` days, at
    most the calendar days between those dates: with the least stalled limit
    ``n`` of a scope (domestic or international, in the defaults or any
    override), a last scan on or after today minus ``n - 1`` days, in its
    destination's zone, is not stalled. That zone is not known in SQL, so the
    bound is the latest start of that day over every timezone Python knows
    (the start being the instant after :func:`~opsctl.calendars.end_of_day` of
    the day before, as the engine counts days; local dates never run backwards).
    """
    from zoneinfo import ZoneInfo, available_timezones

    from opsctl.calendars import end_of_day, local_date

    zones = []
    for name in sorted(available_timezones() | {"UTC"}):
        try:
            zones.append(ZoneInfo(name))
        except (ValueError, OSError):  # a name the local database lists but cannot read
            continue

    def scope(kind: str) -> ScopeBounds | None:
        stalled = policy.least(f"stalled_transit_days_{kind}")
        lost = policy.least(f"lost_days_{kind}")
        if stalled < 1 or lost < 1:
            return None
        starts = (
            end_of_day(local_date(now, zone) - timedelta(days=stalled), zone) for zone in zones
        )
        return ScopeBounds(
            scanned_since_us=max(micros(start + timedelta(microseconds=1)) for start in starts),
            heard_since_us=micros(now - timedelta(days=lost)),
        )

    domestic, international = scope("domestic"), scope("international")
    if domestic is None and international is None:
        return None
    return TrackBounds(micros(now), domestic, international)


def _settle_sql(
    track: TrackBounds | None = None, origins: Mapping[str, str] | None = None
) -> tuple[str, str, str]:
    """SQL ``(columns, settled, reach)`` of a joined shipment, from the one rule of
    :func:`~opsctl.sla.engine.assess` that decides a delivery alone.

    ``columns`` are computed once per row, in the join (``settle_reached``,
    ``settle_day``); ``settled`` and ``reach`` read them, a level up.

    ``settled`` is true on a shipment that is surely ``delivered_on_time``,
    decided where it needs no timezone and no calendar: the carrier's latest
    status is not cancelled or returning to sender; the carrier reached the
    customer (delivered, or a first attempt or pickup point before the
    delivery or with the parcel at a pickup point); the promise is a date; and
    that first reach came before the promised day ended in every timezone
    there is. The values judging would parse for these rows are checked here
    instead (``unchecked``).

    ``reach`` is that first reach (microseconds since the epoch) of a shipment
    that meets the same conditions but reached the customer while the promised
    day may not have ended yet at its destination: :func:`settle_by_deadline`
    settles it with the destination's own deadline. NULL on every other row
    (later reaches, promises by a time or from transit days, times without an
    offset), which Python judges.

    With ``track``, ``columns`` also has ``settle_track``: true on a shipment
    that is surely ``on_track`` at ``track.now_us``, decided without a timezone
    or a calendar, each rule of :func:`~opsctl.sla.engine.assess` before
    ``on_track`` ruled out: its latest status is picked up, in transit or out
    for delivery (not cancelled, returning, a failed attempt or an exception);
    the carrier has not reached the customer and nobody says it delivered; it
    has been scanned; its last event is more recent than the least lost limit
    and its last scan is not stalled (:func:`track_bounds`), each of its scope:
    international when the country of its location (in ``origins``) and its
    destination's are known and differ, as its facts have it (within the bounds of
    both scopes with more than :data:`MAX_ORIGINS_IN_SQL` locations); its promise is a
    date whose day ends after "now" everywhere (10:00 UTC that day at the
    earliest), so not passed; and the carrier's EDD is a date not after the
    promise, so the expected delivery (that EDD) is not at risk.
    """

    def rank(status: TrackingStatus) -> int:
        return STAGE_RANK[status]

    delivered = "coalesce(t.delivered, s.delivered_us)"
    reached = f"least(t.reached, {delivered})"
    promise = "coalesce(s.promised_by, o.promised_by)"
    status = f"(t.latest % {RANKS})"
    delivery = f"""
        NOT s.unchecked
        AND (s.delivered_at IS NULL OR {has_offset("s.delivered_at")})
        AND (t.latest IS NULL OR (t.latest >= 0
            AND {status} NOT IN ({rank(S.CANCELLED)}, {rank(S.RETURN_TO_SENDER)})))
        AND {reached} IS NOT NULL
        AND ({delivered} IS NOT NULL OR {status} = {rank(S.AVAILABLE_FOR_PICKUP)})
        AND coalesce({date_check(promise)}, false)
        AND {promise} >= '1900-01-01'"""
    hour = 3_600_000_000
    # The promised day's midnight UTC (microseconds), on the rows that meet the conditions.
    columns = f"""{reached} AS settle_reached,
        CASE WHEN {delivery} THEN epoch_us(CAST({promise} AS DATE)) END
            AS settle_day"""
    if track is not None:
        domestic, international = (
            "false" if scope is None else scope.sql()
            for scope in (track.domestic, track.international)
        )
        crossing = _international_sql(origins or {})
        if crossing is None:  # either scope: within both bounds
            scoped = f"({domestic} AND {international})"
        else:
            scoped = f"CASE WHEN {crossing} THEN {international} ELSE {domestic} END"
        flying = ", ".join(str(rank(st)) for st in (S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY))
        columns += f""",
        coalesce(NOT s.unchecked
            AND t.latest >= 0 AND {status} IN ({flying})
            AND t.reached IS NULL AND t.delivered IS NULL AND s.delivered_at IS NULL
            AND t.first_scan IS NOT NULL
            AND {scoped}
            AND {date_check(promise)} AND {promise} >= '1900-01-01'
            AND {track.now_us} < epoch_us(CAST({promise} AS DATE))
                + {DAY_ENDS_NOT_BEFORE_UTC_HOURS * hour}
            AND {date_check("s.carrier_edd")} AND s.carrier_edd <= {promise}, false)
            AS settle_track"""
    ended_nowhere = f"settle_day + {DAY_ENDS_NOT_BEFORE_UTC_HOURS * hour}"
    ended_everywhere = f"settle_day + {DAY_ENDS_BY_UTC_HOURS * hour}"
    settled = f"coalesce(settle_reached < {ended_nowhere}, false)"
    reach = f"""CASE WHEN settle_reached >= {ended_nowhere}
            AND settle_reached < {ended_everywhere} THEN settle_reached END"""
    return columns, settled, reach


#: The most locations whose country the SQL looks up, one CASE branch each: 64 cost
#: nothing on the 1M benchmark's join, 2,000 a second. With more, a shipment settles
#: on track only within the bounds of both scopes.
MAX_ORIGINS_IN_SQL = 256


def _international_sql(origins: Mapping[str, str]) -> str | None:
    """SQL true on a joined shipment that crosses a border, as
    :meth:`~opsctl.sla.facts.FactsBuilder.assemble` tells: its location's country (from
    ``origins``) and its destination's (the order's, else the shipment's) are known
    and differ; None when there are too many locations (:data:`MAX_ORIGINS_IN_SQL`)."""
    known = {location: country for location, country in origins.items() if country}
    if not known:
        return "false"
    if len(known) > MAX_ORIGINS_IN_SQL:
        return None
    cases = " ".join(f"WHEN {sql_text(k)} THEN {sql_text(v)}" for k, v in sorted(known.items()))
    destination = "coalesce(o.ship_to_country, nullif(s.ship_to_country, ''))"
    return f"coalesce((CASE s.location_id {cases} END) <> {destination}, false)"


#: The rows of the table ``joined`` (see :func:`_joined_sql`) that
#: :func:`settle_by_deadline` decides: ``rowid``, ``reach``, then the arguments of
#: :meth:`RowJudge.promise_deadline_us`.
REACHED_SQL = """
    SELECT rowid, reach, profile_order_country, ship_to_latitude, ship_to_longitude,
        profile_channel IS NOT NULL, profile_ship_to_country,
        coalesce(promised_by, order_promised_by)
    FROM joined WHERE reach IS NOT NULL
"""


#: The rows of ``joined`` settled in SQL or by :func:`settle_by_deadline`: those with a
#: ``reach`` are settled unless they are in the table ``late`` (usually a few), which
#: costs less than marking the others one by one (0.10 s for 113,000 rows).
SETTLED_SQL = "(settled OR (reach IS NOT NULL AND rowid NOT IN (SELECT id FROM late)))"


def settle_by_deadline(connection, judges: Judges) -> int:
    """Settle the rows of ``joined`` whose ``reach`` came by the end of the promised day
    at their destination (:meth:`RowJudge.promise_deadline_us`, the code and zone
    judging uses); return how many. Python's work, shared by the judging processes.
    The others are kept in the table ``late``, read by :data:`SETTLED_SQL`."""
    rows = connection.execute(REACHED_SQL).fetchall()
    on_time = set(judges.on_time_by_deadline(rows))
    late = [row[0] for row in rows if row[0] not in on_time]
    connection.execute("CREATE TEMP TABLE late AS SELECT unnest($1::BIGINT[]) AS id", [late])
    return len(on_time)


#: The columns of a shipment's profile in the joined rows.
PROFILE_SQL = ", ".join(f"profile_{name}" for name in PROFILE_COLUMNS)


def _joined_sql(
    relations: Mapping[str, FileRelation],
    track: TrackBounds | None = None,
    origins: Mapping[str, str] | None = None,
) -> str:
    """Each shipment with its timeline and its order: :data:`ROW_COLUMNS` but ``position``,
    with each column of the ``profile`` as ``profile_NAME``, ``settled`` and ``on_track``
    (settled as surely on track, with ``track`` and the ``origins`` of each location;
    see :func:`_settle_sql`).
    :func:`_rows_sql` selects the rows to judge from it.

    No column depends on the order of the rows, so DuckDB joins on every thread."""
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
        "shipment_id": "s.shipment_id",
        "order_id": "s.order_id",
        "tracking_number": "s.tracking_number",
        "ship_to_latitude": "TRY_CAST(o.ship_to_latitude AS DOUBLE)",
        "ship_to_longitude": "TRY_CAST(o.ship_to_longitude AS DOUBLE)",
        "shipped_at": "s.shipped_at",
        "delivered_at": "s.delivered_at",
        "placed_at": "o.placed_at",
        "promised_by": "s.promised_by",
        "carrier_edd": "s.carrier_edd",
        "order_promised_by": "o.promised_by",
    }

    def column(name: str) -> str:
        return f"{columns.get(name, 't.' + name)} AS {name}"

    settle_columns, settled, reach = _settle_sql(track, origins)
    if track is None:
        settled_columns = f"{settled} AS settled, false AS on_track"
    else:
        settled_columns = f"{settled} OR settle_track AS settled, settle_track AS on_track"
    selected = ", ".join(
        [f"{profile[name]} AS profile_{name}" for name in PROFILE_COLUMNS]
        + [column(name) for name in ROW_COLUMNS if name not in ("position", "profile")]
    )
    # The shipment's cells are checked by then, so its delivery time reads as in Python.
    delivered_us = epoch_micros(shipments.cell("delivered_at"))
    return f"""
    SELECT * EXCLUDE (settle_reached, settle_day{", settle_track" if track else ""}),
        {reach} AS reach, {settled_columns}
    FROM (
    SELECT {selected}, {settle_columns}
    FROM (
        SELECT {shipment_cells},
            {delivered_us} AS delivered_us,
            {shipments.problem(only=PARSED_BY_JUDGE)} AS unchecked
        FROM {shipments.source}
    ) AS s
    LEFT JOIN {TIMELINES} AS t ON t.tracking_number = s.tracking_number
    LEFT JOIN {order_source} AS o ON o.order_id = s.order_id
    )
    """


def _settling_sql(joined: str) -> str:
    """The ``joined`` relation (see :func:`_joined_sql`) as kept for settling: a row
    settled in SQL keeps only its profile, all that counting it needs, and NULL in its
    other columns, so the table's text (ids, timestamps, reasons) takes no memory for
    the 968,000 such rows of the 1M benchmark and spills less."""
    kept = {f"profile_{name}" for name in PROFILE_COLUMNS} | {"settled", "reach", "on_track"}
    names = [f"profile_{name}" for name in PROFILE_COLUMNS] + [
        name for name in ROW_COLUMNS if name not in ("position", "profile")
    ]
    columns = ", ".join(
        name if name in kept else f"CASE WHEN settled THEN NULL ELSE {name} END AS {name}"
        for name in [*names, "reach", "settled", "on_track"]
    )
    return f"SELECT {columns} FROM {joined}"


def _rows_sql(joined: str) -> str:
    """The rows of :data:`ROW_COLUMNS` of the ``joined`` relation (see :func:`_joined_sql`),
    each with its position in the shipments file (from ``shipment_ids``)."""
    columns = (
        "i.rowid + 1 AS position"
        if name == "position"
        else f"to_json([{PROFILE_SQL}]) AS profile"
        if name == "profile"
        else f"j.{name}"
        for name in ROW_COLUMNS
    )
    return (
        f"SELECT {', '.join(columns)} FROM {joined} AS j "
        "JOIN shipment_ids AS i ON i.shipment_id = j.shipment_id"
    )


#: Columns of a shipments file that judging parses in every row it judges with the
#: loaders' own functions (a fault there stops the fast path), so the file check skips
#: them; rows settled in SQL are checked by :func:`_settle_sql` instead.
PARSED_BY_JUDGE = ("shipped_at", "promised_by", "carrier_edd", "delivered_at")


def _file_checks_sql(relation: FileRelation, key: str) -> str:
    """Rows of an orders file outside the fast path, and repeated keys."""
    return (
        f"SELECT count(*) FILTER ({relation.problem()}), "
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
    """Hold the shipments and orders files against the contract (:class:`Declined` if not).

    The shipment ids are kept in the table ``shipment_ids`` in the file's order, so
    that a shipment's ``rowid`` there is its position in the file, which the joins
    need not keep.
    """
    shipments, orders = relations["shipments"], relations.get("orders")
    connection.execute("SET preserve_insertion_order = true")
    connection.execute(
        f"CREATE TEMP TABLE shipment_ids AS SELECT {shipments.cell('shipment_id')} AS "
        f"shipment_id, {shipments.problem(besides=PARSED_BY_JUDGE)} AS bad "
        f"FROM {shipments.source}"
    )
    connection.execute("SET preserve_insertion_order = false")
    checks = [
        (
            shipments,
            "SELECT count(*) FILTER (bad), count(*) - count(DISTINCT shipment_id) "
            "FROM shipment_ids",
        ),
    ]
    if orders is not None:
        checks.append((orders, _file_checks_sql(orders, orders.cell("order_id"))))
    for relation, sql in checks:
        bad, repeated = connection.execute(sql).fetchone()
        if bad or repeated:
            raise Declined(f"{relation.path}: rows for the loaders to check")


def fold_events_sql(
    connection, events: FileRelation, timezone_name: str
) -> Counter[tuple[str, str]]:
    """Fold the events file into the table :data:`TIMELINES` and hold it against the
    contract (:class:`Declined` if not); return the counts of its unmapped (carrier,
    raw code) pairs.

    The file is read once. The keys of each timeline's events must fit in
    memory: if they do not, the timelines are folded without them, which
    spills to disk, and the repeated keys are counted over the whole file, by
    hash (a collision only costs a slower run). Times without an offset are
    read in the config's timezone: DuckDB and Python must agree on its rules
    over the years of the timelines that have them.
    """
    import duckdb

    try:
        connection.execute(f"CREATE TEMP TABLE {TIMELINES} AS {_fold_sql(events)}")
        keyed = True
    except duckdb.OutOfMemoryException:
        log.debug("sla: out of memory folding with the events' keys: folding without")
        connection.execute(f"DROP TABLE IF EXISTS {TIMELINES}")
        connection.execute(f"CREATE TEMP TABLE {TIMELINES} AS {_fold_sql(events, keys=False)}")
        keyed = False
    bad, suspect, first_naive, last_naive = connection.execute(
        "SELECT sum(bad), count(*) FILTER (suspect), min(first_event) FILTER (naive), "
        f"max(last_event) FILTER (naive) FROM {TIMELINES}"
    ).fetchone()
    if suspect:
        log.debug("sla: %d timelines' event keys compared value by value", suspect)
    repeated_sql = _repeated_sql(events) if keyed else _all_repeated_sql(events)
    if bad or ((suspect or not keyed) and connection.execute(repeated_sql).fetchone()[0]):
        raise Declined(f"{events.path}: rows for the loaders to check")
    if first_naive is not None:
        first, last = _year(first_naive), _year(last_naive)
        if not zone_rules_agree(connection, timezone_name, first - 1, last + 1):
            raise Declined(f"DuckDB and Python disagree on {timezone_name} in {first}-{last}")
    unmapped = connection.execute(
        f"SELECT code[1], code[2], count(*) FROM (SELECT unnest(codes) AS code FROM {TIMELINES}"
        " WHERE codes IS NOT NULL) GROUP BY ALL"
    ).fetchall()
    for column in CHECK_COLUMNS:  # their memory, for the join
        connection.execute(f"ALTER TABLE {TIMELINES} DROP COLUMN {column}")
    return Counter({(carrier, code): count for carrier, code, count in unmapped})


def _year(instant_us: int) -> int:
    return (EPOCH + timedelta(microseconds=instant_us)).year


def _may_settle(filters: Filters, report: Report, verdict: Verdict) -> bool:
    """Whether shipments surely of ``verdict`` may be counted in SQL, unjudged: only when
    every shipment counts and none of them is listed or kept."""
    return not (filters.narrows or report.keep_verdicts or report.wants(verdict))


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


def _judge_share(path: str, share: int, shares: int) -> Report:
    """Judge one share of the rows in the file ``path`` (see :class:`RowsFile`) in a
    forked process, reading them itself; its report goes back to the parent."""
    assert _WORKER_JUDGE is not None
    judging, judge = _WORKER_JUDGE
    report = Report(**judging.report_options)
    with RowsFile.open() as connection:
        judge.judge(RowsFile.batches(connection, path, share, shares), report)
    return report


class RowsFile:
    """The rows to judge, written once to a Parquet file that every judging process
    reads its share of, so that no row is pickled from one process to another.

    Parquet rather than a DuckDB database file: DuckDB writes it on all its threads
    and it needs no checkpoint, which took a third of the database file's write."""

    #: DuckDB's memory budget (MB) in each process that reads the file.
    MEMORY_LIMIT_MB = 64
    #: Rows per Parquet row group: small groups are written sooner (0.4-0.5 s against
    #: 0.5-0.7 s for 155,000 rows with the default 122,880) and read as fast.
    ROW_GROUP_ROWS = 16384

    @classmethod
    def write(cls, connection, rows_sql: str, path: str) -> None:
        started = time.perf_counter()
        # Read once, by this run's processes: not worth compressing.
        connection.execute(
            f"COPY ({rows_sql}) TO {sql_text(path)} (FORMAT parquet, COMPRESSION uncompressed, "
            f"ROW_GROUP_SIZE {cls.ROW_GROUP_ROWS})"
        )
        log.debug("sla: rows to judge written in %.1f s", time.perf_counter() - started)

    @classmethod
    def open(cls):
        import duckdb

        return duckdb.connect(config={"threads": 1, "memory_limit": f"{cls.MEMORY_LIMIT_MB}MB"})

    @classmethod
    def batches(cls, connection, path: str, share: int, shares: int) -> Iterable[list[tuple]]:
        """The rows of ``share`` (of ``shares``) of the file ``path``, ``BATCH_ROWS`` at a
        time."""
        result = connection.execute(
            "SELECT * EXCLUDE (file_row_number) "
            f"FROM read_parquet({sql_text(path)}, file_row_number = true) "
            f"WHERE file_row_number % {shares} = {share}"
        )
        return iter(lambda: result.fetchmany(BATCH_ROWS), [])


def _processes() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES))


def _on_time_share(rows: list[tuple]) -> list[int]:
    """:meth:`RowJudge.on_time_by_deadline` in a forked process."""
    assert _WORKER_JUDGE is not None
    return _WORKER_JUDGE[1].on_time_by_deadline(rows)


def _look_up_terms(profiles: list[tuple]) -> int:
    """:meth:`RowJudge.look_up_terms` of each of ``profiles`` in a forked process; return
    how many."""
    assert _WORKER_JUDGE is not None
    for profile in profiles:
        _WORKER_JUDGE[1].look_up_terms(profile)
    return len(profiles)


class Judges:
    """Judges rows in this process and, for large inputs, in forked ones.

    The processes are forked when this is built, before DuckDB starts its
    threads. With them, the rows to judge are written to a :class:`RowsFile`
    and each process judges its share, reading it itself.
    """

    def __init__(self, judging: Judging, processes: int):
        self.judging, self.local = judging, judging.judge()
        self.pool = None
        self.lookups: list = []  # pending results of look_up_terms
        self.helpers = processes - 1
        if self.helpers > 0:
            context = multiprocessing.get_context("fork")
            self.pool = context.Pool(self.helpers, initializer=_start_worker, initargs=(judging,))

    def on_time_by_deadline(self, rows: list[tuple]) -> list[int]:
        """:meth:`RowJudge.on_time_by_deadline`, each process taking its share of ``rows``."""
        shares = self.helpers + 1
        if self.pool is None or len(rows) < SHARED_DEADLINES_MIN:
            return self.local.on_time_by_deadline(rows)
        pending = [
            self.pool.apply_async(_on_time_share, (rows[share::shares],))
            for share in range(1, shares)
        ]
        on_time = self.local.on_time_by_deadline(rows[::shares])
        for result in pending:
            on_time += result.get()
        log.debug("sla: destinations' deadlines in %d shares, one per process", shares)
        return on_time

    def look_up_terms(self, profiles: list[tuple]) -> None:
        """Have each forked process look up the terms of ``profiles`` (calendars, transit
        days), which this one knows from settling them, before it judges: it does so while
        this one writes the rows to judge, instead of in the course of judging."""
        if self.pool is not None:
            self.lookups = [
                self.pool.apply_async(_look_up_terms, (profiles,)) for _ in range(self.helpers)
            ]

    def judge_file(self, path: str, report: Report) -> None:
        """Judge the rows of the :class:`RowsFile` ``path`` into ``report``: each forked
        process reads and judges its share of them, this one the first share."""
        shares = self.helpers + 1
        assert self.pool is not None
        pending = [
            self.pool.apply_async(_judge_share, (path, share, shares)) for share in range(1, shares)
        ]
        with RowsFile.open() as connection:
            self.local.judge(RowsFile.batches(connection, path, 0, shares), report)
        for lookup in self.lookups:
            log.debug("sla: terms of %d settled profiles looked up before judging", lookup.get())
        for result in pending:
            report.merge(result.get())
        log.debug("sla: rows judged in %d shares, one per process", shares)

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
        "lines": report.line_format,
    }
    may_settle = _may_settle(filters, report, Verdict.DELIVERED_ON_TIME)
    track = None
    if may_settle and _may_settle(filters, report, Verdict.ON_TRACK):
        track = track_bounds(now, policy)
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
                unmapped = fold_events_sql(connection, relations["tracking_events"], timezone_name)
                step.done("events folded and checked")
                rows = f"({_joined_sql(relations, track, builder.origins)})"
                if may_settle:
                    connection.execute(f"CREATE TEMP TABLE joined AS {_settling_sql(rows)}")
                    connection.execute(f"DROP TABLE {TIMELINES}")  # its memory, for judging
                    started = time.perf_counter()
                    by_deadline = settle_by_deadline(connection, judges)
                    log.debug(
                        "sla: deliveries held to their destination's deadline in %.1f s",
                        time.perf_counter() - started,
                    )
                    rows = f"(SELECT * FROM joined WHERE NOT {SETTLED_SQL})"
                    settled = connection.execute(
                        f"SELECT [{PROFILE_SQL}], on_track, count(*) FROM joined "
                        f"WHERE {SETTLED_SQL} GROUP BY ALL"
                    ).fetchall()
                    for profile, on_track, shipments in settled:
                        judges.local.settle(profile, shipments, report, on_track=on_track)
                    judges.look_up_terms(list({tuple(profile) for profile, _, _ in settled}))
                    log.debug(
                        "sla: %d shipments settled in SQL, %d of them with their "
                        "destination's deadline, %d surely on track",
                        sum(n for _, _, n in settled),
                        by_deadline,
                        sum(n for _, on_track, n in settled if on_track),
                    )
                if judges.pool is None:
                    result = connection.execute(_rows_sql(rows))
                    step.done("shipments joined")
                    batches = iter(lambda: result.fetchmany(BATCH_ROWS), [])
                    judges.local.judge(batches, report)
                else:
                    path = os.path.join(spill, "rows.parquet")
                    RowsFile.write(connection, _rows_sql(rows), path)
                    connection.close()  # its memory, for judging
                    step.done("shipments joined")
                    judges.judge_file(path, report)
                step.done("shipments judged")
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
    return unmapped


def _peak_rss_mb() -> int:
    """This process's peak resident memory (MB), where the platform tells it."""
    try:
        import resource
    except ImportError:  # Windows has no resource module
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1 << 20) if sys.platform == "darwin" else peak // 1024


class _Steps:
    """Logs how long each step of the fast path took (``-vv``), the CPU time this
    process spent on it (DuckDB's threads included, forked processes not) and this
    process's peak resident memory so far."""

    def __init__(self) -> None:
        self.started, self.cpu = time.perf_counter(), time.process_time()

    def done(self, what: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        log.debug(
            "sla: %s in %.1f s (%.1f CPU-s; peak RSS %d MB)",
            what,
            now - self.started,
            cpu - self.cpu,
            _peak_rss_mb(),
        )
        self.started, self.cpu = now, cpu
