"""KPI values as Prometheus text (node_exporter's textfile collector) and OpenMetrics.

One gauge family per KPI: the ``opsctl_`` prefix, base units (seconds; ratios
from 0 to 1) with the unit as the name's suffix, the KPI's definition as
HELP. Labels are only the low-cardinality dimensions the values were cut by
(channel, carrier, service, location, country) and currency for money: never
order or shipment ids, never the period (a textfile holds the current
values; the collector rejects timestamps). An unavailable value has no
sample, and ``opsctl_kpi_available{kpi="..."}`` is 0 for that KPI.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from opsctl.kpi.compute import KpiValue
from opsctl.kpi.definitions import Kind, Kpi


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: dict[str, str]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{escape_label(str(v))}"' for k, v in pairs.items()) + "}"


def _number(value) -> str:
    return repr(float(value))


def _unit(kpi: Kpi) -> str | None:
    return {Kind.RATIO: "ratio", Kind.DURATION: "seconds"}.get(kpi.kind)


def render(
    values: Sequence[KpiValue],
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    openmetrics: bool = False,
) -> str:
    """The exposition text of ``values`` (one period, uncut by time)."""
    lines: list[str] = []

    def family(name: str, help_text: str, unit: str | None = None) -> None:
        lines.append(f"# HELP {name} {escape_help(help_text)}")
        lines.append(f"# TYPE {name} gauge")
        if openmetrics and unit:
            lines.append(f"# UNIT {name} {unit}")

    kpis: dict[str, Kpi] = {}
    for value in values:
        kpis.setdefault(value.kpi.name, value.kpi)
    for kpi in kpis.values():
        family(kpi.metric_name, f"{kpi.definition} Unit: {kpi.unit}.", _unit(kpi))
        for value in values:
            if value.kpi.name == kpi.name and value.value is not None:
                lines.append(f"{kpi.metric_name}{_labels(value.dims)} {_number(value.value)}")
    family("opsctl_kpi_available", "1 when the KPI has a value, 0 when its inputs are missing.")
    for kpi in kpis.values():
        available = any(v.value is not None for v in values if v.kpi.name == kpi.name)
        lines.append(f'opsctl_kpi_available{{kpi="{kpi.name}"}} {1 if available else 0}')
    for name, moment, text in (
        ("opsctl_kpi_period_start_timestamp_seconds", start, "Start of the KPIs' period."),
        ("opsctl_kpi_period_end_timestamp_seconds", end, "End of the KPIs' period (excluded)."),
        ("opsctl_kpi_as_of_timestamp_seconds", as_of, "The moment the KPIs were computed for."),
    ):
        family(name, text, "seconds")
        lines.append(f"{name} {_number(moment.timestamp())}")
    if openmetrics:
        lines.append("# EOF")
    return "\n".join(lines) + "\n"
