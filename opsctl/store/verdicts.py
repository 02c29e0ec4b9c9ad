"""What the store keeps of ``opsctl sla check``: each shipment's last verdict, while it holds.

A verdict depends on the shipment, its order, its events' timeline, the
reference data, the configuration and the clock. The store keeps each
verdict with the span of time in which the clock cannot change it
(:func:`opsctl.sla.engine.valid_until`) and the *basis* it was judged on (a
digest of the configuration and the software); it forgets a shipment's
verdict itself whenever the shipment, its order or its timeline is written,
and every verdict when locations or carrier services are. A check from the
store then judges only the shipments whose verdict it does not hold, which
turns a cron run over 100,000 open parcels into a read of their verdicts.

:class:`VerdictCache` is the seam; :meth:`Store.sla_verdicts` returns it.
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeptVerdict:
    """One shipment's verdict as kept: what the summary counts and what a listing shows.

    ``listed`` holds the values of a listed row (see
    :data:`opsctl.sla.check.ROW_KEYS`), dates and times as ISO 8601 text.
    ``judged_at`` and ``valid_until`` are microseconds since the Unix epoch;
    ``valid_until`` is ``None`` for a verdict no passing of time changes.
    """

    shipment_id: str
    carrier: str | None
    service: str | None
    channel: str | None
    verdict: str
    promise_kept: bool | None
    listed: tuple
    judged_at: int
    valid_until: int | None


class VerdictCache(abc.ABC):
    """The kept SLA verdicts (migration 7)."""

    @abc.abstractmethod
    def held_counts(self, basis: str, now: int) -> Iterator[tuple]:
        """How many kept verdicts judged on ``basis`` hold at ``now`` (microseconds), per
        ``(carrier, service, channel, verdict, promise_kept)``: rows of that and the count."""

    @abc.abstractmethod
    def held_rows(self, basis: str, now: int, verdicts: Collection[str]) -> Iterator[tuple]:
        """``(shipment_id, listed)`` of each kept verdict in ``verdicts`` that holds at
        ``now``, ``listed`` as a tuple (see :class:`KeptVerdict`)."""

    @abc.abstractmethod
    def shipment_timelines_to_judge(
        self, basis: str, now: int, start: str | None = None, stop: str | None = None
    ) -> Iterator[tuple]:
        """The rows of :meth:`TrackingLedger.shipment_timelines` of every shipment without
        a kept verdict that holds at ``now``, in shipment id order (from id ``start`` on and
        before id ``stop``, when given)."""

    @abc.abstractmethod
    def count_to_judge(self, basis: str, now: int) -> int:
        """How many rows :meth:`shipment_timelines_to_judge` gives."""

    @abc.abstractmethod
    def shipment_to_judge_at(self, basis: str, now: int, index: int) -> str | None:
        """The id of the ``index``-th (from 0) shipment to judge, if there is one."""

    @abc.abstractmethod
    def keep(self, verdicts: Iterable[KeptVerdict], basis: str) -> int:
        """Keep these verdicts (replacing the shipments' previous ones); return how many."""

    @abc.abstractmethod
    def clear(self) -> int:
        """Forget every kept verdict; return how many there were."""
