"""Running ``track sync``: read the store, poll each carrier batch by batch, commit each batch.

Crash safety comes from the order of work. The carriers are asked outside any
transaction; each batch's answer is then stored in one transaction (new
events, polling states, estimated delivery days), so a run that is killed
keeps every batch committed before the kill and loses only the batch in
flight, which the next run polls again. Events are added by natural key, so
polling a parcel twice never stores an event twice.

A carrier that fails as a whole (``ServiceError``: outage, bad credentials;
``ConfigError``: missing settings; or a bug in its plugin) is reported and
skipped for the rest of the run; the other carriers go on. A carrier whose
request budget is used up leaves its remaining shipments for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from opsctl.carriers import RunCarriers, Tracker
from opsctl.errors import ConfigError, OpsctlError, ServiceError
from opsctl.http import RequestBudgetExhausted
from opsctl.store.base import Store
from opsctl.store.tracking import PollState, TrackedShipment, TrackingLedger
from opsctl.sync.policy import EXPIRED, SyncPolicy, due_order, is_due, stop_reason, stopped
from opsctl.sync.reconcile import BatchOutcome, reconcile
from opsctl.sync.report import CarrierSync, SyncReport, naming

log = logging.getLogger("opsctl.sync")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class SyncRequest:
    """What one run is asked to do."""

    #: Only shipments of these carrier names (all when empty).
    carriers: tuple[str, ...] = ()
    #: Poll at most this many shipments (the longest overdue first).
    limit: int | None = None
    #: Poll and count, but write nothing to the store.
    dry_run: bool = False


@dataclass
class Plan:
    """The open shipments sorted out: due ones by carrier, and those that stop now."""

    due: dict[str, list[TrackedShipment]] = field(default_factory=dict)
    stopping: list[PollState] = field(default_factory=list)


def plan(
    shipments: Iterable[TrackedShipment],
    now: datetime,
    policy: SyncPolicy,
    limit: int | None,
    report: SyncReport,
) -> Plan:
    """Which due shipments stop (final, expired), which are polled, which wait for ``limit``.

    A shipment that is not due is left alone: whether it stops is decided when
    its poll time comes.
    """
    result = Plan()
    due: list[TrackedShipment] = []
    for shipment in shipments:
        counts = report.carrier(shipment.carrier)
        if not is_due(shipment, now):
            continue
        reason = stop_reason(shipment, now, policy)
        if reason is not None:
            result.stopping.append(stopped(shipment, reason))
            counts.open -= 1
            if reason == EXPIRED:
                counts.expired += 1
            else:
                counts.now_final += 1
            continue
        counts.due += 1
        due.append(shipment)
    due.sort(key=due_order)
    if limit is not None:
        for shipment in due[limit:]:
            report.carrier(shipment.carrier).deferred += 1
        due = due[:limit]
    for shipment in due:
        result.due.setdefault(shipment.carrier, []).append(shipment)
    return result


class TrackSync:
    """One run of ``opsctl track sync`` against one store."""

    def __init__(
        self,
        store: Store,
        carriers: RunCarriers,
        policy: SyncPolicy,
        request: SyncRequest,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.ledger: TrackingLedger = store.tracking_ledger()
        self.carriers = carriers
        self.policy = policy
        self.request = request
        self.clock = clock

    def run(self) -> SyncReport:
        """Poll every due shipment, carrier by carrier; return the counts."""
        now = self.clock()
        report = SyncReport(now, dry_run=self.request.dry_run)
        for carrier_name, count in self.ledger.open_counts(self.request.carriers).items():
            report.carrier(carrier_name).open = count
        shipments = self.ledger.open_shipments(self.request.carriers, due_by=now)
        work = plan(shipments, now, self.policy, self.request.limit, report)
        if work.stopping and not self.request.dry_run:
            with self.store.transaction():
                self.ledger.record_polls(work.stopping)
        for carrier_name, counts in report.carriers.items():
            if carrier_name in work.due:
                self._sync_carrier(carrier_name, work.due[carrier_name], counts)
            else:
                counts.plugin = self._plugin_of(carrier_name)
        return report

    def _plugin_of(self, carrier_name: str) -> str | None:
        """The plugin tracking ``carrier_name``, for the output (its errors wait for a poll)."""
        try:
            tracker = self.carriers.tracker(carrier_name)
        except OpsctlError:
            return None
        return tracker.plugin if tracker else None

    def _sync_carrier(
        self, carrier_name: str, shipments: Sequence[TrackedShipment], counts: CarrierSync
    ) -> None:
        try:
            tracker = self.carriers.tracker(carrier_name)
        except OpsctlError as error:
            self._failed(counts, error, len(shipments))
            return
        if tracker is None:
            missing = ConfigError(
                f"no carrier plugin tracks {carrier_name!r}: install one, or list it in "
                "[plugins.files] carriers to track it from an export"
            )
            self._failed(counts, missing, len(shipments))
            return
        counts.plugin = tracker.plugin
        size = tracker.batch_size(self.policy.batch_size)
        for start in range(0, len(shipments), size):
            batch = shipments[start : start + size]
            left = len(shipments) - start
            try:
                outcome = self._poll(carrier_name, tracker, batch)
            except RequestBudgetExhausted as exhausted:
                counts.deferred += left
                counts.error = str(exhausted)
                log.warning("%s; %d shipment(s) left for the next run", exhausted, left)
                return
            except Exception as error:  # one carrier's failure never stops the others
                self._failed(counts, error, left)
                return
            counts.add(outcome)
            log.info(
                "%s: polled %d, %d new event(s), %d final",
                carrier_name,
                outcome.polled,
                len(outcome.new_events),
                outcome.now_final,
            )

    def _poll(
        self, carrier_name: str, tracker: Tracker, batch: Sequence[TrackedShipment]
    ) -> BatchOutcome:
        """Ask the carrier about one batch, then store the answer in one transaction."""
        numbers = [shipment.tracking_number for shipment in batch]
        result = tracker.carrier.track(numbers)
        if self.request.dry_run:
            stored = self.ledger.event_keys(carrier_name, numbers)
            return reconcile(batch, result, stored, self.clock(), self.policy)
        with self.store.transaction():
            stored = self.ledger.event_keys(carrier_name, numbers)
            outcome = reconcile(batch, result, stored, self.clock(), self.policy)
            self.store.tracking_events.write(outcome.new_events)
            self.ledger.record_polls(outcome.polls)
            self.ledger.record_estimates(outcome.estimates)
        return outcome

    @staticmethod
    def _failed(counts: CarrierSync, error: Exception, not_polled: int) -> None:
        if not isinstance(error, OpsctlError):
            log.debug("carrier %s failed", counts.carrier, exc_info=error)
            error = ServiceError(
                f"internal error in its plugin (please report it): {type(error).__name__}: {error}"
            )
        counts.fail(error, not_polled)
        log.error(
            "%s; %d shipment(s) not polled, the other carriers go on",
            naming(counts.carrier, str(error)),
            not_polled,
        )
