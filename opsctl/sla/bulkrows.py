"""Judging the rows of the fast path: DuckDB's values back into facts, timelines, verdicts.

Each row that :mod:`opsctl.sla.bulk` streams from DuckDB holds one shipment,
its order's columns and its folded events (see :data:`ROW_COLUMNS`).
:class:`RowJudge` turns each back into exactly the values the loaders would
have made (timestamps and deadlines are parsed from their text by the
loaders' own functions), builds the shipment's facts with
:meth:`~opsctl.sla.facts.FactsBuilder.assemble` and its
:class:`~opsctl.sla.timeline.Timeline`, and adds the verdict of
:func:`~opsctl.sla.engine.assess` to a :class:`~opsctl.sla.check.Report`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from opsctl.calendars import end_of_day
from opsctl.geo import timezone_for
from opsctl.model.types import EPOCH, micros, parse_deadline, parse_timestamp
from opsctl.sla.check import Filters, Report, ShipmentVerdict
from opsctl.sla.engine import Verdict, assess
from opsctl.sla.facts import FactsBuilder
from opsctl.sla.thresholds import ThresholdPolicy
from opsctl.sla.timeline import STAGE_RANK, Timeline
from opsctl.tracking import TrackingStatus

#: Statuses by their tie-break rank: the rank is packed into the key of the latest status.
STATUSES_BY_RANK = tuple(sorted(STAGE_RANK, key=STAGE_RANK.__getitem__))
#: ``latest = micros * RANKS + rank``: ranks are below 16.
RANKS = 16

#: The columns of a row, in order.
ROW_COLUMNS = (
    "position",
    "shipment_id",
    "order_id",
    "tracking_number",
    "profile",  # a JSON array of the columns many shipments share: see PROFILE_COLUMNS
    "ship_to_latitude",
    "ship_to_longitude",
    "shipped_at",
    "delivered_at",
    "placed_at",
    "promised_by",
    "carrier_edd",
    "order_promised_by",
    "events",
    "unmapped",
    "first_event",
    "last_event",
    "last_zone",
    "label",
    "first_scan",
    "last_scan",
    "reached",
    "delivered",
    "latest",
    "latest_reason",
)
#: The shipment's and order's columns in ``profile``.
PROFILE_COLUMNS = (
    "carrier",
    "service",
    "location_id",
    "ship_to_country",  # the shipment's own (extra) column
    "shipment_channel",  # the shipment's own (extra) column
    "channel",  # the order's
    "order_country",
)


class Decoder:
    """DuckDB's values back into the values the loaders would have made."""

    def __init__(self, timezone_name: str):
        self.zone: tzinfo = ZoneInfo(timezone_name)
        self.deadline = lru_cache(maxsize=4096)(self._deadline)
        self.suffix_zone = lru_cache(maxsize=4096)(self._suffix_zone)
        self.profile = lru_cache(maxsize=65536)(json.loads)

    def _deadline(self, text: str) -> date | datetime:
        return parse_deadline(text, self.zone)

    def _suffix_zone(self, suffix: str) -> tzinfo:
        """The zone of a checked timestamp, from its last six characters."""
        if suffix.endswith("Z"):
            return timezone.utc
        if suffix[0] in "+-":
            offset = timedelta(hours=int(suffix[1:3]), minutes=int(suffix[4:6]))
            return timezone(-offset if suffix[0] == "-" else offset)
        return self.zone  # no offset: the config's timezone

    def timestamp(self, text: str) -> datetime:
        return parse_timestamp(text, self.zone)


class FoldedTimeline(Timeline):
    """A read-only :class:`Timeline` of DuckDB's fold, its instants made datetimes when read.

    Most verdicts read two or three of a timeline's instants: the others stay
    microseconds since the epoch, and each reads as the UTC datetime of that
    instant, equal to the one the loaders' events would have given.
    ``last_event_at`` (which verdicts show) keeps the offset it was written with.
    """

    __slots__ = ("_instants",)

    def __init__(
        self,
        instants: tuple[int | None, ...],
        last_event_at: datetime,
        latest_status: TrackingStatus | None,
        latest_reason: str | None,
        events: int,
        unmapped: int,
    ):
        self._instants = instants
        self.last_event_at, self.latest_status, self.latest_reason = (
            last_event_at,
            latest_status,
            latest_reason,
        )
        self.events, self.unmapped = events, unmapped

    def add_status(self, *args: object, **kwargs: object) -> None:
        """Refused: a folded timeline takes no more events."""
        raise TypeError("a folded timeline is read-only")


#: The instants of a :class:`FoldedTimeline`, in the order of its ``instants``.
FOLDED_INSTANTS = (
    "first_event_at",
    "label_created_at",
    "first_scan_at",
    "last_scan_at",
    "reached_customer_at",
    "delivered_at",
    "latest_status_at",
)


def _instant(index: int, name: str) -> property:
    micro = timedelta(microseconds=1)

    def read(timeline: FoldedTimeline) -> datetime | None:
        micros = timeline._instants[index]
        return None if micros is None else EPOCH + micros * micro

    read.__name__ = name
    return property(read, doc=f"The timeline's ``{name}`` (UTC).")


for _index, _name in enumerate(FOLDED_INSTANTS):
    setattr(FoldedTimeline, _name, _instant(_index, _name))


class RowJudge:
    """Judges rows of :data:`ROW_COLUMNS` into a report."""

    def __init__(
        self,
        *,
        timezone_name: str,
        builder: FactsBuilder,
        policy: ThresholdPolicy,
        now: datetime,
        filters: Filters,
    ):
        self.decode = Decoder(timezone_name)
        self.builder, self.now, self.filters = builder, now, filters
        self.limits_for = lru_cache(maxsize=4096)(policy.for_shipment)
        self.deadline_us = lru_cache(maxsize=8192)(self._deadline_us)

    @staticmethod
    def _deadline_us(promise: date, zone: str) -> int:
        """The last microsecond of the promised day in ``zone``, since the epoch."""
        return micros(end_of_day(promise, zone))

    def promise_deadline_us(
        self,
        order_country: str | None,
        latitude: float | None,
        longitude: float | None,
        has_order: bool,
        ship_to_country: str | None,
        promise: str,
    ) -> int:
        """The end of the promised day ``promise`` (a date's text) at a shipment's
        destination, in microseconds since the epoch, from the columns of a row as
        :meth:`judge` reads them: the timezone is the one the facts of the shipment
        would have (:meth:`~opsctl.sla.facts.FactsBuilder.destination_zone` of the
        order's coordinates and country)."""
        zone = timezone_for(order_country, latitude, longitude) if has_order else None
        where = self.builder.destination_zone(zone, order_country or ship_to_country)
        return self.deadline_us(self.decode.deadline(promise), where)

    def on_time_by_deadline(self, rows: Iterable[tuple]) -> list[int]:
        """The ids of the ``rows`` (``id``, the first reach of the customer in
        microseconds, then the arguments of :meth:`promise_deadline_us`) whose reach
        came by the end of the promised day at their destination: :func:`assess`
        counts them delivered on time."""
        deadline = self.promise_deadline_us
        return [row_id for row_id, reach, *where in rows if reach <= deadline(*where)]

    def judge(self, batches: Iterable[Sequence[tuple]], report: Report) -> None:
        """Judge every row of every batch (``fetchmany`` results) into ``report``."""
        decode = self.decode
        deadline, timestamp, suffix_zone, profile_of = (
            decode.deadline,
            decode.timestamp,
            decode.suffix_zone,
            decode.profile,
        )
        now, assemble, keep = self.now, self.builder.assemble, self.filters.keep
        add, limits_for = report.add, self.limits_for
        statuses, epoch, micro = STATUSES_BY_RANK, EPOCH, timedelta(microseconds=1)
        empty = Timeline()
        for rows in batches:
            for (
                position,
                shipment_id,
                order_id,
                tracking_number,
                profile,
                latitude,
                longitude,
                shipped_at,
                delivered_at,
                placed_at,
                promised_by,
                carrier_edd,
                order_promised_by,
                events,
                unmapped,
                first_event,
                last_event,
                last_zone,
                label,
                first_scan,
                last_scan,
                reached,
                delivered,
                latest,
                latest_reason,
            ) in rows:
                carrier, service, location_id, ship_to_country, ship_channel, channel, country = (
                    profile_of(profile)
                )
                if channel is None:  # a required column of orders: the order is unknown
                    zone, placed, order_promise = None, None, None
                else:
                    zone = timezone_for(country, latitude, longitude)
                    placed = timestamp(placed_at)
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
                    ship_to_country,
                    ship_channel,
                    channel,
                    placed,
                    country,
                    zone,
                    order_promise,
                )
                if not keep(facts):
                    continue
                if events:
                    if latest is None:
                        status = latest_at = None
                    else:
                        latest_at, rank = divmod(latest, RANKS)
                        status = statuses[rank]
                    timeline = FoldedTimeline(
                        (first_event, label, first_scan, last_scan, reached, delivered, latest_at),
                        (epoch + last_event * micro).astimezone(suffix_zone(last_zone)),
                        status,
                        latest_reason,
                        events,
                        unmapped,
                    )
                else:
                    timeline = empty
                limits = limits_for(facts.carrier, facts.service, facts.channel)
                add(position, ShipmentVerdict(facts, assess(facts, timeline, limits, now)))

    def look_up_terms(self, profile: Sequence) -> None:
        """Look up the terms (calendar, transit days) of the service of one ``profile``
        (the values of :data:`PROFILE_COLUMNS`) as judging does, which caches them."""
        carrier, service, location_id, ship_to_country, _, _, country = profile
        origin = self.builder.origins.get(location_id) if location_id else None
        self.builder.terms(carrier, service, origin, country or ship_to_country)

    def settle(
        self, profile: Sequence, shipments: int, report: Report, *, on_track: bool = False
    ) -> None:
        """Count ``shipments`` shipments of one ``profile`` (the values of
        :data:`PROFILE_COLUMNS`) that SQL found surely delivered on time, or surely on
        track (see :func:`opsctl.sla.bulk._settle_sql`), as judging would have counted
        them: on time keeps its promise, on track has not been judged against it yet.

        Their service's terms are looked up as for a judged shipment, so a
        configuration fault (no calendar) surfaces the same way.
        """
        self.look_up_terms(profile)
        carrier, service, _, _, ship_channel, channel, _ = profile
        channel = channel if channel is not None else ship_channel
        if on_track:
            report.count(carrier, service, channel, Verdict.ON_TRACK, None, shipments)
        else:
            report.count(carrier, service, channel, Verdict.DELIVERED_ON_TIME, True, shipments)
