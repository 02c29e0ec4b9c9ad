"""Which notifications an SLA check sends, once per change, never per scan.

Two streams (see :mod:`opsctl.notify`):

* **ops**: when a shipment's verdict changes to a breach (late, at risk,
  stalled, failed...), once per change. A shipment that recovers and breaks
  again is told again; a verdict that stays the same is told once.
* **customer**: the important stages only: ``shipped``, ``out_for_delivery``,
  ``delivered``, ``delayed``, ``exception``, each once per shipment. A parcel
  first seen already delivered gets "delivered" alone, not its history.

Each notifier keeps its own ledger in the state store, so a notifier that
failed is retried on the next run while the others are not repeated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from opsctl.notify import Notification
from opsctl.sla.check import ShipmentVerdict
from opsctl.sla.engine import Verdict
from opsctl.tracking import TrackingStatus

V = Verdict
_DELAYED = {V.LATE_IN_TRANSIT, V.AT_RISK, V.STALLED_IN_TRANSIT, V.LOST}
_EXCEPTION = {V.EXCEPTION, V.ATTEMPT_FAILED, V.RETURNING_TO_SENDER}
_SHIPPED = {
    TrackingStatus.PICKED_UP,
    TrackingStatus.IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY,
    TrackingStatus.EXCEPTION,
    TrackingStatus.ATTEMPT_FAILED,
    TrackingStatus.AVAILABLE_FOR_PICKUP,
}

CUSTOMER_TEXT = {
    "shipped": ("Your order {order} is on its way", "{carrier} has your parcel {tracking}."),
    "out_for_delivery": (
        "Your order {order} arrives today",
        "Parcel {tracking} is out for delivery.",
    ),
    "delivered": ("Your order {order} has arrived", "Parcel {tracking} was delivered."),
    "delayed": (
        "Your order {order} is delayed",
        "Parcel {tracking} will arrive later than promised{promise}. We are on it.",
    ),
    "exception": (
        "A problem with your order {order}",
        "{carrier} reports a problem with parcel {tracking}. We are on it.",
    ),
}


def customer_stages(verdict: ShipmentVerdict) -> list[str]:
    """The customer-facing stages a shipment has reached, in order."""
    result = verdict.assessment
    if result.verdict in (V.DELIVERED_ON_TIME, V.DELIVERED_LATE):
        return ["delivered"]
    stages = []
    if result.latest_status in _SHIPPED or result.verdict in _DELAYED | _EXCEPTION:
        stages.append("shipped")
    if result.latest_status is TrackingStatus.OUT_FOR_DELIVERY:
        stages.append("out_for_delivery")
    if result.verdict in _DELAYED:
        stages.append("delayed")
    if result.verdict in _EXCEPTION:
        stages.append("exception")
    return stages


def _details(verdict: ShipmentVerdict) -> dict:
    facts, result = verdict.facts, verdict.assessment
    return {
        key: value
        for key, value in {
            "channel": facts.channel,
            "service": facts.service,
            "promise": result.promise,
            "expected": result.expected,
            "business_days_late": result.business_days_late or None,
        }.items()
        if value is not None
    }


def ops_notification(verdict: ShipmentVerdict, previous: str | None, now: datetime) -> Notification:
    """The ops notification of a shipment whose verdict changed to a breach."""
    facts, result = verdict.facts, verdict.assessment
    words = result.verdict.value.replace("_", " ")
    return Notification(
        audience="ops",
        event=result.verdict.value,
        shipment_id=facts.shipment_id,
        title=f"{facts.shipment_id} ({facts.carrier} {facts.tracking_number}) is {words}",
        message=result.reason,
        occurred_at=now,
        previous=previous,
        order_id=facts.order_id,
        tracking_number=facts.tracking_number,
        carrier=facts.carrier,
        details=_details(verdict),
    )


def customer_notification(verdict: ShipmentVerdict, stage: str, now: datetime) -> Notification:
    """The customer-facing notification of one stage."""
    facts, result = verdict.facts, verdict.assessment
    title, message = CUSTOMER_TEXT[stage]
    values = {
        "order": facts.order_id or facts.shipment_id,
        "tracking": facts.tracking_number or facts.shipment_id,
        "carrier": facts.carrier or "The carrier",
        "promise": f" ({result.promise})" if result.promise else "",
    }
    return Notification(
        audience="customer",
        event=stage,
        shipment_id=facts.shipment_id,
        title=title.format(**values),
        message=message.format(**values),
        occurred_at=now,
        order_id=facts.order_id,
        tracking_number=facts.tracking_number,
        carrier=facts.carrier,
        details=_details(verdict),
    )


def ops_changes(
    verdicts: Iterable[ShipmentVerdict], previous: Mapping[str, str], now: datetime
) -> tuple[list[Notification], list[tuple[str, str]]]:
    """Notifications for verdicts that changed to a breach, and every changed state to record."""
    notifications, changed = [], []
    for verdict in verdicts:
        shipment, value = verdict.facts.shipment_id, verdict.verdict.value
        before = previous.get(shipment)
        if before == value:
            continue
        changed.append((shipment, value))
        if verdict.verdict.is_breach:
            notifications.append(ops_notification(verdict, before, now))
    return notifications, changed


def customer_changes(
    verdicts: Iterable[ShipmentVerdict], logged: set[tuple[str, str]], now: datetime
) -> tuple[list[Notification], list[tuple[str, str]]]:
    """Notifications for stages not told yet, and every stage to record as told."""
    notifications, told = [], []
    for verdict in verdicts:
        shipment = verdict.facts.shipment_id
        stages = [s for s in customer_stages(verdict) if (shipment, s) not in logged]
        for stage in stages:
            notifications.append(customer_notification(verdict, stage, now))
            told.append((shipment, stage))
    return notifications, told


def recent(verdict: ShipmentVerdict, now: datetime, max_age_hours: float) -> bool:
    """Whether the shipment's last event is recent enough to tell a customer about."""
    last = verdict.assessment.last_event_at
    return last is None or (now - last).total_seconds() <= max_age_hours * 3600


def deliver(
    *,
    ledger,
    notifiers: Mapping[str, object],
    routes: Mapping[str, list[str]],
    settings: Mapping[str, Mapping],
    secret,
    verdicts: list[ShipmentVerdict],
    now: datetime,
    digest: bool,
    max_age_hours: float,
) -> tuple[dict[str, int], list[str]]:
    """Send what each routed notifier has not told yet, recording each success in ``ledger``.

    ``routes`` maps an audience to notifier names. A notification is recorded
    only once its notifier accepted it, so what failed is retried on the next
    run and what went out is never repeated. Returns the notifications sent
    per notifier and the errors.
    """
    from opsctl.errors import OpsctlError
    from opsctl.notify import Delivery

    stamp = now.isoformat()
    sent: dict[str, int] = {}
    errors: list[str] = []
    for audience, names in routes.items():
        for name in names:
            if audience == "ops":
                pending, record = ops_changes(verdicts, ledger.states(name, audience), now)
                save = ledger.set_states
            else:
                logged = ledger.logged(name, audience)
                fresh = [v for v in verdicts if recent(v, now, max_age_hours)]
                stale = [v for v in verdicts if not recent(v, now, max_age_hours)]
                pending, record = customer_changes(fresh, logged, now)
                record += customer_changes(stale, logged, now)[1]  # recorded, never told
                save = ledger.log
            told = {(n.shipment_id, n.event) for n in pending}
            save(name, audience, [item for item in record if item not in told], stamp)
            delivery = Delivery(settings.get(name, {}), lambda key, n=name: secret(n, key), digest)
            batches = [pending] if digest else [[n] for n in pending]
            count = 0
            for batch in batches:
                try:
                    notifiers[name].send(batch, delivery)
                except OpsctlError as error:
                    errors.append(f"notifier {name} ({audience}): {error}")
                    break
                save(name, audience, [(n.shipment_id, n.event) for n in batch], stamp)
                count += len(batch)
            sent[f"{name} ({audience})"] = count
    return sent, errors
