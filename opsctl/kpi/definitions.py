"""What a KPI is: its name, kind, unit, definition, inputs, dimensions and formula.

A KPI is a declaration, not code: it names one *fact table* of
:mod:`opsctl.kpi.facts` (one row per order, shipment, return, review or
checkout session, with documented columns) and gives its value as one SQL
aggregate over the rows of that table that fall in the period, e.g.
``avg(promise_kept::DOUBLE)``. opsctl runs every KPI the same way: it picks the
rows whose ``at`` time is in the period (in the config's timezone), groups
them by the requested dimensions and evaluates ``value``. That is how metric
layers such as dbt's or Cube's define metrics, and it keeps each definition
one readable line that is tested on small hand-computed datasets.

Plugins add KPIs through the ``register_kpis(register)`` hook; opsctl's own
catalogue comes from the first-party plugin ``kpis`` the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from opsctl.errors import PluginError

#: Dimensions a KPI may be cut by (``--dimension``), as columns of the fact tables.
DIMENSIONS = ("channel", "carrier", "service", "location", "country")

#: Input entities (docs/formats.md) and the option or [data] key that supplies each.
ENTITIES = (
    "orders",
    "order_lines",
    "shipments",
    "tracking_events",
    "returns",
    "reviews",
    "checkout_events",
    "locations",
    "carrier_services",
)

NAME = re.compile(r"[a-z][a-z0-9_]*")


class Kind(str, Enum):
    """What sort of number a KPI is; it decides how values are shown and exported."""

    RATIO = "ratio"
    DURATION = "duration"
    COUNT = "count"
    AMOUNT = "amount"
    #: A mean on a scale of the KPI's unit, such as stars from 1 to 5.
    SCORE = "score"

    def __str__(self) -> str:
        return self.value


#: The base unit of each kind (Prometheus' conventions: seconds, ratios from 0 to 1).
BASE_UNITS = {
    Kind.RATIO: "ratio",
    Kind.DURATION: "seconds",
    Kind.AMOUNT: "currency",
}


@dataclass(frozen=True)
class Kpi:
    """One key performance indicator.

    ``facts`` names the fact table the KPI aggregates and ``at`` the column
    of that table that places a row in a period. ``value`` is a DuckDB SQL
    aggregate over the rows in the period; ``where`` an optional filter of
    the rows it considers (its population). ``inputs`` are the entities the
    KPI cannot do without and ``columns`` the optional columns it needs
    (``"order_lines.quantity_shipped"``): when one is missing the KPI is
    reported as unavailable with that reason, never as 0. ``dimensions``
    are those of :data:`DIMENSIONS` the KPI can be cut by; an amount is
    always cut by currency as well. ``population`` names what ``n`` counts
    in messages ("shipments with a decided promise"). ``better`` says which
    way is good (``"higher"``, ``"lower"`` or ``None``), for the report's
    colours. ``setting`` names a ``[kpi]`` setting the KPI needs.
    ``per_currency`` cuts a ratio of money by currency too, as amounts always are.
    """

    name: str
    kind: Kind
    unit: str
    definition: str
    facts: str
    value: str
    at: str
    inputs: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    where: str | None = None
    columns: tuple[str, ...] = ()
    population: str = "rows"
    better: str | None = None
    setting: str | None = None
    title: str = ""
    per_currency: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not NAME.fullmatch(self.name):
            problems.append("its name must be lower_snake_case")
        if not isinstance(self.kind, Kind):
            problems.append(f"kind {self.kind!r} is not one of {', '.join(k.value for k in Kind)}")
        unknown = [d for d in self.dimensions if d not in DIMENSIONS]
        if unknown:
            problems.append(f"unknown dimension(s) {', '.join(unknown)}")
        unknown = [e for e in self.inputs if e not in ENTITIES]
        if unknown:
            problems.append(f"unknown input(s) {', '.join(unknown)}")
        if not self.definition or "\n" in self.definition:
            problems.append("its definition must be one line")
        if self.better not in (None, "higher", "lower"):
            problems.append("better must be 'higher', 'lower' or None")
        if problems:
            raise PluginError(f"KPI {self.name!r}: " + "; ".join(problems))

    @property
    def by_currency(self) -> bool:
        """Whether values are cut by currency (money is never added across currencies)."""
        return self.kind is Kind.AMOUNT or self.per_currency

    @property
    def label(self) -> str:
        """A short title for people (the report's tiles)."""
        return self.title or self.name.replace("_", " ").capitalize()

    @property
    def metric_name(self) -> str:
        """The Prometheus metric name: ``opsctl_`` prefix and a base-unit suffix."""
        suffix = {Kind.RATIO: "_ratio", Kind.DURATION: "_seconds"}.get(self.kind, "")
        name = f"opsctl_{self.name}"
        return name if not suffix or name.endswith(suffix) else name + suffix

    def describe(self) -> dict:
        """The KPI as ``opsctl kpi list`` shows it."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "unit": self.unit,
            "definition": self.definition,
            "inputs": list(self.inputs),
            "columns": list(self.columns),
            "dimensions": list(self.dimensions),
            "facts": self.facts,
            "at": self.at,
            "population": self.population,
            "better": self.better,
            "metric": self.metric_name,
        }


@dataclass(frozen=True)
class Catalogue:
    """The registered KPIs by name, with the plugin that gave each."""

    kpis: dict[str, Kpi]
    plugins: dict[str, str]

    def select(self, names: list[str] | tuple[str, ...]) -> list[Kpi]:
        """The KPIs named (all when ``names`` is empty); an unknown name is a usage error."""
        from opsctl.errors import UsageError

        if not names:
            return list(self.kpis.values())
        chosen = []
        for name in names:
            if name not in self.kpis:
                known = ", ".join(sorted(self.kpis)) or "none (is the kpis plugin installed?)"
                raise UsageError(f"unknown KPI {name!r} (known: {known})")
            chosen.append(self.kpis[name])
        return chosen


def catalogue(registry) -> Catalogue:
    """The KPIs plugins registered (:class:`opsctl.plugins.Registry`), in name order."""
    kpis: dict[str, Kpi] = {}
    plugins: dict[str, str] = {}
    for registration in registry.registrations("kpis"):
        kpi = registration.obj
        if not isinstance(kpi, Kpi):
            raise PluginError(
                f"plugin {registration.plugin!r} registered {registration.name!r}, which is "
                "not an opsctl.kpi.Kpi"
            )
        kpis[registration.name] = kpi
        plugins[registration.name] = registration.plugin
    return Catalogue(kpis, plugins)
