"""Account audits: no forced account, and a guest checkout shoppers find first."""

from __future__ import annotations

from opsctl.checkout.audit import Audit, AuditContext, NotApplicable, Outcome
from opsctl_checkout_audits.evidence import evidence_of

BAYMARD_ACCOUNT = (
    "24–26% of shoppers abandon a checkout because it forces account creation "
    "(Baymard Institute; 26% in Baymard's 2024 abandonment survey)."
)


def forced_account(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.account_required
    if fact is None:
        return NotApplicable("needs the spec's account policy or the checkout's pages")
    if fact.value:
        return Outcome.binary(False, "an account is required", fact.evidence)
    return Outcome.binary(True, "guests can check out", fact.evidence)


#: How each way of offering guest checkout scores.
GUEST_SCORES = {"default": 1.0, "primary": 1.0, "secondary": 0.5, "none": 0.0}
GUEST_DISPLAY = {
    "default": "guest checkout is the default path",
    "primary": "guest checkout is the first, primary choice",
    "secondary": "guest checkout is offered, but less prominently than signing in",
    "none": "no guest checkout",
}


def guest_prominence(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.guest_checkout
    if fact is None:
        return NotApplicable("needs the spec's account policy or the checkout's pages")
    return Outcome(GUEST_SCORES[fact.value], GUEST_DISPLAY[fact.value], evidence_of(fact))


AUDITS = (
    Audit(
        id="forced-account",
        title="Guests can check out without creating an account",
        failure_title="The checkout forces shoppers to create an account",
        description=(
            f"{BAYMARD_ACCOUNT} Asking for a password before the order is placed loses them."
        ),
        how_to_fix=(
            "Let shoppers check out as guests. Offer to create an account on the confirmation "
            "page instead, where it only takes a password."
        ),
        weight=26,
        group="account",
        evaluate=forced_account,
    ),
    Audit(
        id="guest-checkout-prominence",
        title="Guest checkout is the most prominent option",
        failure_title="Guest checkout is hard to find",
        description=(
            f"{BAYMARD_ACCOUNT} A guest option shown as a small link below the sign-in form "
            "is missed by many of them: it should be the first, primary choice."
        ),
        how_to_fix=(
            "Make 'Continue as guest' the first and primary button of the account step, or skip "
            "the account step and offer sign-in as a collapsed link."
        ),
        weight=10,
        group="account",
        scoring="numeric",
        evaluate=guest_prominence,
    ),
)
