"""Tracking timelines: the scans a parcel gets from label to doorstep, and what goes wrong.

A timeline is planned in local days first (pickup day, transit days, holds, the
delivery day) and then filled with scans at plausible local hours: nothing
between midnight and 05:00, hub scans on any day but Sunday, doorstep events only
on the carrier's delivery days in the destination's calendar. Each shipment gets
one *scenario*; the generator records it in the ``demo_scenario`` column so tests
and docs can point at planted cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from opsctl.demo.calendars import (
    SUNDAY,
    Clock,
    add_working_days,
    first_working_day,
    weekday,
)
from opsctl.demo.catalogue import CarrierService, City, Location, crosses_customs, hubs

SCENARIO_SHARES: tuple[tuple[str, float], ...] = (
    ("late", 0.07),
    ("stalled_before_pickup", 0.015),
    ("stalled_in_transit", 0.015),
    ("lost", 0.004),
    ("failed_attempt", 0.03),
    ("returned_to_sender", 0.006),
    ("address_exception", 0.01),
)
CUSTOMS_HOLD_SHARE = 0.12
"""Share of parcels crossing a customs border that are held for documents or duties."""
UNMAPPED_CODE_SHARE = 0.006
"""Share of parcels that get one scan with a raw code the carrier tables do not map."""

_HOUR = 3600
_DELAY_REASONS = ("weather", "network_volume", "vehicle_breakdown")
_ATTEMPT_REASONS = ("recipient_not_home", "recipient_not_home", "no_safe_place", "business_closed")
_ADDRESS_REASONS = ("address_incomplete", "address_not_found", "house_number_missing")
_CUSTOMS_REASONS = ("customs_documents_required", "duties_unpaid", "customs_inspection")


def pick_scenario(rng: random.Random, customs: bool) -> str:
    """Draw the scenario of one shipment; ``on_time`` unless something is planted."""
    draw = rng.random()
    for scenario, share in SCENARIO_SHARES:
        if draw < share:
            return scenario
        draw -= share
    if customs and rng.random() < CUSTOMS_HOLD_SHARE:
        return "customs_hold"
    return "on_time"


@dataclass(frozen=True, slots=True)
class Lane:
    """Where a parcel goes and with which carrier service."""

    service: CarrierService
    origin: Location
    city: City
    dest_country: str


@dataclass(slots=True)
class Scan:
    """One planned tracking event; ``kind`` keys :data:`carrier_codes.EVENT_CODES`."""

    instant: int
    kind: str
    place: str
    zone: str
    reason: str = ""


@dataclass(slots=True)
class Timeline:
    """The scans of one parcel in time order, and the day the carrier first planned."""

    planned_delivery_day: int = 0
    scans: list[Scan] = field(default_factory=list)

    def add(self, instant: int, kind: str, place: str, zone: str, reason: str = "") -> int:
        """Append a scan, nudged to a minute after the previous one if it would not follow it."""
        if self.scans and instant <= self.scans[-1].instant:
            instant = self.scans[-1].instant + 60
        self.scans.append(Scan(instant, kind, place, zone, reason))
        return instant

    def delivered_at(self, as_of: int) -> int | None:
        """When the parcel reached the receiver, if it had by ``as_of``."""
        for scan in reversed(self.scans):
            if scan.kind in ("delivered", "collected") and scan.instant <= as_of:
                return scan.instant
        return None


class TimelinePlanner:
    """Plans the tracking timeline of a parcel for a scenario."""

    def __init__(self, rng: random.Random, clock: Clock) -> None:
        self._rng = rng
        self._clock = clock

    def _at(self, zone: str, day: int, earliest_hour: float, latest_hour: float) -> int:
        """A random instant on a local day between two local hours."""
        second = (earliest_hour + self._rng.random() * (latest_hour - earliest_hour)) * _HOUR
        return self._clock.instant(zone, day, int(second))

    def _before_midnight(self, zone: str, day: int, instant: int) -> int:
        """``instant``, or a time shortly before midnight of ``day`` if it would be later."""
        latest_second = 23 * _HOUR + 40 * 60 + int(self._rng.random() * 900)
        return min(instant, self._clock.instant(zone, day, latest_second))

    def _transit_days(self, service: CarrierService) -> int:
        """Working days in transit: mostly the fast end of the carrier's range."""
        spread = service.transit_days_max - service.transit_days_min + 1
        return service.transit_days_min + int(self._rng.random() ** 2 * spread)

    def plan(self, lane: Lane, label_at: int, handover: int, scenario: str) -> Timeline:
        """The scans of a parcel labelled at ``label_at`` and handed over at ``handover``."""
        rng, clock, service, origin = self._rng, self._clock, lane.service, lane.origin
        dest_calendar = lane.dest_country if lane.dest_country != "GB" else "GB-ENG"
        saturday = service.saturday_delivery
        customs = crosses_customs(origin.country, lane.dest_country)
        origin_place = f"{origin.city}, {origin.country}"
        dest_place, dest_zone = f"{lane.city.name}, {lane.dest_country}", lane.city.timezone
        origin_hubs = hubs(service.carrier, origin.country)
        dest_hubs = hubs(service.carrier, lane.dest_country)

        timeline = Timeline()
        timeline.add(label_at, "label", origin_place, origin.timezone)
        pickup_day = clock.local_day(origin.timezone, handover)
        if scenario == "stalled_before_pickup":
            pickup_day = first_working_day(origin.calendar, pickup_day + 3 + int(rng.random() * 5))
            pickup_at = self._at(origin.timezone, pickup_day, 15.5, 18.0)
        else:
            pickup_at = handover + int(rng.random() * 1800)
        transit = self._transit_days(service)
        timeline.planned_delivery_day = add_working_days(
            dest_calendar, pickup_day, transit, saturday
        )

        hub, hub_zone = origin_hubs[0]
        moment = timeline.add(pickup_at, "pickup", origin_place, origin.timezone)
        evening_scans = ["origin_scan", "depart"] + (["export"] if customs else [])
        if rng.random() < UNMAPPED_CODE_SHARE:
            evening_scans.insert(1, "unknown")
        for kind in evening_scans:
            moment = timeline.add(
                self._before_midnight(
                    hub_zone, pickup_day, moment + int((0.5 + rng.random() * 2.5) * _HOUR)
                ),
                kind,
                hub,
                hub_zone,
            )

        if scenario == "late":
            transit += 1 + int(rng.random() * 3)
        hold_days = 1 + int(rng.random() * 4) if scenario == "customs_hold" else 0
        stall_days = 4 + int(rng.random() * 6) if scenario == "stalled_in_transit" else 0
        delivery_day = add_working_days(dest_calendar, pickup_day, transit + hold_days, saturday)
        if stall_days:
            delivery_day = first_working_day(dest_calendar, delivery_day + stall_days, saturday)

        abroad = origin.country != lane.dest_country
        route = list(origin_hubs[1:]) + (list(dest_hubs) if abroad else [])
        route = route or list(origin_hubs)
        middle_days = [day for day in range(pickup_day + 1, delivery_day) if weekday(day) != SUNDAY]
        if stall_days:
            resume = pickup_day + 1 + stall_days
            middle_days = [day for day in middle_days if day <= pickup_day + 1 or day >= resume]
        if scenario == "lost":
            next_day = pickup_day + 1
            middle_days = middle_days[:1] or [next_day + (weekday(next_day) == SUNDAY)]
        held = self._middle_scans(
            timeline, middle_days, route, dest_hubs, customs, hold_days, scenario
        )
        if scenario == "lost":
            return timeline

        depot, depot_zone = dest_hubs[-1]
        if customs and not middle_days:
            timeline.add(self._at(depot_zone, delivery_day, 5.0, 5.5), "import", depot, depot_zone)
        if held or (customs and not middle_days):
            timeline.add(
                self._at(depot_zone, delivery_day, 5.5, 6.0), "customs_ok", depot, depot_zone
            )
        timeline.add(
            self._at(dest_zone, delivery_day, 5.0, 6.75), "arrive_dest", dest_place, dest_zone
        )
        self._last_mile(
            timeline,
            delivery_day,
            dest_place,
            dest_zone,
            dest_calendar,
            saturday,
            scenario,
            lane,
            origin_place,
        )
        return timeline

    def _middle_scans(
        self,
        timeline: Timeline,
        days: list[int],
        route: list[tuple[str, str]],
        dest_hubs: tuple[tuple[str, str], ...],
        customs: bool,
        hold_days: int,
        scenario: str,
    ) -> bool:
        """One hub scan a day between pickup and delivery; customs on the first day abroad.

        Returns whether a customs hold is still waiting for its release scan.
        """
        rng = self._rng
        delay_index = (
            int(rng.random() * len(days))
            if scenario == "late" and days and (rng.random() < 0.4)
            else -1
        )
        release_index = hold_days if hold_days else -1
        for index, day in enumerate(days):
            if customs:
                place, zone = dest_hubs[min(index, len(dest_hubs) - 1)]
            else:
                place, zone = route[min(index, len(route) - 1)]
            if customs and index == 0:
                moment = timeline.add(self._at(zone, day, 5.0, 9.0), "import", place, zone)
                if hold_days:
                    timeline.add(
                        moment + int((1 + rng.random() * 2) * _HOUR),
                        "customs_hold",
                        place,
                        zone,
                        _CUSTOMS_REASONS[int(rng.random() * 3)],
                    )
                else:
                    timeline.add(
                        moment + int((1 + rng.random() * 4) * _HOUR), "customs_ok", place, zone
                    )
                continue
            if 0 < index < release_index:
                continue
            if index == release_index:
                timeline.add(self._at(zone, day, 9.0, 15.0), "customs_ok", place, zone)
                continue
            kind = "arrive" if index % 2 == 0 else "depart"
            timeline.add(
                self._at(zone, day, 5.0, 11.0)
                if kind == "arrive"
                else self._at(zone, day, 13.0, 22.5),
                kind,
                place,
                zone,
            )
            if index == delay_index:
                timeline.add(
                    self._at(zone, day, 12.0, 16.0),
                    "delay",
                    place,
                    zone,
                    _DELAY_REASONS[int(rng.random() * 3)],
                )
        return bool(hold_days) and bool(days) and release_index >= len(days)

    def _last_mile(
        self,
        timeline: Timeline,
        day: int,
        place: str,
        zone: str,
        calendar: str,
        saturday: bool,
        scenario: str,
        lane: Lane,
        origin_place: str,
    ) -> None:
        """Out for delivery and what happens at the door."""
        rng = self._rng
        if scenario == "address_exception":
            timeline.add(
                self._at(zone, day, 8.0, 11.0),
                "address_issue",
                place,
                zone,
                _ADDRESS_REASONS[int(rng.random() * 3)],
            )
            day = add_working_days(calendar, day, 1 + int(rng.random() * 2), saturday)
            timeline.add(self._at(zone, day, 6.0, 6.9), "address_fixed", place, zone)
        out_at = timeline.add(self._at(zone, day, 7.0, 9.8), "ofd", place, zone)
        if scenario not in ("failed_attempt", "returned_to_sender"):
            delivered_at = out_at + int((0.6 + rng.random() * 9) * _HOUR)
            latest = self._clock.instant(zone, day, int(20.75 * _HOUR))
            timeline.add(min(delivered_at, latest), "delivered", place, zone)
            return
        reason = _ATTEMPT_REASONS[int(rng.random() * 4)]
        timeline.add(out_at + int((2 + rng.random() * 7) * _HOUR), "attempt", place, zone, reason)
        day = add_working_days(calendar, day, 1, saturday)
        if scenario == "failed_attempt" and rng.random() < 0.55:
            out_at = timeline.add(self._at(zone, day, 7.0, 9.8), "ofd", place, zone)
            timeline.add(out_at + int((0.6 + rng.random() * 8) * _HOUR), "delivered", place, zone)
            return
        if scenario == "returned_to_sender":
            out_at = timeline.add(self._at(zone, day, 7.0, 9.8), "ofd", place, zone)
            timeline.add(
                out_at + int((2 + rng.random() * 6) * _HOUR), "attempt", place, zone, reason
            )
            day = add_working_days(calendar, day, 1, saturday)
        pickup_point = f"Pickup point, {place}"
        timeline.add(self._at(zone, day, 9.0, 12.0), "pickup_point", pickup_point, zone)
        if scenario == "failed_attempt":
            if rng.random() < 0.8:
                day = self._not_sunday(day + 1 + int(rng.random() * 6))
                timeline.add(self._at(zone, day, 10.0, 19.0), "collected", pickup_point, zone)
            return
        day = self._not_sunday(day + 9 + int(rng.random() * 4))
        timeline.add(self._at(zone, day, 9.0, 12.0), "rts", pickup_point, zone, "not_collected")
        origin = lane.origin
        day = add_working_days(origin.calendar, day, 3 + int(rng.random() * 4))
        timeline.add(
            self._at(origin.timezone, day, 10.0, 16.0), "returned", origin_place, origin.timezone
        )

    @staticmethod
    def _not_sunday(day: int) -> int:
        return day + 1 if weekday(day) == SUNDAY else day
