"""Gathering what the report shows: KPI tiles, breakdowns, parcels to act on, checkout, reviews.

:func:`build` computes everything from one :class:`~opsctl.kpi.run.KpiRun`
and returns a :class:`Report`, plain data that :mod:`opsctl.report.html`
draws. A part whose inputs are missing is kept with a note saying why, so
the reader sees what the report could not tell, instead of a silent gap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opsctl.kpi.compute import KpiValue
from opsctl.kpi.definitions import Kpi
from opsctl.kpi.periods import whole_label
from opsctl.report.reviews import ReviewSummary, summarise
from opsctl.sla.engine import Verdict

log = logging.getLogger("opsctl.report")

#: The KPIs shown as tiles, in reading order (those registered, at least).
TILES = (
    "on_time_delivery_rate",
    "otif_rate",
    "perfect_order_rate",
    "click_to_door_p50",
    "orders",
    "revenue",
    "cancellation_rate",
    "stockout_cancellations",
    "split_shipment_rate",
    "late_rate",
    "stalled_rate",
    "first_attempt_delivery_rate",
    "return_rate",
    "refund_time_p50",
    "average_review_rating",
    "low_rating_share",
    "checkout_abandonment_rate",
)
#: Verdicts to act on, most urgent first (parcels still on the way; delivered ones are done).
ACT_ON = (
    Verdict.LOST,
    Verdict.STALLED_IN_TRANSIT,
    Verdict.STALLED_BEFORE_PICKUP,
    Verdict.LATE_IN_TRANSIT,
    Verdict.EXCEPTION,
    Verdict.ATTEMPT_FAILED,
    Verdict.RETURNING_TO_SENDER,
    Verdict.AT_RISK,
)
ACT_ON_LIMIT = 25
#: A previous period with fewer rows than this is too thin to show a change against.
MIN_COMPARABLE = 30


@dataclass
class Tile:
    """One KPI: its value in the period, in the period before, and per day."""

    kpi: Kpi
    value: KpiValue
    previous: KpiValue | None
    series: list[float | None]

    @property
    def change(self) -> float | None:
        """The change against the previous period, when both rest on enough rows to compare."""
        previous = self.previous
        if previous is None or previous.value is None or self.value.value is None:
            return None
        if previous.n < MIN_COMPARABLE:
            return None
        return float(self.value.value) - float(self.previous.value)


@dataclass
class Breakdown:
    """On-time rate per value of one dimension."""

    dimension: str
    rows: list[tuple[str, float | None, int]]


@dataclass
class Section:
    """An optional part of the report: its data, or why it is missing."""

    data: Any = None
    note: str | None = None


@dataclass
class Report:
    """Everything the HTML report shows."""

    title: str
    period: str
    start: datetime
    end: datetime
    as_of: datetime
    timezone: str
    currency: str
    target: float
    tiles: list[Tile] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    on_time_daily: list[float | None] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    act_on: Section = field(default_factory=Section)
    checkout: Section = field(default_factory=Section)
    reviews: Section = field(default_factory=Section)
    unavailable: list[tuple[str, str]] = field(default_factory=list)


def _pick(values: list[KpiValue], currency: str) -> KpiValue | None:
    """The value to show of an uncut KPI: the reporting currency's for money."""
    if not values:
        return None
    for value in values:
        if value.dims.get("currency") == currency:
            return value
    return max(values, key=lambda v: v.n)


def build(
    run,
    *,
    start: datetime,
    end: datetime,
    title: str,
    target: float,
    checkout: Section,
) -> Report:
    """The report of ``run`` over ``[start, end)``."""
    currency = run.app.config.get("defaults.currency", "EUR")
    report = Report(
        title=title,
        period=whole_label(start, end, run.zone),
        start=start,
        end=end,
        as_of=run.now,
        timezone=run.zone.key,
        currency=currency,
        target=target,
        checkout=checkout,
    )
    registered = run.catalogue.kpis
    kpis = [registered[name] for name in TILES if name in registered]
    length = end - start
    current = run.values(list(registered.values()), start=start, end=end)
    report.unavailable = [
        (value.kpi.name, value.reason or "unavailable")
        for value in current
        if value.value is None and not value.dims
    ]
    previous = run.values(kpis, start=start - length, end=start)
    daily = run.values(kpis, start=start, end=end, grain="day")
    report.days = sorted({value.period.label for value in daily})
    for kpi in kpis:
        value = _pick([v for v in current if v.kpi is kpi], currency)
        before = _pick([v for v in previous if v.kpi is kpi], currency)
        series = [
            float(v.value) if v.value is not None else None
            for v in daily
            if v.kpi is kpi and v.dims.get("currency", currency) == currency
        ]
        if value is not None:
            report.tiles.append(Tile(kpi, value, before, series))
    if "on_time_delivery_rate" in registered:
        on_time = registered["on_time_delivery_rate"]
        report.on_time_daily = [
            float(v.value) if v.value is not None else None for v in daily if v.kpi is on_time
        ]
        for dimension in ("carrier", "location"):
            values = run.values([on_time], start=start, end=end, dimensions=(dimension,))
            rows = [
                (v.dims.get(dimension, "all"), None if v.value is None else float(v.value), v.n)
                for v in values
                if v.dims
            ]
            rows.sort(key=lambda row: (row[1] is None, row[1] if row[1] is not None else 0))
            report.breakdowns.append(Breakdown(dimension, rows))
    report.act_on = _act_on(run)
    report.reviews = _reviews(run, start, end)
    return report


def _act_on(run) -> Section:
    """The open breaches of the SLA check, most urgent first."""
    if run.verdicts is None:
        return Section(note="no SLA verdicts: the report needs shipments and tracking events")
    rank = {verdict: index for index, verdict in enumerate(ACT_ON)}
    open_breaches = [v for v in run.verdicts.assessed if v.verdict in rank]
    open_breaches.sort(
        key=lambda v: (rank[v.verdict], -v.assessment.business_days_late, v.facts.shipment_id)
    )
    counts: dict[str, int] = {}
    for verdict in open_breaches:
        counts[verdict.verdict.value] = counts.get(verdict.verdict.value, 0) + 1
    rows = [verdict.row() for verdict in open_breaches[:ACT_ON_LIMIT]]
    return Section(data={"rows": rows, "total": len(open_breaches), "counts": counts})


def _reviews(run, start: datetime, end: datetime) -> Section:
    if not run.dataset.has("reviews"):
        return Section(note="no reviews data (a [data] reviews file, --reviews or --from-store)")
    reviews = [
        review
        for review in run.dataset.records("reviews", required=False)
        if start <= review.created_at < end
    ]
    summary: ReviewSummary = summarise(reviews)
    if not summary.reviews:
        return Section(note="no reviews were written in this period")
    return Section(data=summary)


def checkout_section(app, run, spec_path: str | None) -> Section:
    """The checkout audit's score and worst funnel step, or why there is none."""
    from zoneinfo import ZoneInfo

    from opsctl.checkout.run import AuditInputs, audit_checkout, load_funnel
    from opsctl.errors import OpsctlError

    config = app.config
    try:
        spec = None
        if spec_path:
            from opsctl.checkout.spec import load_spec

            spec = load_spec(spec_path)
        elif config.path is not None and isinstance(config.get("checkout"), dict):
            from opsctl.checkout.spec import load_spec

            spec = load_spec(config.path)
        inputs = AuditInputs(spec=spec)
        if spec is not None and spec.pages:
            from opsctl.checkout.pages import gather, read_all

            inputs.pages = read_all(gather([str(page) for page in spec.pages], render=False))
        events = run.dataset.file("checkout_events")
        if events:
            tz = ZoneInfo(run.dataset.timezone)
            inputs.funnel = load_funnel(events, tz=tz, on_bad_rows=run.dataset.on_bad_rows)
            inputs.events_path = events
        registrations = app.plugins.registry.registrations("checkout_audits")
        report = audit_checkout(inputs, [(r.obj, r.plugin) for r in registrations])
    except OpsctlError as problem:
        return Section(note=f"checkout score unavailable: {problem.message}")
    from opsctl.checkout.report import findings

    funnel = report.get("funnel") or {}
    worst = funnel.get("worstStep")
    step = next((s for s in funnel.get("steps", []) if s["step"] == worst), None)
    return Section(
        data={
            "score": report.get("score"),
            "worst_step": worst,
            "worst_step_abandonment": step["abandonmentRate"] if step else None,
            "abandonment": funnel.get("abandonmentRate"),
            "findings": [
                {"title": item["title"], "display": item.get("displayValue")}
                for item in findings(report)[:4]
            ],
            "spec": report["inputs"]["spec"],
        }
    )
