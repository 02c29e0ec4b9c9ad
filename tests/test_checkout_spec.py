"""The checkout spec: the demo shop's file, [checkout] in opsctl.toml, and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsctl.checkout.spec import load_spec, parse_spec
from opsctl.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DEMO_SPEC = ROOT / "fixtures" / "checkout" / "spec.toml"

SMALL_SPEC = """\
shop = "Tiny shop"

[account]
guest_checkout = true

[costs]
shipping_cost_first_shown = "cart"
total_first_shown = "review"

[payment]
methods = ["card", "paypal"]

[[steps]]
id = "cart"
[[steps]]
id = "address"
fields = [
  { name = "email", type = "email", autocomplete = "email" },
  { name = "company", required = false },
]
[[steps]]
id = "review"
"""


def test_demo_spec_declares_the_documented_checkout():
    spec = load_spec(DEMO_SPEC)
    facts = spec.facts
    assert spec.name == "Fellside Outfitters"
    assert [p.name for p in spec.pages][:2] == ["cart.html", "information.html"]
    assert [s.kind for s in facts.steps.value] == [
        "cart",
        "checkout",
        "checkout",
        "checkout",
        "confirmation",
    ]
    assert facts.shipping_cost_stage.value == "later"
    assert facts.total_stage.value == "last"
    assert facts.account_required.value is False
    assert "apple_pay" in facts.payment_methods.value
    assert facts.live_help.value == ("phone",)
    assert "shipping_protection" not in {f.name for f in facts.fields.value}  # a hidden input


def test_evidence_points_at_the_declaring_line():
    facts = parse_spec(SMALL_SPEC, "checkout.toml").facts
    assert facts.shipping_cost_stage.evidence[0].location == "checkout.toml:7"
    assert facts.shipping_cost_stage.evidence[0].selector == "costs.shipping_cost_first_shown"
    email, company = facts.fields.value
    assert (email.evidence.line, company.evidence.line) == (18, 19)
    assert company.required is False and email.purpose == "email"


def test_a_step_id_becomes_a_stage_of_the_flow():
    facts = parse_spec(SMALL_SPEC, "checkout.toml").facts
    assert facts.shipping_cost_stage.value == "cart"
    assert facts.total_stage.value == "last"


def test_the_spec_can_live_under_checkout_in_opsctl_toml():
    text = """\
[defaults]
timezone = "UTC"

[checkout]
shop = "Tiny shop"

[checkout.costs]
shipping_cost_first_shown = "cart"

[[checkout.steps]]
id = "cart"
"""
    spec = parse_spec(text, "opsctl.toml")
    assert spec.name == "Tiny shop"
    evidence = spec.facts.shipping_cost_stage.evidence[0]
    assert (evidence.location, evidence.selector) == (
        "opsctl.toml:8",
        "checkout.costs.shipping_cost_first_shown",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('total_first_shown = "review"', 'total_first_shown = "basket"'),
            "checkout.toml:8: costs.total_first_shown: 'basket' is not a step id",
        ),
        (
            ('methods = ["card", "paypal"]', 'methods = ["card", "bitcoin"]'),
            "checkout.toml:11: payment.methods: unknown payment method 'bitcoin'",
        ),
        (
            ("guest_checkout = true", 'guest_checkout = "yes"'),
            "checkout.toml:4: account.guest_checkout: 'yes' is not true or false",
        ),
        (
            ('shop = "Tiny shop"', 'shop = "Tiny shop"\ncolour = "red"'),
            "checkout.toml:2: colour: unknown key",
        ),
        (
            ('id = "review"', 'id = "review"\nkind = "basket"'),
            "checkout.toml:21: steps: step 'review': kind 'basket' is not one of",
        ),
    ],
)
def test_a_wrong_value_names_file_line_and_key(change, message):
    with pytest.raises(ConfigError) as error:
        parse_spec(SMALL_SPEC.replace(*change), "checkout.toml")
    assert str(error.value).startswith(message)


def test_invalid_toml_names_the_line():
    with pytest.raises(ConfigError, match=r"^checkout.toml:2: invalid TOML"):
        parse_spec('shop = "x"\n[costs\n', "checkout.toml")


def test_keys_opsctl_does_not_use_become_notes():
    facts = parse_spec(SMALL_SPEC + "\n[help]\nchatbot = true\n", "checkout.toml").facts
    assert facts.notes == ("spec key help.chatbot is not used by opsctl",)


def test_paid_add_ons_selected_in_advance_are_declared_extra_costs():
    spec = SMALL_SPEC + (
        '\n[[costs.add_ons]]\nname = "insurance"\nlabel = "Parcel protection"\nprice = "1.95"\n'
        'preselected = true\n\n[[costs.add_ons]]\nname = "wrap"\nprice = "0"\npreselected = true\n'
    )
    facts = parse_spec(spec, "checkout.toml").facts
    assert facts.preselected_add_ons.value == ("Parcel protection",)
