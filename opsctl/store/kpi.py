"""What the store keeps of KPIs: one snapshot per KPI, period and dimension values.

``opsctl kpi snapshot`` writes each period's values; writing the same period
again replaces its values (so snapshots are idempotent per period) and
reports which rows were new, changed or already as given. ``opsctl kpi
history`` reads them back, oldest first.

:class:`KpiSnapshots` is the seam: a backend implements it beside its
:class:`~opsctl.store.base.Store` (SQL only in the backend's package), and
:meth:`Store.kpi_snapshots` returns it. Writes join the store's transaction.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KpiSnapshot:
    """One stored KPI value.

    ``grain`` is ``day``, ``week``, ``month`` or ``period`` (a whole window);
    ``dimensions`` is canonical JSON of the dimension values (``{}`` when
    uncut); ``value`` is the exact value as text, ``None`` when unavailable
    (with ``reason``). Times are ISO 8601 UTC text.
    """

    kpi: str
    grain: str
    period: str
    period_start: str
    period_end: str
    dimensions: str
    value: str | None
    unit: str
    n: int
    reason: str | None
    as_of: str
    computed_at: str

    def same_values(self, other: KpiSnapshot) -> bool:
        """Whether ``other`` holds the same figures (the time it was computed aside)."""
        return (self.period_end, self.value, self.unit, self.n, self.reason) == (
            other.period_end,
            other.value,
            other.unit,
            other.n,
            other.reason,
        )


@dataclass(frozen=True)
class SnapshotCounts:
    """What a snapshot write did: rows added, rows whose figures changed, rows as given."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class KpiSnapshots(abc.ABC):
    """The stored KPI snapshots."""

    @abc.abstractmethod
    def write(self, snapshots: Iterable[KpiSnapshot]) -> SnapshotCounts:
        """Upsert ``snapshots`` by (kpi, grain, period_start, dimensions)."""

    @abc.abstractmethod
    def read(
        self, *, kpis: Sequence[str] = (), grain: str | None = None, since: str | None = None
    ) -> list[KpiSnapshot]:
        """Stored snapshots of ``kpis`` and ``grain`` from ``since`` on, oldest first."""
