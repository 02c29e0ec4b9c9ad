"""One audit run: from the inputs given to the report document.

The command line (:mod:`opsctl.commands.checkout`) only finds the inputs and
writes the output; this module loads them (spec, pages, events through the
shared loaders, stock), merges the facts, runs the registered audits and
builds the report.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from opsctl.checkout.audit import Audit, AuditContext, run_audits
from opsctl.checkout.extract import PageReading
from opsctl.checkout.facts import CheckoutFacts, merge
from opsctl.checkout.flow import combine
from opsctl.checkout.funnel import Funnel, count_events
from opsctl.checkout.report import build_report
from opsctl.checkout.spec import CheckoutSpec
from opsctl.errors import UsageError

log = logging.getLogger("opsctl.checkout")


@dataclass
class AuditInputs:
    """What one run audits; any of them may be missing."""

    spec: CheckoutSpec | None = None
    pages: list[PageReading] = field(default_factory=list)
    funnel: Funnel | None = None
    stock: dict[str, int] | None = None
    events_path: str | None = None
    stock_path: str | None = None

    @property
    def empty(self) -> bool:
        return self.spec is None and not self.pages and self.funnel is None


def load_funnel(
    path: str | Path, *, tz: tzinfo, on_bad_rows: str = "error", engine: str | None = None
) -> Funnel:
    """The funnel of a ``checkout_events`` file.

    DuckDB counts it straight from a CSV or NDJSON file
    (:mod:`opsctl.checkout.funnelsql`); stdin, JSON arrays and any file it
    declines (a bad row, a repeated key...) stream through the shared loader,
    which gives the same funnel, or the bad row's error, or (``skip``) the
    quarantine. ``engine`` is ``auto``, ``python`` (the loader only) or
    ``duckdb`` (no falling back: :class:`~opsctl.checkout.funnelsql.Declined`);
    by default ``OPSCTL_CHECKOUT_ENGINE``, else ``auto``.
    """
    from opsctl.checkout import funnelsql

    engine = engine or funnelsql.engine_from()
    if engine not in funnelsql.ENGINES:
        raise UsageError(f"unknown funnel engine {engine!r}; expected one of auto, duckdb, python")
    if str(path) != "-" and funnelsql.wanted(engine):
        try:
            return funnelsql.count_file(path, tz=tz)
        except funnelsql.Declined as reason:
            if engine == "duckdb":
                raise
            (log.warning if reason.unexpected else log.info)(
                "reading %s with the loader%s: %s",
                path,
                ", which is much slower" if reason.unexpected else "",
                reason,
            )
    from opsctl.loaders import load

    return count_events(load("checkout_events", path, tz=tz, on_bad_rows=on_bad_rows), str(path))


def load_stock(path: str | Path, *, tz: tzinfo, on_bad_rows: str = "error") -> dict[str, int]:
    """Units available to sell per SKU, summed over locations, from a ``stock`` file."""
    from opsctl.loaders import load

    available: dict[str, int] = {}
    for level in load("stock", path, tz=tz, on_bad_rows=on_bad_rows):
        available[level.sku] = available.get(level.sku, 0) + level.available
    return available


def checkout_facts(inputs: AuditInputs) -> CheckoutFacts:
    """The spec's facts and the pages' facts, merged."""
    observed = combine(inputs.pages) if inputs.pages else None
    declared = inputs.spec.facts if inputs.spec else None
    return merge(observed, declared)


def audit_checkout(
    inputs: AuditInputs, audits: Sequence[tuple[Audit, str]], *, strict: bool = False
) -> dict[str, Any]:
    """Run ``audits`` (``(audit, plugin)`` pairs) on ``inputs``: the report document."""
    if inputs.empty:
        raise UsageError(
            "nothing to audit: give page files or --url, --spec, --events, or a [checkout] "
            "section in opsctl.toml"
        )
    if not audits:
        raise UsageError(
            "no checkout audits are registered: is the checkout-audits plugin installed, or "
            "disabled by OPSCTL_LOAD_PLUGINS / OPSCTL_DISABLE_PLUGINS?"
        )
    facts = checkout_facts(inputs)
    context = AuditContext(
        facts=facts,
        spec=inputs.spec,
        pages=tuple(inputs.pages),
        funnel=inputs.funnel,
        stock=inputs.stock,
    )
    results = run_audits(audits, context, strict=strict)
    return build_report(
        results,
        name=inputs.spec.name if inputs.spec else None,
        spec=str(inputs.spec.source) if inputs.spec else None,
        pages=inputs.pages,
        events=inputs.events_path,
        stock=inputs.stock_path,
        funnel=inputs.funnel,
        notes=facts.notes,
    )
