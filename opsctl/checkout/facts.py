"""The facts an audit judges, whichever input they come from.

A spec declares facts, a page shows them; both become :class:`CheckoutFacts`,
and :func:`merge` combines the two. Every fact carries its
:class:`Evidence`: where it was found (file and line, with a CSS selector for
HTML or the key for a spec) so a report can point at it. A fact that is
``None`` is unknown: the audits that need it are "not applicable".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Where a step sits in the flow: the cart, a checkout step, the confirmation.
STEP_KINDS = ("cart", "checkout", "confirmation")
#: When the shipping cost or the order total first appears: on the cart, on the first
#: checkout step, on a later step, only on the last step, or never.
STAGES = ("cart", "first", "later", "last", "never")
#: How a guest can check out: by default (no account step), as the first choice,
#: as a lesser choice than signing in, or not at all.
GUEST_CHECKOUT = ("default", "primary", "secondary", "none")
#: What the shop does with an item that is sold out.
SOLD_OUT_POLICIES = ("hidden", "not_purchasable", "backorder", "purchasable")

#: Payment methods opsctl recognises, by id: their kind and how they read.
PAYMENT_METHODS: dict[str, tuple[str, str]] = {
    "card": ("card", "credit or debit card"),
    "visa": ("card", "Visa"),
    "mastercard": ("card", "Mastercard"),
    "amex": ("card", "American Express"),
    "discover": ("card", "Discover"),
    "maestro": ("card", "Maestro"),
    "paypal": ("wallet", "PayPal"),
    "apple_pay": ("wallet", "Apple Pay"),
    "google_pay": ("wallet", "Google Pay"),
    "amazon_pay": ("wallet", "Amazon Pay"),
    "shop_pay": ("wallet", "Shop Pay"),
    "samsung_pay": ("wallet", "Samsung Pay"),
    "alipay": ("wallet", "Alipay"),
    "wechat_pay": ("wallet", "WeChat Pay"),
    "klarna": ("local", "Klarna"),
    "afterpay": ("local", "Afterpay / Clearpay"),
    "affirm": ("local", "Affirm"),
    "ideal": ("local", "iDEAL"),
    "bancontact": ("local", "Bancontact"),
    "sofort": ("local", "Sofort"),
    "giropay": ("local", "giropay"),
    "sepa": ("local", "SEPA direct debit"),
    "eps": ("local", "EPS"),
    "przelewy24": ("local", "Przelewy24"),
    "blik": ("local", "BLIK"),
    "twint": ("local", "TWINT"),
    "swish": ("local", "Swish"),
    "vipps": ("local", "Vipps"),
    "mobilepay": ("local", "MobilePay"),
    "mb_way": ("local", "MB WAY"),
    "pix": ("local", "Pix"),
    "boleto": ("local", "Boleto"),
    "bank_transfer": ("local", "bank transfer"),
    "invoice": ("local", "invoice / pay later"),
    "cash_on_delivery": ("local", "cash on delivery"),
}
PAYMENT_KINDS = ("card", "wallet", "local")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact was seen: a file (or URL) and line, a CSS selector or spec key, a snippet."""

    source: str
    line: int | None = None
    selector: str | None = None
    snippet: str = ""

    @property
    def location(self) -> str:
        """``source:line``, as editors and CI logs link it."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "selector": self.selector,
            "snippet": self.snippet,
        }


@dataclass(frozen=True, slots=True)
class Fact(Generic[T]):
    """A value and the evidence for it."""

    value: T
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class FormField:
    """One field a shopper fills in (or one checkbox or radio group they answer)."""

    name: str
    label: str
    #: ``text``, ``email``, ``tel``, ``number``, ``password``, ``select``, ``textarea``,
    #: ``checkbox``, ``radio``... (the input type, or the element for selects and textareas).
    type: str
    required: bool
    step: str
    evidence: Evidence
    autocomplete: str | None = None
    inputmode: str | None = None
    pattern: str | None = None
    #: What the field asks for, as an autofill token (``email``, ``postal-code``...), if known.
    purpose: str | None = None
    #: Its label or placeholder says "optional".
    marked_optional: bool = False
    #: Markup for a message next to the field when its value is wrong.
    inline_error: bool = False

    @property
    def is_entry(self) -> bool:
        """A field to type or pick a value in (Baymard's "form field"), not a tick box."""
        return self.type not in ("checkbox", "radio")


@dataclass(frozen=True, slots=True)
class Step:
    """A step of the flow: its name and kind (``cart``, ``checkout`` or ``confirmation``)."""

    name: str
    kind: str = "checkout"


@dataclass(frozen=True, slots=True)
class CartItem:
    """An item in the cart or checkout summary, identified by SKU."""

    sku: str
    name: str
    evidence: Evidence
    #: The page says it is sold out or out of stock.
    marked_sold_out: bool = False
    #: The shopper can still go on to pay for it.
    purchasable: bool = True


@dataclass(frozen=True)
class CheckoutFacts:
    """Everything the built-in audits judge; ``None`` means unknown.

    ``shipping_cost_stage`` and ``total_stage`` say when the shipping cost and
    the order total first appear (one of :data:`STAGES`).
    """

    steps: Fact[tuple[Step, ...]] | None = None
    fields: Fact[tuple[FormField, ...]] | None = None
    account_required: Fact[bool] | None = None
    guest_checkout: Fact[str] | None = None
    shipping_cost_stage: Fact[str] | None = None
    total_stage: Fact[str] | None = None
    delivery_estimate: Fact[bool] | None = None
    free_shipping_threshold: Fact[bool] | None = None
    free_shipping_message: Fact[bool] | None = None
    payment_methods: Fact[frozenset[str]] | None = None
    return_policy: Fact[bool] | None = None
    trust_signals: Fact[tuple[str, ...]] | None = None
    live_help: Fact[tuple[str, ...]] | None = None
    inline_errors: Fact[bool] | None = None
    confirmation_email: Fact[bool] | None = None
    tracking_email: Fact[bool] | None = None
    sold_out_policy: Fact[str] | None = None
    cart_items: Fact[tuple[CartItem, ...]] | None = None
    #: Paid extras added to the order unless the shopper opts out (insurance, gift wrap...).
    preselected_add_ons: Fact[tuple[str, ...]] | None = None
    #: Where the inputs disagree ("the spec declares X, the pages show Y").
    notes: tuple[str, ...] = field(default=())

    def known(self) -> list[str]:
        """The names of the facts that are known."""
        return [f.name for f in fields(self) if f.name != "notes" and getattr(self, f.name)]


def stage_of(step: str, steps: tuple[Step, ...]) -> str:
    """The stage (see :data:`STAGES`) of the step named ``step`` in the flow ``steps``."""
    kinds = {s.name: s.kind for s in steps}
    if kinds.get(step) == "cart":
        return "cart"
    if kinds.get(step) == "confirmation":
        return "never"  # after the order is placed is too late to matter
    checkout = [s.name for s in steps if s.kind == "checkout"]
    if not checkout or step not in checkout or checkout.index(step) == 0:
        return "first"
    return "last" if checkout.index(step) == len(checkout) - 1 else "later"


# -- combining declared and observed facts ------------------------------------------------

#: How each fact is merged: ``observed`` prefers the pages, falling back on the spec;
#: ``any`` is true when either input shows it; ``union`` joins collections.
MERGE_RULES: dict[str, str] = {
    "steps": "observed",
    "fields": "observed",
    "account_required": "observed",
    "guest_checkout": "observed",
    "shipping_cost_stage": "observed",
    "total_stage": "observed",
    "delivery_estimate": "any",
    "free_shipping_threshold": "declared",
    "free_shipping_message": "any",
    "payment_methods": "union",
    "return_policy": "any",
    "trust_signals": "union",
    "live_help": "union",
    "inline_errors": "any",
    "confirmation_email": "any",
    "tracking_email": "any",
    "sold_out_policy": "declared",
    "cart_items": "observed",
    "preselected_add_ons": "union",
}


def _describe(value: Any) -> str:
    if isinstance(value, tuple | frozenset):
        if value and isinstance(next(iter(value)), Step | FormField):
            return f"{len(value)}"
        return ", ".join(sorted(str(v) for v in value)) or "none"
    if value is None:
        return "never"
    return str(value).lower() if isinstance(value, bool) else str(value)


def merge(observed: CheckoutFacts | None, declared: CheckoutFacts | None) -> CheckoutFacts:
    """Combine the facts of the pages (``observed``) and of the spec (``declared``).

    The rules are in :data:`MERGE_RULES`. Where both inputs know a fact and
    disagree, a note says so; the report lists the notes.
    """
    if observed is None or declared is None:
        return observed or declared or CheckoutFacts()
    merged: dict[str, Any] = {}
    notes = [*observed.notes, *declared.notes]
    for name, rule in MERGE_RULES.items():
        seen, said = getattr(observed, name), getattr(declared, name)
        if seen is None or said is None:
            merged[name] = seen if said is None else said
            continue
        disagree = (
            bool(seen.value) != bool(said.value)
            if rule == "union"
            else _describe(seen.value) != _describe(said.value)
        )
        if disagree:
            notes.append(
                f"{name.replace('_', ' ')}: the spec declares {_describe(said.value)}, "
                f"the pages show {_describe(seen.value)}"
            )
        if rule == "observed":
            merged[name] = seen
        elif rule == "declared":
            merged[name] = said
        elif rule == "any":
            merged[name] = seen if seen.value or not said.value else said
        else:
            merged[name] = _union(seen, said)
    return CheckoutFacts(**merged, notes=tuple(notes))


def _union(first: Fact[Any], second: Fact[Any]) -> Fact[Any]:
    if not first.value or not second.value:  # the side that shows something speaks alone
        return second if not first.value else first
    values: Iterable[Any] = (*first.value, *second.value)
    joined = (
        frozenset(values) if isinstance(first.value, frozenset) else tuple(dict.fromkeys(values))
    )
    return Fact(joined, first.evidence + second.evidence)


def with_notes(facts: CheckoutFacts, *notes: str) -> CheckoutFacts:
    """``facts`` with more notes."""
    return replace(facts, notes=(*facts.notes, *notes))
