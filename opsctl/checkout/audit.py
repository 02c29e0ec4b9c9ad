"""Checkout audits: what a plugin registers, what it is given, what it returns.

A plugin adds audits through the ``register_checkout_audits(register)`` hook::

    from opsctl import hookimpl
    from opsctl.checkout.audit import Audit, NotApplicable, Outcome

    def gift_wrap(context):
        if not context.pages:
            return NotApplicable("needs the checkout's pages")
        found = [p for p in context.pages if "gift wrap" in p.title.lower()]
        return Outcome.binary(bool(found), "offered" if found else "not offered")

    @hookimpl
    def register_checkout_audits(register):
        register(Audit(id="gift-wrap", title="Gift wrapping is offered", ...,
                       evaluate=gift_wrap))

``evaluate`` receives an :class:`AuditContext` and returns an
:class:`Outcome` (a score from 0 to 1 with its evidence) or
:class:`NotApplicable` when its input is missing: such an audit is left out
of the score, neither a pass nor a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsctl.checkout.facts import CheckoutFacts, Evidence
from opsctl.checkout.scoring import LogNormalCurve, clamp_score, rating

if TYPE_CHECKING:  # kept out of the import, so a plugin module importing this stays light
    from opsctl.checkout.extract import PageReading
    from opsctl.checkout.funnel import Funnel
    from opsctl.checkout.spec import CheckoutSpec

log = logging.getLogger("opsctl.checkout")

SCORE_MODES = ("binary", "numeric")


@dataclass(frozen=True)
class AuditContext:
    """Everything an audit may judge. Inputs that were not given are ``None`` or empty."""

    #: The facts of the spec and the pages, merged (see :func:`opsctl.checkout.facts.merge`).
    facts: CheckoutFacts
    spec: CheckoutSpec | None = None
    pages: tuple[PageReading, ...] = ()
    funnel: Funnel | None = None
    #: Units available to sell per SKU, summed over locations (from ``--stock``).
    stock: dict[str, int] | None = None


@dataclass(frozen=True)
class Outcome:
    """An audit's verdict: a score from 0 to 1, what to show, and the evidence."""

    score: float
    display_value: str = ""
    evidence: tuple[Evidence, ...] = ()
    numeric_value: float | None = None
    numeric_unit: str | None = None
    #: Short lines that explain the verdict (shown under the audit in reports).
    details: tuple[str, ...] = ()

    @classmethod
    def binary(
        cls,
        passed: bool,
        display_value: str = "",
        evidence: Iterable[Evidence] = (),
        details: Iterable[str] = (),
    ) -> Outcome:
        """A pass (score 1) or a failure (score 0)."""
        return cls(1.0 if passed else 0.0, display_value, tuple(evidence), details=tuple(details))


@dataclass(frozen=True)
class NotApplicable:
    """The audit's input is missing: it is left out of the score."""

    reason: str


Evaluate = Callable[[AuditContext], "Outcome | NotApplicable"]


@dataclass(frozen=True)
class Audit:
    """One check of the checkout.

    ``description`` says why it matters and cites the figure it rests on with
    its source; ``how_to_fix`` says what to change. ``weight`` is its share of
    the category score. ``curve`` documents the control points of a numeric
    audit (shown in the report as ``scoringOptions``). ``failure_title`` is
    the title shown when the audit does not pass.
    """

    id: str
    title: str
    description: str
    how_to_fix: str
    weight: float
    evaluate: Evaluate
    group: str = "other"
    failure_title: str | None = None
    curve: LogNormalCurve | None = None
    scoring: str = "binary"

    @property
    def name(self) -> str:
        """The name opsctl's registry knows the audit by: its id."""
        return self.id


@dataclass(frozen=True)
class AuditResult:
    """An audit run against one checkout."""

    audit: Audit
    plugin: str
    #: 0..1, or None when not applicable or when the audit failed to run.
    score: float | None
    #: ``binary``, ``numeric``, ``notApplicable`` or ``error`` (Lighthouse's scoreDisplayMode).
    mode: str
    display_value: str = ""
    evidence: tuple[Evidence, ...] = ()
    numeric_value: float | None = None
    numeric_unit: str | None = None
    details: tuple[str, ...] = ()
    #: Why it does not apply, or the error it raised.
    explanation: str = ""

    @property
    def rating(self) -> str:
        return rating(self.score)

    @property
    def title(self) -> str:
        failing = self.score is not None and self.rating != "pass"
        return (self.audit.failure_title or self.audit.title) if failing else self.audit.title

    def to_json(self) -> dict[str, Any]:
        audit = self.audit
        document: dict[str, Any] = {
            "id": audit.id,
            "title": self.title,
            "description": audit.description,
            "score": self.score,
            "scoreDisplayMode": self.mode,
            "displayValue": self.display_value,
            "rating": self.rating,
            "group": audit.group,
            "plugin": self.plugin,
            "evidence": [e.to_json() for e in self.evidence],
            "details": list(self.details),
            "howToFix": audit.how_to_fix,
        }
        if self.numeric_value is not None:
            document["numericValue"] = self.numeric_value
            document["numericUnit"] = self.numeric_unit
        if audit.curve is not None:
            document["scoringOptions"] = {"p10": audit.curve.p10, "median": audit.curve.median}
        if self.explanation:
            key = "errorMessage" if self.mode == "error" else "explanation"
            document[key] = self.explanation
        return document


def run_audit(audit: Audit, plugin: str, context: AuditContext, *, strict: bool) -> AuditResult:
    """Run one audit. An audit that raises is an ``error`` result (fatal when ``strict``)."""
    try:
        outcome = audit.evaluate(context)
    except Exception as exc:  # a plugin's audit can fail in any way
        if strict:
            raise
        log.warning(
            "checkout audit %r (plugin %r) failed: %s: %s",
            audit.id,
            plugin,
            type(exc).__name__,
            exc,
        )
        return AuditResult(audit, plugin, None, "error", explanation=f"{type(exc).__name__}: {exc}")
    if isinstance(outcome, NotApplicable):
        return AuditResult(audit, plugin, None, "notApplicable", explanation=outcome.reason)
    return AuditResult(
        audit,
        plugin,
        clamp_score(outcome.score),
        audit.scoring,
        display_value=outcome.display_value,
        evidence=outcome.evidence,
        numeric_value=outcome.numeric_value,
        numeric_unit=outcome.numeric_unit,
        details=outcome.details,
    )


def run_audits(
    audits: Sequence[tuple[Audit, str]], context: AuditContext, *, strict: bool = False
) -> list[AuditResult]:
    """Run every ``(audit, plugin)`` pair against ``context``, in the order given."""
    return [run_audit(audit, plugin, context, strict=strict) for audit, plugin in audits]
