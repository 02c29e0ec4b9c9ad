"""The values routing decides with: requests, sites, lanes, shipments, plans and decisions.

They are plain data. :mod:`opsctl.routing.network` builds sites and lanes from
the data files, :mod:`opsctl.routing.planner` builds shipments and plans, and
:mod:`opsctl.routing.allocator` turns requests into decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from opsctl.calendars import BusinessCalendar
    from opsctl.model import CarrierService, Location, Order, OrderLine
    from opsctl.routing.geo import Coordinates
    from opsctl.routing.rules import Rule

ROUTED, BACKORDERED, HELD = "routed", "backordered", "held"
CENT = Decimal("0.01")


class Item(NamedTuple):
    """Units of one order line in one shipment."""

    line_id: str
    sku: str
    quantity: int


@dataclass(slots=True, eq=False)
class Request:
    """An order as the router sees it: its lines, weight, value, promise and start."""

    order: Order
    lines: tuple[OrderLine, ...]
    #: Total weight in kg (a line without ``weight_kg`` weighs nothing).
    weight: Decimal
    #: Sum of quantity x unit price in the routing currency, worked out only when a rule
    #: has value criteria (else None).
    value: Decimal | None
    #: The last acceptable delivery day, or None when the order promises none.
    promise: date | None
    #: When the order can be processed: its placed time, or ``--as-of`` if later.
    start: datetime
    #: Where it goes, for distances; None when unknown.
    destination: Coordinates | None
    #: Units wanted per SKU (lines of the same SKU added up), in line order.
    units: tuple[tuple[str, int], ...] = ()
    #: The whole order as shipment items, in line order.
    items: tuple[Item, ...] = ()
    tags: tuple[str, ...] = ()
    #: Why the order is held without being routed (partly fulfilled, and the data does
    #: not say which units are left), or None.
    hold: str | None = None
    #: Memo of the planner: location id -> (local day at start, past the cutoff).
    clocks: dict[str, tuple[date, bool]] | None = None
    #: Memo of the planner: location id -> great-circle km (None: unknown).
    distances: dict[str, float | None] | None = None
    #: Memo of the planner: lane -> price of the order's :attr:`weight` (its currency's,
    #: the routing currency's).
    prices: dict[Lane, tuple[Decimal, Decimal]] | None = None
    #: ``order.order_id``, read as a plain attribute: a run reads it millions of times.
    order_id: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.order_id = self.order.order_id

    def column_values(self, column: str) -> list[Any]:
        """The values of ``column`` on the order, else on its lines (one-file exports)."""
        order = self.order
        if column in order.extra:
            return [order.extra[column]]
        if column != "extra" and hasattr(order, column):
            return [getattr(order, column)]
        return [line.extra[column] for line in self.lines if column in line.extra] or [None]

    @property
    def fair_key(self) -> tuple[Any, ...]:
        """Batch order: tightest promise first, then first placed, then order id."""
        return (self.promise or date.max, self.order.placed_at, self.order.order_id)


@dataclass(slots=True, eq=False)
class Site:
    """A location as the router sees it: its clock, calendar, capacity and channels."""

    location: Location
    location_id: str
    country: str
    zone: ZoneInfo
    calendar: BusinessCalendar
    cutoff: time
    handling_days: int
    #: Shipments a day; None means unlimited.
    capacity: int | None
    #: Channels served; empty means every channel.
    channels: frozenset[str]
    priority: int
    coordinates: Coordinates | None

    def serves(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


@dataclass(slots=True, eq=False)
class Lane:
    """A carrier service from a site's country to a destination country, with its rate card."""

    service: CarrierService
    carrier: str
    name: str
    pickup_days: frozenset[int]
    calendar: BusinessCalendar
    #: Business days of transit: the service's maximum, so a promise is never over-sold.
    transit_days: int
    saturday_delivery: bool
    base_cost: Decimal
    cost_per_kg: Decimal
    max_weight_kg: Decimal | None
    currency: str
    #: Value of one unit of :attr:`currency` in the routing currency.
    rate: Decimal

    @property
    def label(self) -> str:
        return f"{self.carrier}/{self.name}"

    def cost(self, weight: Decimal) -> Decimal:
        """The rate card's price for ``weight`` kg: base + per kg x weight, to the cent."""
        return (self.base_cost + self.cost_per_kg * weight).quantize(CENT)

    def carries(self, weight: Decimal) -> bool:
        return self.max_weight_kg is None or weight <= self.max_weight_kg


@dataclass(slots=True, eq=False)
class Shipment:
    """One parcel of a plan: from a site, with a lane, on a day, carrying items.

    Treated as immutable; not frozen only because a frozen dataclass costs twice as
    much to build, and the planner builds millions.
    """

    site: Site
    lane: Lane
    items: tuple[Item, ...]
    weight: Decimal
    #: The day it would leave were the site's capacity unlimited.
    earliest_ship_date: date
    ship_date: date
    delivery: date
    #: In the lane's currency.
    cost: Decimal
    #: In the routing currency, for comparing and adding up.
    cost_value: Decimal
    #: None when the order promises nothing.
    on_time: bool | None
    distance_km: float | None


@dataclass(slots=True, eq=False)
class Plan:
    """How an order would ship: one shipment, or several when it is split."""

    shipments: tuple[Shipment, ...]
    on_time: bool | None
    #: Total in the routing currency.
    cost: Decimal
    #: The day the last parcel arrives.
    delivery: date

    @classmethod
    def of(cls, shipments: tuple[Shipment, ...]) -> Plan:
        first = shipments[0]
        if len(shipments) == 1:
            return cls(shipments, first.on_time, first.cost_value, first.delivery)
        flags = [shipment.on_time for shipment in shipments]
        on_time = None if flags[0] is None else all(flags)
        return cls(
            shipments,
            on_time,
            sum((shipment.cost_value for shipment in shipments), Decimal(0)),
            max(shipment.delivery for shipment in shipments),
        )

    @property
    def split(self) -> bool:
        return len(self.shipments) > 1

    @property
    def late(self) -> bool:
        """The plan breaks the order's promise."""
        return self.on_time is False

    def describe(self) -> str:
        return " + ".join(f"{s.site.location_id} {s.lane.label}" for s in self.shipments)


class Shortage(NamedTuple):
    """A SKU an order cannot get: the units it needs and those available to it."""

    sku: str
    quantity: int
    available: int


@dataclass(slots=True, eq=False)
class Decision:
    """What routing did with one order."""

    request: Request
    status: str
    plan: Plan | None = None
    rule: Rule | None = None
    #: Why the order is backordered or held.
    reason: str | None = None
    short: tuple[Shortage, ...] = ()

    @property
    def order_id(self) -> str:
        return self.request.order_id

    @property
    def promise_kept(self) -> bool | None:
        """None without a promise; else whether the routing delivers by it."""
        if self.request.promise is None:
            return None
        return self.plan is not None and self.plan.on_time is True
