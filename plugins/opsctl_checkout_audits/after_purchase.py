"""After-purchase audits: automated e-mails, sold-out items that cannot be bought."""

from __future__ import annotations

from opsctl.checkout.audit import Audit, AuditContext, NotApplicable, Outcome
from opsctl.checkout.facts import Evidence
from opsctl_checkout_audits.evidence import evidence_of


def emails_automated(context: AuditContext) -> Outcome | NotApplicable:
    confirmation, tracking = context.facts.confirmation_email, context.facts.tracking_email
    if confirmation is None and tracking is None:
        return NotApplicable("needs the spec's [checkout.emails] or a confirmation page")
    sent = [
        name
        for name, fact in (("confirmation", confirmation), ("tracking", tracking))
        if fact is not None and fact.value
    ]
    unsent = [
        name
        for name, fact in (("confirmation", confirmation), ("tracking", tracking))
        if fact is None or not fact.value
    ]
    shown = f"automated: {', '.join(sent) or 'none'}"
    if unsent:
        shown += f"; not automated or unknown: {', '.join(unsent)}"
    return Outcome(len(sent) / 2, shown, evidence_of(confirmation, tracking))


#: What each declared sold-out policy scores.
POLICY_SCORES = {"hidden": 1.0, "not_purchasable": 1.0, "backorder": 0.5, "purchasable": 0.0}


def sold_out_not_purchasable(context: AuditContext) -> Outcome | NotApplicable:
    facts, stock = context.facts, context.stock
    items = facts.cart_items.value if facts.cart_items else ()
    sold: list[tuple[Evidence, str]] = []
    for item in items:
        if not item.purchasable:
            continue
        if item.marked_sold_out:
            sold.append((item.evidence, f"{item.sku}: shown as sold out but can be ordered"))
        elif stock is not None and item.sku in stock and stock[item.sku] <= 0:
            sold.append(
                (item.evidence, f"{item.sku}: {stock[item.sku]} available in stock, can be ordered")
            )
    if sold:
        return Outcome.binary(
            False,
            f"{len(sold)} sold-out item{'s' if len(sold) != 1 else ''} can be ordered",
            (e for e, _ in sold),
            details=(text for _, text in sold),
        )
    policy = facts.sold_out_policy
    if policy is not None:
        return Outcome(
            POLICY_SCORES[policy.value], f"sold-out items: {policy.value}", policy.evidence
        )
    if items and stock is not None:
        checked = [i for i in items if i.sku in stock]
        if checked:
            return Outcome.binary(
                True,
                f"all {len(checked)} items in the checkout are in stock",
                (i.evidence for i in checked),
            )
    return NotApplicable("needs the spec's sold_out policy, or items with SKUs and --stock")


AUDITS = (
    Audit(
        id="emails-automated",
        title="Confirmation and tracking e-mails are automated",
        failure_title="Confirmation or tracking e-mails are not automated",
        description=(
            "77% of 1–3 star reviews of e-commerce businesses stem from problems after the buy "
            "button, among them no delivery updates (Brightpearl research on consumer reviews, "
            "2019). Automated confirmation, shipping and delivery e-mails are one of the "
            "operations side's own recommendations."
        ),
        how_to_fix=(
            "Send the order confirmation at once and a shipping e-mail with the tracking link "
            "when the label is created (opsctl's notifiers can do it)."
        ),
        weight=8,
        group="after-purchase",
        scoring="numeric",
        evaluate=emails_automated,
    ),
    Audit(
        id="sold-out-not-purchasable",
        title="Sold-out items cannot be bought",
        failure_title="Sold-out items can be bought",
        description=(
            "Items shown as out of stock after purchase (cancellations) are among the "
            "after-the-buy-button problems behind 77% of 1–3 star reviews (Brightpearl, "
            "2019); out of stock or backorder is named in 6% of one-star reviews (Veeqo "
            "analysis of Trustpilot reviews)."
        ),
        how_to_fix=(
            "Hide sold-out items on every channel or disable their purchase; keep stock levels "
            "in the feeds in step with the warehouse."
        ),
        weight=6,
        group="stock",
        scoring="numeric",
        evaluate=sold_out_not_purchasable,
    ),
)
