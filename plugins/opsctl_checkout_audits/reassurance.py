"""Reassurance audits: delivery estimate, payment methods, returns, trust signals, live help."""

from __future__ import annotations

from opsctl.checkout.audit import Audit, AuditContext, NotApplicable, Outcome
from opsctl.checkout.facts import PAYMENT_KINDS, PAYMENT_METHODS


def _presence(fact, what: str, needs: str) -> Outcome | NotApplicable:
    if fact is None:
        return NotApplicable(f"needs the checkout's pages or the spec's {needs}")
    value = fact.value
    present = bool(value)
    if isinstance(value, tuple):
        shown = f"{what}: {', '.join(value)}" if value else f"no {what}"
    else:
        shown = f"{what} shown" if present else f"no {what}"
    return Outcome.binary(present, shown, fact.evidence)


def delivery_estimate(context: AuditContext) -> Outcome | NotApplicable:
    return _presence(context.facts.delivery_estimate, "delivery estimate", "delivery_estimate")


def return_policy(context: AuditContext) -> Outcome | NotApplicable:
    return _presence(context.facts.return_policy, "return policy", "return_policy")


def trust_signals(context: AuditContext) -> Outcome | NotApplicable:
    return _presence(context.facts.trust_signals, "trust signals", "trust_signals")


def live_help(context: AuditContext) -> Outcome | NotApplicable:
    return _presence(context.facts.live_help, "live help", "live_help")


def payment_methods(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.payment_methods
    if fact is None or (not fact.value and not fact.evidence):
        return NotApplicable("needs the checkout's payment page or the spec's payment_methods")
    kinds = {PAYMENT_METHODS[m][0] for m in fact.value if m in PAYMENT_METHODS}
    missing = [kind for kind in PAYMENT_KINDS if kind not in kinds]
    shown = ", ".join(sorted(PAYMENT_METHODS[m][1] for m in fact.value if m in PAYMENT_METHODS))
    details = [f"methods: {shown or 'none found'}"]
    if missing:
        details.append(f"missing: {', '.join(KIND_TEXT[k] for k in missing)}")
    return Outcome(
        len(kinds) / len(PAYMENT_KINDS),
        f"{len(kinds)} of 3 kinds (cards, wallets, local methods)",
        fact.evidence,
        details=tuple(details),
    )


KIND_TEXT = {
    "card": "cards",
    "wallet": "a wallet (PayPal, Apple Pay, Google Pay)",
    "local": "a local method (Klarna, iDEAL, SEPA, bank transfer...)",
}

AUDITS = (
    Audit(
        id="delivery-estimate",
        title="A delivery estimate is shown",
        failure_title="No delivery estimate is shown",
        description=(
            "23% of shoppers abandon because delivery was too slow (Baymard Institute, 2024), "
            "and accurate delivery information was shoppers' number-one priority in 2021 "
            "(consumer survey cited by CRM Buyer): say when it arrives."
        ),
        how_to_fix=(
            "Show 'Arrives by Thu 12 June' (or '2–3 business days') next to each shipping "
            "option, computed from your cut-offs and carriers' transit times."
        ),
        weight=23,
        group="delivery",
        evaluate=delivery_estimate,
    ),
    Audit(
        id="payment-methods",
        title="Cards, wallets and local payment methods are offered",
        failure_title="Payment methods are missing",
        description=(
            "13% of shoppers abandon because there were too few payment methods (Baymard "
            "Institute, 2024). Scored by kinds covered: cards, a wallet, a local method."
        ),
        how_to_fix=(
            "Offer cards, at least one wallet (PayPal, Apple Pay, Google Pay) and the local "
            "methods of your markets (Klarna, iDEAL, SEPA direct debit, Bancontact...)."
        ),
        weight=13,
        group="payment",
        scoring="numeric",
        evaluate=payment_methods,
    ),
    Audit(
        id="return-policy",
        title="The return policy is visible in the checkout",
        failure_title="The return policy is not visible in the checkout",
        description=(
            "18% of shoppers abandon over the returns policy (Baymard Institute, 2024), and "
            "e-commerce return rates hover around 30% (supply-chain loyalty literature)."
        ),
        how_to_fix="Link the return policy from the cart and the checkout, with its key terms.",
        weight=18,
        group="trust",
        evaluate=return_policy,
    ),
    Audit(
        id="trust-signals",
        title="The checkout shows trust signals",
        failure_title="The checkout shows no trust signals",
        description=(
            "25% of shoppers abandon because they did not trust the site with their card "
            "(Baymard Institute, 2024)."
        ),
        how_to_fix=(
            "Mark the payment section as secure (a lock, 'Secure checkout', your payment "
            "provider's and review platform's badges) next to the card fields."
        ),
        weight=25,
        group="trust",
        evaluate=trust_signals,
    ),
    Audit(
        id="live-help",
        title="Live help is at hand",
        failure_title="No live help in the checkout",
        description=(
            "42% of customers would stop using a brand that offers no real-time support line "
            "(supply-chain loyalty literature); 79% of shoppers who prefer live chat do so for "
            "the instant answer, and live chat raises conversion by about 40% "
            "(marketplace-operations literature)."
        ),
        how_to_fix="Offer a live chat or a phone number (a tel: link) on the checkout pages.",
        weight=10,
        group="help",
        evaluate=live_help,
    ),
)
