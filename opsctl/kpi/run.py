"""One KPI run: a command's data and settings turned into KPI values.

``opsctl kpi export``, ``kpi snapshot`` and ``report`` share this: open the
inputs of a :class:`~opsctl.datasets.Dataset` in DuckDB, compute the SLA
verdicts with the same facts builder and thresholds as ``opsctl sla check``
when a KPI needs them, and evaluate KPIs over a window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from opsctl.app import App
from opsctl.datasets import Dataset
from opsctl.kpi.compute import KpiValue, evaluate
from opsctl.kpi.definitions import Catalogue, Kpi, catalogue
from opsctl.kpi.facts import Facts
from opsctl.kpi.sources import KpiInputs
from opsctl.kpi.verdicts import VerdictRun, complete_verdicts, compute_verdicts


class _ReferenceData:
    """The slice of a dataset that the SLA facts builder reads, with the orders it needs."""

    def __init__(self, dataset: Dataset, orders: Sequence[Any]) -> None:
        self.dataset = dataset
        self.orders = orders
        self.timezone = dataset.timezone

    def records(self, entity: str, *, required: bool = True, option: str = "") -> Iterable[Any]:
        if entity == "orders":
            return self.orders
        return self.dataset.records(entity, required=False)


class KpiRun:
    """The data of one command run, ready to evaluate KPIs at the moment ``now``."""

    def __init__(self, app: App, dataset: Dataset, now: datetime) -> None:
        from opsctl.kpi.settings import thresholds

        self.app = app
        self.dataset = dataset
        self.now = now
        self.zone = ZoneInfo(dataset.timezone)
        self.section = app.config.section("kpi")
        self.settings = dict(self.section)
        currency = app.config.get("defaults.currency", "EUR")
        self.inputs = KpiInputs(dataset)
        self.facts = Facts(
            self.inputs,
            verdicts=self._compute_verdicts,
            thresholds=thresholds(self.section, currency),
        )
        self._verdict_run: VerdictRun | None = None

    @property
    def catalogue(self) -> Catalogue:
        return catalogue(self.app.plugins.registry)

    @property
    def verdicts(self) -> VerdictRun | None:
        """The SLA verdicts of every shipment, if a KPI needed them (``None`` if none did)."""
        if self._verdict_run is not None and not self._verdict_run.complete:
            self.facts.complete_verdicts()
        return self._verdict_run

    def _compute_verdicts(self, complete: bool, read_once: bool = False) -> bool:
        """Compute the verdicts (``complete``: every one); whether earlier ones changed.

        ``read_once``: one query at most reads them (see :func:`compute_verdicts`'s ``view``).
        """
        from opsctl.sla.facts import facts_builder_for
        from opsctl.sla.thresholds import policy_from_config

        if self._verdict_run is not None and (self._verdict_run.complete or not complete):
            return False

        def builder(orders: Sequence[Any]):
            return facts_builder_for(self.app, _ReferenceData(self.dataset, orders))

        policy = policy_from_config(self.app.config.section("sla"))
        if self._verdict_run is None:
            self._verdict_run = compute_verdicts(
                self.inputs,
                builder=builder,
                policy=policy,
                now=self.now,
                default_timezone=self.dataset.timezone,
                complete=complete,
                view=read_once,
            )
            return False
        complete_verdicts(
            self.inputs, self._verdict_run, builder=builder, policy=policy, now=self.now
        )
        return True

    def values(
        self,
        kpis: list[Kpi],
        *,
        start: datetime,
        end: datetime,
        grain: str | None = None,
        dimensions: tuple[str, ...] = (),
    ) -> list[KpiValue]:
        """Evaluate ``kpis`` over ``[start, end)`` (see :func:`opsctl.kpi.compute.evaluate`)."""
        return evaluate(
            kpis,
            self.facts,
            start=start,
            end=end,
            grain=grain,
            dimensions=dimensions,
            zone=self.zone,
            settings=self.settings,
        )

    def close(self) -> None:
        self.inputs.close()
        self.dataset.close()

    def __enter__(self) -> KpiRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
