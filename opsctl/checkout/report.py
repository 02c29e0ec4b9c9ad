"""The audit report: a Lighthouse-like JSON document, the source of every output format.

The document (``reportFormat`` 1) is documented in ``docs/checkout.md``::

    {
      "reportFormat": 1, "opsctlVersion": "...", "fetchTime": "2025-06-01T09:00:00Z",
      "checkout": "Demo shop",
      "inputs": {"spec": PATH|null, "pages": [{"source", "kind", "title"}],
                 "events": PATH|null, "stock": PATH|null},
      "score": 0..100|null,
      "categories": {"checkout-friction": {"id", "title", "description", "score": 0..1|null,
                     "auditRefs": [{"id", "weight", "group"}]}},
      "categoryGroups": {GROUP: {"title"}},
      "audits": {ID: {"id", "title", "description", "score", "scoreDisplayMode",
                      "displayValue", "rating", "group", "plugin", "evidence": [...],
                      "details": [...], "howToFix", "numericValue"?, "numericUnit"?,
                      "scoringOptions"?, "explanation"?, "errorMessage"?}},
      "funnel": {...}|null, "notes": [...], "baseline": {...}?
    }
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from opsctl import __version__
from opsctl.checkout.audit import AuditResult
from opsctl.checkout.extract import PageReading
from opsctl.checkout.funnel import Funnel
from opsctl.checkout.scoring import display_score, weighted_mean

REPORT_FORMAT = 1
CATEGORY_ID = "checkout-friction"
CATEGORY_TITLE = "Checkout friction"
CATEGORY_DESCRIPTION = (
    "The weighted mean of the audits that apply, as Lighthouse scores a category: 100 is a "
    "checkout without the friction shoppers name when they abandon (Baymard Institute, 2024: "
    "about 70% of carts are abandoned)."
)
#: Report sections, in order.
GROUPS: dict[str, str] = {
    "costs": "Costs and totals",
    "account": "Account",
    "form": "Form",
    "delivery": "Delivery",
    "payment": "Payment",
    "trust": "Trust",
    "help": "Help",
    "after-purchase": "After the purchase",
    "stock": "Stock",
    "funnel": "Funnel",
    "other": "Other audits",
}


def category_score(results: Sequence[AuditResult]) -> float | None:
    """The category score, 0..1: the weighted mean of the scores of the audits that apply."""
    return weighted_mean((r.score, r.audit.weight) for r in results)


def build_report(
    results: Sequence[AuditResult],
    *,
    name: str | None = None,
    spec: str | None = None,
    pages: Sequence[PageReading] = (),
    events: str | None = None,
    stock: str | None = None,
    funnel: Funnel | None = None,
    notes: Sequence[str] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """The JSON document of one audit run (see the module docstring)."""
    score = category_score(results)
    now = now or datetime.now(timezone.utc)
    groups = {r.audit.group for r in results}
    return {
        "reportFormat": REPORT_FORMAT,
        "opsctlVersion": __version__,
        "fetchTime": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "checkout": name,
        "inputs": {
            "spec": spec,
            "pages": [{"source": p.source, "kind": p.kind, "title": p.title} for p in pages],
            "events": events,
            "stock": stock,
        },
        "score": display_score(score),
        "categories": {
            CATEGORY_ID: {
                "id": CATEGORY_ID,
                "title": CATEGORY_TITLE,
                "description": CATEGORY_DESCRIPTION,
                "score": score,
                "auditRefs": [
                    {"id": r.audit.id, "weight": r.audit.weight, "group": r.audit.group}
                    for r in results
                ],
            }
        },
        "categoryGroups": {
            group: {"title": title}
            for group, title in GROUPS.items()
            if group in groups or (group == "other" and groups - set(GROUPS))
        },
        "audits": {r.audit.id: r.to_json() for r in results},
        "funnel": funnel.to_json() if funnel else None,
        "notes": list(notes),
    }


def ordered_audits(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's audits as people read them: failures first, heaviest first, n/a last."""
    weights = {ref["id"]: ref["weight"] for ref in report["categories"][CATEGORY_ID]["auditRefs"]}
    rank = {"fail": 0, "average": 1, "pass": 2, "n/a": 3}
    audits = list(report["audits"].values())
    return sorted(audits, key=lambda a: (rank[a["rating"]], -weights.get(a["id"], 0)))


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The audits that do not pass (score below 0.9), in reading order."""
    return [a for a in ordered_audits(report) if a["rating"] in ("fail", "average")]
