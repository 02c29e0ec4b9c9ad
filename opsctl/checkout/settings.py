"""The checkout spec's layout, and the ``[checkout]`` section of ``opsctl.toml`` that holds it.

Importing this module declares the section, so the config accepts a spec
under ``[checkout]``; it imports nothing heavy. The values are checked, with
their lines, by :mod:`opsctl.checkout.spec`.
"""

from __future__ import annotations

from typing import Any

from opsctl.config import register_section

#: Sections of a spec and the keys of each that opsctl reads (others become notes).
SECTIONS: dict[str, tuple[str, ...]] = {
    "account": (
        "guest_checkout",
        "account_required",
        "guest_prominence",
        "account_offered_at",
        "password_fields_before_purchase",
        "account_offered_after_purchase",
    ),
    "costs": (
        "subtotal_first_shown",
        "shipping_cost_first_shown",
        "total_first_shown",
        "taxes_included",
        "free_shipping_threshold",
        "free_shipping_message",
        "free_shipping_message_steps",
        "add_ons",
    ),
    "delivery_estimate": ("first_shown", "format", "cutoff_message"),
    "payment": ("methods", "card_brands", "wallets", "express_checkout_steps"),
    "returns": ("policy_url", "window_days", "free_returns_countries", "link_steps"),
    "trust": ("signals", "steps"),
    "help": ("live_chat", "phone", "phone_hours", "faq_url", "help_steps"),
    "emails": (
        "order_confirmation",
        "shipping_confirmation",
        "tracking_link",
        "delivery_updates",
        "delay_notification",
        "review_request_days_after_delivery",
    ),
    "form": ("inline_errors",),
    "stock": ("sold_out",),
}
#: Keys at the top of a spec.
TOP_KEYS = ("schema_version", "shop", "url", "currency", "device_support", "pages")
#: Lists of tables: ``[[steps]]`` and ``[[delivery_options]]``.
LISTS = ("steps", "delivery_options")


def _checked_by_the_spec_reader(value: Any) -> str | None:
    return None


register_section(
    "checkout", dict.fromkeys((*TOP_KEYS, *SECTIONS, *LISTS), _checked_by_the_spec_reader)
)
