"""``opsctl sla check --from-store`` by the short road: one stored row per shipment.

The store keeps each tracking number's events folded into the facts of a
:class:`~opsctl.sla.timeline.Timeline` (updated in the transaction that
writes the events: ``ingest``, ``track sync``), and gives each shipment with
its order's SLA facts and that timeline in one row
(:meth:`~opsctl.store.tracking.TrackingLedger.shipment_timelines`). This
module turns each row back into the values the store's records hold, builds
the facts with :meth:`~opsctl.sla.facts.FactsBuilder.assemble` and judges
them with :func:`~opsctl.sla.engine.assess`: the verdicts are those of
:func:`~opsctl.sla.check.run_check` over the stored records, without reading
every event back.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from opsctl.geo import timezone_for
from opsctl.model.types import micros
from opsctl.sla.check import Filters, Report, ShipmentVerdict, listed_values
from opsctl.sla.engine import assess, valid_until
from opsctl.sla.facts import FactsBuilder
from opsctl.sla.thresholds import ThresholdPolicy
from opsctl.sla.timeline import Timeline
from opsctl.store.verdicts import KeptVerdict
from opsctl.tracking import TrackingStatus

STATUSES = {status.value: status for status in TrackingStatus}


def _timestamp(text: str) -> datetime:
    """A stored timestamp (``...Z``), as the store's codec reads it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _deadline(text: str) -> date | datetime:
    return date.fromisoformat(text) if len(text) == 10 else _timestamp(text)


#: Shipments from which a forked process judges part of them beside this one.
PARALLEL_MIN_SHIPMENTS = 20_000
#: Where the forked process's part starts, in percent of the shipments.
HELPER_START = 50

log = logging.getLogger("opsctl.sla")


def check_store(
    store,
    *,
    builder: FactsBuilder,
    policy: ThresholdPolicy,
    now: datetime,
    filters: Filters,
    report: Report,
    basis: str | None = None,
) -> Counter[tuple[str, str]]:
    """Judge every stored shipment into ``report``; return the unmapped codes' counts.

    With ``basis`` (see :func:`opsctl.sla.verdictcache.basis`), verdicts kept by
    earlier checks that still hold are reused and the others judged and kept,
    when no filter narrows the check and ``report`` keeps no verdicts.

    ``builder`` holds the reference data but no orders: each row carries its order's.
    From :data:`PARALLEL_MIN_SHIPMENTS` shipments on (on Linux, with more than one
    CPU, without ``keep_verdicts``), a forked process judges the second half of them
    and sends its report back.
    """
    ledger = store.tracking_ledger()
    judge = _Judge(builder, policy, now, filters)
    if basis is not None and not (report.keep_verdicts or filters.narrows):
        from opsctl.sla.verdictcache import check_with_kept_verdicts

        check_with_kept_verdicts(store, judge, basis, now, report)
        return _unmapped(ledger)
    split = _split(store, ledger, report)
    if split is None:
        judge.judge(ledger.shipment_timelines(), 0, report)
    else:
        offset, boundary = split
        location = _own_connection_location(store)
        if location is None:
            # The helper's rows are read before forking: it never touches the store's connection.
            source = list(ledger.shipment_timelines(start=boundary))
        else:  # the helper reads its rows itself, through a connection of its own
            source = (location, boundary)
        helper = Helper(judge, source, offset, report)
        try:
            judge.judge(ledger.shipment_timelines(stop=boundary), 0, report)
            part = helper.result()
        finally:
            helper.close()
        if part is None:  # the helper failed: judge its half here
            judge.judge(ledger.shipment_timelines(start=boundary), offset, report)
        else:
            report.merge(part)
            log.debug("sla: %d shipments judged by a forked process", part.summary.total.shipments)
    return _unmapped(ledger)


def _unmapped(ledger) -> Counter[tuple[str, str]]:
    return Counter({(row.carrier, row.raw_code): row.events for row in ledger.unmapped_codes()})


def forkable() -> bool:
    """Whether a forked process can help judging here (Linux, more than one CPU)."""
    return (
        (os.cpu_count() or 1) > 1
        and sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _split(store, ledger, report: Report) -> tuple[int, str] | None:
    """Where a forked helper's half starts: ``(its first position, its first shipment id)``."""
    if report.keep_verdicts or not forkable():
        return None
    shipments = store.shipments.count()
    if shipments < PARALLEL_MIN_SHIPMENTS:
        return None
    # The helper reads and judges its rows while this process does the same with its own
    # (measured on 100,000 shipments: half each keeps the two busy about as long).
    offset = shipments * HELPER_START // 100
    boundary = ledger.shipment_at(offset)
    return None if boundary is None else (offset, boundary)


def _own_connection_location(store) -> str | None:
    """The file a forked helper can open to read its rows itself (committed data only),
    or ``None``: another backend, or a transaction in progress (whose writes only this
    connection sees)."""
    connection = getattr(store, "connection", None)
    location = getattr(store, "location", None)
    if connection is None or location is None or connection.in_transaction:
        return None
    store.refold_timelines()
    return location


@dataclass(frozen=True)
class KeptJob:
    """A helper's job in a check with kept verdicts: judge the rows without a kept verdict
    holding at ``now`` on ``basis``, positions by shipment id, and send the verdicts to keep
    with its report."""

    basis: str
    now: int


def _read_own_rows(location: str, start: str, job: KeptJob | None = None) -> list[tuple]:
    """In the forked helper: its rows, through a new connection (never the inherited one)."""
    from opsctl.store import open_store

    with open_store(location, create=False) as store:
        if job is not None:
            return list(
                store.sla_verdicts().shipment_timelines_to_judge(job.basis, job.now, start=start)
            )
        return list(store.tracking_ledger().shipment_timelines(start=start))


class Helper:
    """A forked process judging ``rows`` (positions from ``offset``) into a report of its own.

    ``rows`` are the rows themselves, or ``(store file, first shipment id)`` for the
    helper to read them itself. With a :class:`KeptJob`, its result is ``(report,
    verdicts to keep)``.
    """

    def __init__(
        self,
        judge: _Judge,
        rows: list | tuple[str, str],
        offset: int | None,
        report: Report,
        job: KeptJob | None = None,
    ):
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        options = {
            "listed": report.listed,
            "show_all": report.show_all,
            "keep_verdicts": report.keep_verdicts,
        }
        self.process = context.Process(
            target=_help, args=(sender, judge, rows, offset, options, job), daemon=True
        )
        self.process.start()
        sender.close()

    def result(self) -> Report | tuple[Report, list[KeptVerdict]] | None:
        try:
            part = self.receiver.recv()
        except (EOFError, OSError):
            part = None
        self.process.join()
        report = part[0] if isinstance(part, tuple) else part
        if not isinstance(report, Report) or self.process.exitcode != 0:
            log.debug("sla: the forked judge failed (%r); judging its half here", part)
            return None
        return part

    def close(self) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _help(
    sender,
    judge: _Judge,
    rows: list | tuple[str, str],
    offset: int | None,
    options,
    job: KeptJob | None,
) -> None:
    """The forked process: judge its rows, send the report back."""
    try:
        if isinstance(rows, tuple):
            rows = _read_own_rows(*rows, job)
        part = Report(**options)
        if job is None:
            judge.judge(rows, offset, part)
            sender.send(part)
        else:
            kept: list[KeptVerdict] = []
            judge.judge(rows, None, part, kept)
            sender.send((part, kept))
    except BaseException as error:  # the parent judges these rows itself
        sender.send(f"{type(error).__name__}: {error}")
    finally:
        sender.close()


class _Judge:
    """Judges rows of :data:`~opsctl.store.tracking.SHIPMENT_TIMELINE_COLUMNS` into a report."""

    def __init__(
        self, builder: FactsBuilder, policy: ThresholdPolicy, now: datetime, filters: Filters
    ):
        self.builder, self.now, self.filters = builder, now, filters
        self.limits_for = lru_cache(maxsize=4096)(policy.for_shipment)

    def judge(
        self,
        rows: Iterable[tuple],
        offset: int | None,
        report: Report,
        kept: list[KeptVerdict] | None = None,
    ) -> None:
        """Judge ``rows``, the first at position ``offset``, into ``report``.

        With ``offset`` ``None`` each row's position is its shipment id. With
        ``kept``, each verdict is also appended to it as the store keeps it,
        with the instant until which it holds.
        """
        judged_at = micros(self.now)
        add_listed = report.add_listed
        timestamp = lru_cache(maxsize=1 << 16)(_timestamp)
        deadline = lru_cache(maxsize=1 << 12)(_deadline)
        extra_of = lru_cache(maxsize=1024)(json.loads)
        assemble, keep, add, now = self.builder.assemble, self.filters.keep, report.add, self.now
        limits_for = self.limits_for
        empty = Timeline()
        for position, (
            shipment_id,
            order_id,
            carrier,
            service,
            tracking_number,
            location_id,
            shipped_at,
            promised_by,
            carrier_edd,
            delivered_at,
            extra,
            channel,
            placed_at,
            country,
            latitude,
            longitude,
            order_promised_by,
            events,
            unmapped,
            first_event_at,
            last_event_at,
            label_created_at,
            first_scan_at,
            last_scan_at,
            reached_customer_at,
            timeline_delivered_at,
            latest_status,
            latest_status_at,
            latest_reason,
        ) in enumerate(rows, offset or 0):
            extras = extra_of(extra) if extra else {}
            if channel is None:  # a required column of orders: the order is not stored
                placed, zone, order_promise = None, None, None
            else:
                placed = timestamp(placed_at)
                zone = timezone_for(country, latitude, longitude)
                order_promise = deadline(order_promised_by) if order_promised_by else None
            facts = assemble(
                shipment_id,
                order_id,
                carrier,
                service,
                tracking_number,
                location_id,
                timestamp(shipped_at) if shipped_at else None,
                deadline(promised_by) if promised_by else None,
                deadline(carrier_edd) if carrier_edd else None,
                timestamp(delivered_at) if delivered_at else None,
                extras.get("ship_to_country"),
                extras.get("channel"),
                channel,
                placed,
                country,
                zone,
                order_promise,
            )
            if not keep(facts):
                continue
            if events:
                timeline = Timeline(
                    timestamp(first_event_at),
                    timestamp(last_event_at),
                    timestamp(label_created_at) if label_created_at else None,
                    timestamp(first_scan_at) if first_scan_at else None,
                    timestamp(last_scan_at) if last_scan_at else None,
                    timestamp(reached_customer_at) if reached_customer_at else None,
                    timestamp(timeline_delivered_at) if timeline_delivered_at else None,
                    STATUSES[latest_status] if latest_status else None,
                    timestamp(latest_status_at) if latest_status_at else None,
                    latest_reason,
                    events,
                    unmapped,
                )
            else:
                timeline = empty
            limits = limits_for(facts.carrier, facts.service, facts.channel)
            assessment = assess(facts, timeline, limits, now)
            verdict = ShipmentVerdict(facts, assessment)
            if kept is None:
                add(shipment_id if offset is None else position, verdict)
                continue
            listed = listed_values(verdict.row_values())
            add_listed(shipment_id, verdict, listed)
            until = valid_until(facts, timeline, limits, now, assessment)
            kept.append(
                KeptVerdict(
                    shipment_id,
                    facts.carrier,
                    facts.service,
                    facts.channel,
                    assessment.verdict._value_,
                    assessment.promise_kept,
                    listed,
                    judged_at,
                    None if until is None else micros(until),
                )
            )
