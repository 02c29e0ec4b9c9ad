"""KPI history: values stored per period, and how each moved against the period before.

:func:`snapshots` turns computed values into store rows (the exact value as
text, dimensions as canonical JSON); :func:`trends` reads them back as one
series per KPI and dimension values, each point with its change against the
previous point of the same series.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from opsctl.kpi.compute import KpiValue
from opsctl.store.kpi import KpiSnapshot


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def snapshots(
    values: Iterable[KpiValue], *, grain: str | None, as_of: datetime, computed_at: datetime
) -> list[KpiSnapshot]:
    """The store rows of ``values`` computed for ``as_of``."""
    return [
        KpiSnapshot(
            kpi=value.kpi.name,
            grain=grain or "period",
            period=value.period.label,
            period_start=_utc(value.period.start),
            period_end=_utc(value.period.end),
            dimensions=json.dumps(value.dims, sort_keys=True, separators=(",", ":")),
            value=None if value.value is None else str(value.value),
            unit=value.kpi.unit,
            n=value.n,
            reason=value.reason,
            as_of=_utc(as_of),
            computed_at=_utc(computed_at),
        )
        for value in values
    ]


@dataclass(frozen=True)
class TrendPoint:
    """One stored value with its change against the previous period of its series."""

    snapshot: KpiSnapshot
    previous: KpiSnapshot | None

    @property
    def value(self) -> Decimal | None:
        return None if self.snapshot.value is None else Decimal(self.snapshot.value)

    @property
    def change(self) -> Decimal | None:
        """The difference to the previous period's value (``None`` if either is missing)."""
        if self.previous is None or self.previous.value is None or self.value is None:
            return None
        return self.value - Decimal(self.previous.value)

    @property
    def change_ratio(self) -> float | None:
        """The change relative to the previous value (``None`` when that is 0 or missing)."""
        change = self.change
        if change is None or not Decimal(self.previous.value):
            return None
        return round(float(change / abs(Decimal(self.previous.value))), 4)

    def row(self) -> dict:
        snapshot = self.snapshot
        return {
            "kpi": snapshot.kpi,
            "grain": snapshot.grain,
            "period": snapshot.period,
            **json.loads(snapshot.dimensions),
            "value": self.value,
            "unit": snapshot.unit,
            "n": snapshot.n,
            "change": self.change,
            "change_ratio": self.change_ratio,
            "trend": arrow(self.change),
            "reason": snapshot.reason,
            "as_of": snapshot.as_of,
        }


def arrow(change: Decimal | None) -> str:
    """▲, ▼ or ► for a change (empty when there is nothing to compare)."""
    if change is None:
        return ""
    return "▲" if change > 0 else "▼" if change < 0 else "►"


def trends(stored: Sequence[KpiSnapshot]) -> list[TrendPoint]:
    """Every snapshot with the one before it in its series (KPI, grain, dimensions)."""
    points = []
    previous: dict[tuple[str, str, str], KpiSnapshot] = {}
    for snapshot in sorted(stored, key=lambda s: (s.kpi, s.grain, s.dimensions, s.period_start)):
        series = (snapshot.kpi, snapshot.grain, snapshot.dimensions)
        points.append(TrendPoint(snapshot, previous.get(series)))
        previous[series] = snapshot
    return points
