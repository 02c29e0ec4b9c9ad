"""Combining the readings of a checkout's pages, in flow order, into its facts.

The pages are the flow: cart pages first, then the checkout steps, then the
confirmation. A step indicator on a checkout page names the checkout's steps
(a one-page checkout that shows "Shipping › Payment › Review" has three);
without one, each checkout page is one step.
"""

from __future__ import annotations

from collections.abc import Sequence

from opsctl.checkout.extract import PageReading
from opsctl.checkout.facts import (
    CartItem,
    CheckoutFacts,
    Evidence,
    Fact,
    FormField,
    Step,
    stage_of,
)


def combine(readings: Sequence[PageReading], names: Sequence[str] | None = None) -> CheckoutFacts:
    """The facts of a checkout whose pages, in flow order, read as ``readings``.

    ``names`` are the pages' step names (default: their sources).
    """
    if not readings:
        return CheckoutFacts()
    names = list(names or [r.source for r in readings])
    checkout = [r for r in readings if r.kind == "checkout"]
    return CheckoutFacts(
        steps=_steps(readings, names),
        fields=_fields(checkout),
        account_required=_account_required(readings),
        guest_checkout=_guest(readings),
        shipping_cost_stage=_stage(readings, lambda r: r.shipping_cost, "shipping cost"),
        total_stage=_stage(readings, lambda r: r.total, "order total"),
        delivery_estimate=_shown(readings, lambda r: r.delivery_estimate),
        free_shipping_message=_shown(readings, lambda r: r.free_shipping),
        payment_methods=_payment_methods(readings),
        return_policy=_shown(readings, lambda r: r.return_policy),
        trust_signals=_named(readings, lambda r: r.trust_signals),
        live_help=_named(readings, lambda r: r.live_help),
        inline_errors=_inline_errors(checkout),
        confirmation_email=_confirmation_email(readings),
        tracking_email=_mentioned(readings, lambda r: r.tracking_email),
        cart_items=_cart_items(readings),
        preselected_add_ons=_add_ons(readings),
    )


def _page_evidence(reading: PageReading) -> Evidence:
    return Evidence(reading.source, None, None, f"{reading.kind} page: {reading.title}"[:120])


def _steps(readings: Sequence[PageReading], names: list[str]) -> Fact[tuple[Step, ...]]:
    indicator = next((r for r in readings if r.kind == "checkout" and r.step_names), None)
    pages = list(zip(names, readings, strict=True))
    steps: list[Step] = [Step(name, "cart") for name, r in pages if r.kind == "cart"]
    evidence = [_page_evidence(r) for r in readings if r.kind == "cart"]
    if indicator is not None and indicator.step_evidence is not None:
        steps += [Step(name, "checkout") for name in indicator.step_names]
        evidence.append(indicator.step_evidence)
    else:
        for name, reading in zip(names, readings, strict=True):
            if reading.kind == "checkout":
                steps.append(Step(name, "checkout"))
                evidence.append(_page_evidence(reading))
    for name, reading in zip(names, readings, strict=True):
        if reading.kind == "confirmation":
            steps.append(Step(name, "confirmation"))
            evidence.append(_page_evidence(reading))
    return Fact(tuple(steps), tuple(evidence))


def _fields(checkout: Sequence[PageReading]) -> Fact[tuple[FormField, ...]] | None:
    if not checkout:
        return None
    fields: dict[str, FormField] = {}
    for reading in checkout:
        for form_field in reading.fields:
            kept = fields.get(form_field.name)
            # Asked again later (prefilled): one field. Required if any page requires it.
            if kept is None or (form_field.required and not kept.required):
                fields[form_field.name] = form_field
    return Fact(tuple(fields.values()), tuple(f.evidence for f in fields.values()))


def _guest(readings: Sequence[PageReading]) -> Fact[str] | None:
    for reading in readings:
        if reading.guest is not None:
            return Fact(reading.guest, tuple(reading.guest_evidence))
    return None


def _account_required(readings: Sequence[PageReading]) -> Fact[bool] | None:
    guest = _guest(readings)
    if guest is None:
        return None
    if guest.value == "none":
        return Fact(True, guest.evidence)
    offered = [e for r in readings for e in r.create_account]
    return Fact(False, guest.evidence + tuple(offered[:1]))


def _stage(readings: Sequence[PageReading], shown, what: str) -> Fact[str]:
    """When ``what`` first appears: ``cart``, ``first``, ``later``, ``last`` or ``never``."""
    for reading in readings:
        evidence = shown(reading)
        if not evidence or reading.kind == "confirmation":
            continue
        if reading.kind == "cart":
            return Fact("cart", tuple(evidence))
        pages = tuple(Step(r.source, r.kind) for r in readings)
        return Fact(stage_of(reading.source, pages), tuple(evidence))
    deferred = [e for r in readings if r.kind != "confirmation" for e in r.shipping_later]
    sources = ", ".join(r.source for r in readings)
    absent = Evidence(sources, None, None, f"no {what} on the pages given")
    return Fact("never", tuple(deferred) or (absent,))


def _shown(readings: Sequence[PageReading], shown) -> Fact[bool]:
    evidence = [e for r in readings if r.kind != "confirmation" for e in shown(r)]
    if evidence:
        return Fact(True, tuple(evidence[:3]))
    sources = ", ".join(r.source for r in readings)
    return Fact(False, (Evidence(sources, None, None, "not found on the pages given"),))


def _mentioned(readings: Sequence[PageReading], shown) -> Fact[bool] | None:
    evidence = [e for r in readings for e in shown(r)]
    return Fact(True, tuple(evidence[:3])) if evidence else None


def _named(readings: Sequence[PageReading], named) -> Fact[tuple[str, ...]]:
    found: dict[str, Evidence] = {}
    for reading in readings:
        for name, evidence in named(reading).items():
            found.setdefault(name, evidence)
    if not found:
        sources = ", ".join(r.source for r in readings)
        return Fact((), (Evidence(sources, None, None, "none found on the pages given"),))
    return Fact(tuple(found), tuple(found.values()))


def _payment_methods(readings: Sequence[PageReading]) -> Fact[frozenset[str]]:
    found: dict[str, Evidence] = {}
    for reading in readings:
        for method, evidence in reading.payment_methods.items():
            found.setdefault(method, evidence)
    return Fact(frozenset(found), tuple(found.values()))


def _inline_errors(checkout: Sequence[PageReading]) -> Fact[bool] | None:
    fields = [f for r in checkout for f in r.fields if f.is_entry]
    if not fields:
        return None
    with_errors = [f for f in fields if f.inline_error]
    if with_errors:
        return Fact(True, tuple(f.evidence for f in with_errors[:3]))
    return None  # errors may be rendered only after a submit: the markup cannot tell


def _confirmation_email(readings: Sequence[PageReading]) -> Fact[bool] | None:
    mentioned = _mentioned(readings, lambda r: r.confirmation_email)
    if mentioned is not None:
        return mentioned
    confirmation = [r for r in readings if r.kind == "confirmation"]
    if confirmation:
        return Fact(False, (_page_evidence(confirmation[0]),))
    return None


def _cart_items(readings: Sequence[PageReading]) -> Fact[tuple[CartItem, ...]] | None:
    items: dict[str, CartItem] = {}
    for reading in readings:
        for item in reading.cart_items:
            items.setdefault(item.sku, item)
    if not items:
        return None
    return Fact(tuple(items.values()), tuple(i.evidence for i in items.values()))


def _add_ons(readings: Sequence[PageReading]) -> Fact[tuple[str, ...]] | None:
    """Pre-ticked paid add-ons on the pages before the order (none found: an empty fact)."""
    evidence = [e for r in readings if r.kind != "confirmation" for e in r.preselected_add_ons]
    if evidence:
        return Fact(tuple(e.snippet for e in evidence), tuple(evidence))
    if not any(r.kind == "checkout" for r in readings):
        return None
    sources = ", ".join(r.source for r in readings)
    return Fact((), (Evidence(sources, None, None, "no pre-ticked paid add-on on the pages"),))
