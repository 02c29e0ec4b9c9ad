"""The real storefront checkouts of docs/checkout-storefronts.md: what opsctl finds on each.

Each expectation below was checked by hand against the page (see that document); a change
that moves one of them must update the document too.
"""

from __future__ import annotations

from pathlib import Path

import opsctl_checkout_audits
import pytest
from opsctl_checkout_audits.catalogue import BUILTIN_AUDITS

from opsctl.checkout.audit import AuditContext, run_audits
from opsctl.checkout.pages import gather, read_all
from opsctl.checkout.run import AuditInputs, checkout_facts

PAGES = Path(__file__).resolve().parent / "checkout_pages"

#: storefront -> its pages (flow order) and the scores a person agrees with (None: n/a).
EXPECTED = {
    "bootstrap": (
        ["bootstrap-checkout.html"],
        {"form-fields": 0.3, "shipping-cost-early": 0.0, "total-visible-early": 1.0,
         "autocomplete": 0.0, "mobile-input-types": 0.33, "inline-errors": 1.0,
         "optional-fields-marked": 1.0, "payment-methods": 0.67, "forced-account": 1.0},
    ),
    "woocommerce": (
        ["woocommerce-checkout.html"],
        {"form-fields": 0.41, "shipping-cost-early": 1.0, "total-visible-early": 1.0,
         "autocomplete": 1.0, "guest-checkout-prominence": 1.0, "payment-methods": 0.33,
         "inline-errors": None, "delivery-estimate": 0.0},
    ),
    "magento": (
        ["magento-luma-shipping.html"],
        {"form-fields": 0.41, "checkout-steps": 0.99, "shipping-cost-early": 1.0,
         "total-visible-early": 0.0, "autocomplete": 0.0, "optional-fields-marked": 0.0,
         "mobile-input-types": 0.5, "return-policy": 0.0, "payment-methods": None},
    ),
    "prestashop": (
        ["prestashop-1-personal-information.html", "prestashop-2-addresses.html"],
        {"form-fields": 0.3, "checkout-steps": 0.72, "guest-checkout-prominence": 1.0,
         "shipping-cost-early": 1.0, "return-policy": 1.0, "optional-fields-marked": 1.0,
         "autocomplete": 0.0},
    ),
    "sylius": (
        ["sylius-1-address.html", "sylius-2-shipping.html"],
        {"form-fields": 0.8, "checkout-steps": 0.72, "shipping-cost-early": 1.0,
         "optional-fields-marked": 0.0, "mobile-input-types": 0.5, "autocomplete": 0.0},
    ),
    "solidus": (
        ["solidus-1-registration.html", "solidus-2-address.html", "solidus-3-delivery.html",
         "solidus-4-payment.html"],
        {"form-fields": 0.21, "guest-checkout-prominence": 0.5, "forced-account": 1.0,
         "shipping-cost-early": 1.0, "total-visible-early": 0.5, "payment-methods": 0.33,
         "mobile-input-types": 0.5, "autocomplete": 0.77},
    ),
    "saleor": (
        ["saleor-checkout.html"],
        {"form-fields": 0.54, "shipping-cost-early": 0.0, "total-visible-early": 0.0,
         "autocomplete": 1.0, "optional-fields-marked": 0.0, "guest-checkout-prominence": 1.0},
    ),
    "medusa": (
        ["medusa-checkout.html"],
        {"form-fields": 0.67, "shipping-cost-early": 1.0, "mobile-input-types": 0.5,
         "autocomplete": 1.0, "optional-fields-marked": 0.0},
    ),
}  # fmt: skip


def audit(pages: list[str]) -> dict[str, float | None]:
    readings = read_all(gather([str(PAGES / page) for page in pages]))
    facts = checkout_facts(AuditInputs(pages=readings))
    context = AuditContext(facts=facts, pages=tuple(readings))
    results = run_audits([(a, "checkout-audits") for a in BUILTIN_AUDITS], context)
    return {r.audit.id: r.score for r in results}


@pytest.mark.parametrize("storefront", sorted(EXPECTED))
def test_storefront_findings_match_the_hand_checked_ones(storefront):
    pages, expected = EXPECTED[storefront]
    scores = audit(pages)
    assert {audit_id: scores[audit_id] for audit_id in expected} == expected


def test_every_saved_page_is_covered():
    covered = {page for pages, _ in EXPECTED.values() for page in pages}
    assert covered == {p.name for p in PAGES.glob("*.html")}


def test_the_builtin_plugin_module_registers_every_audit():
    registered = []
    opsctl_checkout_audits.register_checkout_audits(registered.append)
    assert [a.id for a in registered] == [a.id for a in BUILTIN_AUDITS]
    assert len({a.id for a in registered}) == len(registered) == 20
