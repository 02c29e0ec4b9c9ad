"""Evaluating KPIs over a window, cut by period and dimensions: :func:`evaluate`.

Every KPI runs the same query over its fact table: the rows whose ``at`` time
falls in the window, grouped by period label and dimensions, aggregated by
the KPI's ``value``. A group without rows, or whose value is ``NULL`` (no
delivered parcel to time, say), is *unavailable* with the reason; so is a
KPI whose inputs, columns or settings are missing. Nothing is ever reported
as 0 for want of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from opsctl.kpi.definitions import Kind, Kpi
from opsctl.kpi.facts import Facts
from opsctl.kpi.periods import Period, buckets
from opsctl.kpi.sources import sql_text

CURRENCY = "currency"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class KpiValue:
    """One KPI's value in one period for one combination of dimension values."""

    kpi: Kpi
    period: Period
    dims: dict[str, str] = field(default_factory=dict)
    value: float | int | Decimal | None = None
    n: int = 0
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.value is not None

    def row(self) -> dict[str, Any]:
        """The value as an output row (``opsctl kpi export``)."""
        return {
            "kpi": self.kpi.name,
            "period": self.period.label,
            "start": self.period.start,
            "end": self.period.end,
            **self.dims,
            "value": self.value,
            "unit": self.kpi.unit,
            "n": self.n,
            "status": "ok" if self.available else "unavailable",
            "reason": self.reason,
        }


def entity_hint(entity: str) -> str:
    return f"no {entity} data (a file option, a [data] {entity} file, or --from-store)"


def missing_reason(kpi: Kpi, facts: Facts, settings: dict[str, Any]) -> str | None:
    """Why ``kpi`` cannot be computed from this run's data at all, or ``None``."""
    for entity in kpi.inputs:
        if not facts.has(entity):
            return entity_hint(entity)
    for needed in kpi.columns:
        choices = [choice.split(".", 1) for choice in needed.split("|")]
        if not any(facts.column(entity, column) for entity, column in choices):
            named = " or ".join(".".join(choice) for choice in choices)
            return f"needs {named}, which the data does not have"
    if kpi.setting and settings.get(kpi.setting) in (None, "", {}):
        return f"needs [kpi] {kpi.setting} in the config"
    return None


def _literal(moment: datetime) -> str:
    return f"TIMESTAMPTZ {sql_text(moment.isoformat())}"


def period_label(at: str, periods: list[Period]) -> str:
    """The SQL of the label of the period the instant ``at`` falls in (within the window).

    A search among the periods' bounds (about five comparisons for a month of
    days) rather than a conversion to local time per row: the bounds are the
    local midnights :func:`~opsctl.kpi.periods.buckets` found, so the labels
    are those of ``strftime`` in the config's timezone
    (:data:`~opsctl.kpi.periods.SQL_LABELS`).
    """
    if len(periods) == 1:
        return sql_text(periods[0].label)
    middle = len(periods) // 2
    return (
        f"CASE WHEN {at} < {_literal(periods[middle].start)} "
        f"THEN {period_label(at, periods[:middle])} "
        f"ELSE {period_label(at, periods[middle:])} END"
    )


def _number(kpi: Kpi, value: Any) -> float | int | Decimal | None:
    if value is None:
        return None
    if kpi.kind is Kind.AMOUNT:
        return Decimal(value).quantize(CENT)
    if kpi.kind is Kind.COUNT:
        return int(value)
    number = float(value)
    return round(number, 6) if kpi.kind is Kind.RATIO else round(number, 3)


def evaluate(
    kpis: list[Kpi],
    facts: Facts,
    *,
    start: datetime,
    end: datetime,
    grain: str | None,
    dimensions: tuple[str, ...],
    zone: ZoneInfo,
    settings: dict[str, Any] | None = None,
) -> list[KpiValue]:
    """Every KPI's values over ``[start, end)``, per ``grain`` bucket and dimension values."""
    periods = buckets(start, end, grain, zone)
    facts.prepare(kpis)
    values: list[KpiValue] = []
    for kpi in kpis:
        reason = missing_reason(kpi, facts, settings or {})
        if reason:
            values += [KpiValue(kpi, period, reason=reason) for period in periods]
            continue
        values += _evaluate_one(kpi, facts, periods, grain, dimensions, zone)
    return values


def _evaluate_one(
    kpi: Kpi,
    facts: Facts,
    periods: list[Period],
    grain: str | None,
    dimensions: tuple[str, ...],
    zone: ZoneInfo,
) -> list[KpiValue]:
    table = facts.ensure(kpi.facts)
    cut = [d for d in dimensions if d in kpi.dimensions]
    if kpi.by_currency:
        cut.append(CURRENCY)
    label = period_label(kpi.at, periods)
    keys = [f"coalesce(CAST({d} AS VARCHAR), '(none)') AS {d}" for d in cut]
    where = f"{kpi.at} >= {_literal(periods[0].start)} AND {kpi.at} < {_literal(periods[-1].end)}"
    if kpi.where:
        where += f" AND ({kpi.where})"
    query = (
        f"SELECT {', '.join([f'{label} AS period', *keys])}, ({kpi.value}) AS value, "
        f"count(*) AS n FROM {table} WHERE {where} GROUP BY ALL"
    )
    found: dict[tuple[str, ...], tuple[Any, int]] = {}
    combos: dict[tuple[str, ...], None] = {}
    for row in facts.con.execute(query).fetchall():
        period, *dims, value, n = row
        if not n:  # an aggregate without GROUP BY keys answers even over no rows
            continue
        found[(period, *dims)] = (value, n)
        combos[tuple(dims)] = None
    if not combos:  # no rows at all: one unavailable value per period, uncut
        combos[()] = None
    empty = f"no {kpi.population} in this period"
    results = []
    for period in periods:
        for combo in sorted(combos):
            value, n = found.get((period.label, *combo), (None, 0))
            number = _number(kpi, value)
            dims = dict(zip(cut, combo, strict=True)) if combo else {}
            reason = None if number is not None else empty
            results.append(KpiValue(kpi, period, dims, number, n, reason))
    return results
