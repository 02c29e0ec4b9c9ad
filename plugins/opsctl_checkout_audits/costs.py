"""Cost audits: the shipping cost, the total and the free-shipping threshold, shown early."""

from __future__ import annotations

from opsctl.checkout.audit import Audit, AuditContext, NotApplicable, Outcome
from opsctl_checkout_audits.evidence import evidence_of

STAGE_TEXT = {
    "cart": "on the cart",
    "first": "from the first checkout step",
    "later": "from a middle step",
    "last": "only on the last step",
    "never": "",
}


def _shown(what: str, stage: str) -> str:
    if stage == "never":
        return f"{what} not shown before the order is placed"
    return f"{what} shown {STAGE_TEXT[stage]}"


def shipping_cost_early(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.shipping_cost_stage
    if fact is None:
        return NotApplicable("needs the checkout's pages or the spec's shipping_cost_shown")
    passed = fact.value in ("cart", "first", "later")
    return Outcome.binary(passed, _shown("shipping cost", fact.value), fact.evidence)


#: The total seen on the cart or the first step passes; on a middle step it half-passes.
TOTAL_SCORES = {"cart": 1.0, "first": 1.0, "later": 0.5, "last": 0.0, "never": 0.0}


def total_visible_early(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.total_stage
    if fact is None:
        return NotApplicable("needs the checkout's pages or the spec's total_shown")
    return Outcome(TOTAL_SCORES[fact.value], _shown("order total", fact.value), fact.evidence)


def free_shipping_threshold(context: AuditContext) -> Outcome | NotApplicable:
    facts = context.facts
    if facts.free_shipping_threshold is not None and not facts.free_shipping_threshold.value:
        return NotApplicable("the spec says the shop has no free-shipping threshold")
    fact = facts.free_shipping_message
    if fact is None:
        return NotApplicable("needs the checkout's pages or the spec's free_shipping_message")
    shown = "threshold communicated" if fact.value else "no free-shipping threshold message"
    return Outcome.binary(fact.value, shown, evidence_of(fact, facts.free_shipping_threshold))


def preselected_add_ons(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.preselected_add_ons
    if fact is None:
        return NotApplicable("needs the checkout's pages or the spec's [[costs.add_ons]]")
    if fact.value:
        return Outcome.binary(
            False, f"pre-selected paid add-ons: {', '.join(fact.value)}", fact.evidence
        )
    return Outcome.binary(True, "no paid add-on is pre-selected", fact.evidence)


AUDITS = (
    Audit(
        id="shipping-cost-early",
        title="Shipping cost is shown before the last step",
        failure_title="Shipping cost is a surprise at the last step",
        description=(
            "Extra costs that are too high are the first reason shoppers abandon a checkout: "
            "48% (Baymard Institute, 2024). Shipping costs shown early, not at the last "
            "checkout step, are one of the operations side's own recommendations."
        ),
        how_to_fix=(
            "Show the shipping cost (or 'Free') on the cart: estimate it from the shopper's "
            "country or postal code instead of 'Calculated at next step'."
        ),
        weight=48,
        group="costs",
        evaluate=shipping_cost_early,
    ),
    Audit(
        id="total-visible-early",
        title="The order total is visible up-front",
        failure_title="The order total is not visible up-front",
        description=(
            "21% of shoppers abandon because they could not see or calculate the total order "
            "cost up-front (Baymard Institute, 2024). Shown on the cart or the first step it "
            "scores 1, on a middle step 0.5, only at the end 0."
        ),
        how_to_fix="Show an order summary with shipping, tax and total from the cart onwards.",
        weight=21,
        group="costs",
        scoring="numeric",
        evaluate=total_visible_early,
    ),
    Audit(
        id="free-shipping-threshold",
        title="The free-shipping threshold is communicated",
        failure_title="The free-shipping threshold is not communicated",
        description=(
            "Extra costs are the first reason for abandonment, at 48% (Baymard Institute, "
            "2024); a visible free-shipping threshold turns the cost into a goal. Free-shipping "
            "thresholds shown early are one of the operations side's own recommendations."
        ),
        how_to_fix=(
            "Say 'Free delivery on orders over €50' on the cart, and how much is left to reach it."
        ),
        weight=10,
        group="costs",
        evaluate=free_shipping_threshold,
    ),
    Audit(
        id="no-preselected-add-ons",
        title="No paid add-on is pre-selected",
        failure_title="Paid add-ons are pre-selected",
        description=(
            "Extra costs are the first reason shoppers abandon a checkout: 48% (Baymard "
            "Institute, 2024). An insurance, gift wrap or donation ticked in advance is an extra "
            "cost the shopper finds, or does not find, at the end."
        ),
        how_to_fix="Offer add-ons unticked, with their price, and let the shopper choose them.",
        weight=10,
        group="costs",
        evaluate=preselected_add_ons,
    ),
)
