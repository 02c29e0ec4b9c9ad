"""Evaluating KPIs over a window, cut by period and dimensions: :func:`evaluate`.

Every KPI runs the same query over its fact table: the rows whose ``at`` time
falls in the window, grouped by period label and dimensions, aggregated by
the KPI's ``value``. A group without rows, or whose value is ``NULL`` (no
delivered parcel to time, say), is *unavailable* with the reason; so is a
KPI whose inputs, columns or settings are missing. Nothing is ever reported
as 0 for want of data.

The KPIs of one fact table share one query, which reads the table's rows in
the window once, with only the columns those KPIs use: a fact table that is a
view (the orders of a run that builds nothing else over them, the shipments
over their verdicts) is then computed once per evaluation, and only in part.
"""

from __future__ import annotations

import re
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
    """Every KPI's values over ``[start, end)``, per ``grain`` bucket and dimension values.

    The KPIs that aggregate the same fact table at the same ``at`` column are
    evaluated together, in one query (:func:`_evaluate_group`): the fact
    table's rows in the window are read once, with the columns those KPIs
    use, and each KPI aggregates them its own way. A fact table that is a
    view (cheap to compute again, but not free) is so computed once per run
    of this function rather than once per KPI.
    """
    periods = buckets(start, end, grain, zone)
    facts.prepare(kpis)
    results: dict[int, list[KpiValue]] = {}
    groups: dict[tuple[str, str], list[tuple[int, Kpi]]] = {}
    for index, kpi in enumerate(kpis):
        reason = missing_reason(kpi, facts, settings or {})
        if reason:
            results[index] = [KpiValue(kpi, period, reason=reason) for period in periods]
        else:
            groups.setdefault((kpi.facts, kpi.at), []).append((index, kpi))
    for (name, at), members in groups.items():
        table = facts.ensure(name)
        found = _evaluate_group(facts, table, at, [kpi for _, kpi in members], periods, dimensions)
        for (index, kpi), rows in zip(members, found, strict=True):
            results[index] = _values(kpi, rows, periods, _cut(kpi, dimensions))
    return [value for index in range(len(kpis)) for value in results[index]]


def _cut(kpi: Kpi, dimensions: tuple[str, ...]) -> list[str]:
    """The dimensions ``kpi`` is cut by: those asked for that it has, and its currency."""
    cut = [d for d in dimensions if d in kpi.dimensions]
    if kpi.by_currency:
        cut.append(CURRENCY)
    return cut


#: A star (``*``, ``t.*``) or ``COLUMNS(...)`` in a KPI's SQL: it may read any column.
_ANY_COLUMN = re.compile(r"\*|\bcolumns\s*\(", re.I)
#: ``count(*)``, whose star reads no column.
_COUNT_ROWS = re.compile(r"\bcount\s*\(\s*\*\s*\)", re.I)


def read_columns(kpis: list[Kpi], available: list[str], cut: set[str]) -> list[str]:
    """The columns of ``available`` that ``kpis`` (value, where, at) or the ``cut`` may read.

    A column counts as read when its name appears in the KPI's SQL as a word
    (reading one more column than needed costs little; one fewer would be an
    error), and every column when the SQL has a star or ``COLUMNS(...)``.
    """
    text = " ".join(part for kpi in kpis for part in (kpi.value, kpi.where or "", kpi.at) if part)
    if _ANY_COLUMN.search(_COUNT_ROWS.sub("", text)):
        return list(available)
    words = {word.lower() for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}
    return [c for c in available if c.lower() in words or c in cut]


def _evaluate_group(
    facts: Facts,
    table: str,
    at: str,
    kpis: list[Kpi],
    periods: list[Period],
    dimensions: tuple[str, ...],
) -> list[dict[tuple[str, ...], tuple[Any, int]]]:
    """The values of ``kpis`` (all over ``table``, placed in periods by ``at``) in one query.

    Returns, for each KPI, its value and row count by (period label, *dimension
    values). The rows of ``table`` in the window are selected once (a
    materialised CTE with the columns the KPIs read, and the period label,
    named after ``table`` in each KPI's query so that its SQL reads as it
    would over the table); each KPI is one branch of a ``UNION ALL BY NAME``
    with its own value column, so that every KPI's value keeps its own SQL type.
    """
    available = [d[0] for d in facts.con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    cuts = [_cut(kpi, dimensions) for kpi in kpis]
    columns = read_columns(kpis, available, {d for cut in cuts for d in cut})
    where = f"{at} >= {_literal(periods[0].start)} AND {at} < {_literal(periods[-1].end)}"
    selected = ", ".join([*(f'"{c}"' for c in columns), f"{period_label(at, periods)} AS __period"])
    branches = []
    for index, (kpi, cut) in enumerate(zip(kpis, cuts, strict=True)):
        keys = [f"coalesce(CAST({d} AS VARCHAR), '(none)') AS {d}" for d in cut]
        condition = f" WHERE ({kpi.where})" if kpi.where else ""
        branches.append(
            f"SELECT {index} AS __kpi, * FROM (SELECT {', '.join(['__period', *keys])}, "
            f"({kpi.value}) AS __value_{index}, count(*) AS __n "
            f"FROM __rows AS {table}{condition} GROUP BY ALL)"
        )
    query = (
        f"WITH __rows AS MATERIALIZED (SELECT {selected} FROM {table} WHERE {where}) "
        + " UNION ALL BY NAME ".join(branches)
    )
    cursor = facts.con.execute(query)
    names = [d[0] for d in cursor.description]
    found: list[dict[tuple[str, ...], tuple[Any, int]]] = [{} for _ in kpis]
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        index = record["__kpi"]
        if not record["__n"]:  # an aggregate without GROUP BY keys answers even over no rows
            continue
        key = (record["__period"], *(record[d] for d in cuts[index]))
        found[index][key] = (record[f"__value_{index}"], record["__n"])
    return found


def _values(
    kpi: Kpi,
    found: dict[tuple[str, ...], tuple[Any, int]],
    periods: list[Period],
    cut: list[str],
) -> list[KpiValue]:
    """One value per period and combination of dimension values found (unavailable if none)."""
    combos = {key[1:]: None for key in found}
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
