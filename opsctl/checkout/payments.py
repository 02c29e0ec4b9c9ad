"""Which payment methods a page offers: cards, wallets and local methods, with evidence.

A method is recognised by its name in the visible text, or in the attributes
of an element (``alt``, ``title``, ``aria-label``, a value, a class, an id,
an image's file name), by :data:`patterns.PAYMENT_PATTERNS`. Words that only
name a method in a payment context ("card", "iDEAL", "invoice") count inside
a payment section; a card-number field means cards.
"""

from __future__ import annotations

from lxml import etree

from opsctl.checkout import patterns as p
from opsctl.checkout.dom import Document
from opsctl.checkout.facts import Evidence, FormField
from opsctl.checkout.text_search import Haystack, PageText


def read_payment_methods(
    doc: Document, text: PageText, fields: list[FormField]
) -> dict[str, Evidence]:
    """The payment methods a page names, each with the element that names it (see the module)."""
    found: dict[str, Evidence] = {}
    markup = Haystack(
        (element, markup_words(element))
        for element in doc.elements
        if element.tag not in ("script", "style", "link", "meta") and not doc.is_hidden(element)
    )
    for method, pattern in p.PAYMENT_PATTERNS.items():
        evidence = text.mentions(pattern)
        if evidence:
            found[method] = evidence[0]
            continue
        element, words = markup.search(pattern)
        if element is not None:
            found[method] = doc.evidence(element, words[:120])
    zone = Haystack(
        (element, f"{markup_words(element)} {doc.text(element)}")
        for element in _payment_zone_elements(doc)
    )
    for method, pattern in p.PAYMENT_CONTEXT_PATTERNS.items():
        if method in found:
            continue
        element, words = zone.search(pattern)
        if element is not None:
            found[method] = doc.evidence(element, words[:120])
    if "card" not in found:
        for form_field in fields:
            if form_field.purpose in ("cc-number", "cc-csc", "cc-exp"):
                found["card"] = form_field.evidence
                break
    return found


def _payment_zone_elements(doc: Document) -> list[etree._Element]:
    """Options inside a payment section: the radios, labels and logos that name methods."""
    zones: list[etree._Element] = []
    for element in doc.visible():
        marks = " ".join(filter(None, (element.get("class"), element.get("id"))))
        if p.PAYMENT_ZONE.search(marks) or p.PAYMENT_ZONE.search(element.get("name") or ""):
            zones.append(element)
    seen: set[etree._Element] = set()
    options = []
    for zone in zones:
        for element in zone.iter("input", "label", "li", "img", "button"):
            if element not in seen and not doc.is_hidden(element):
                seen.add(element)
                options.append(element)
    return options


def markup_words(element: etree._Element) -> str:
    """The attributes of an element that name things: alt, title, labels, ids, classes, files."""
    src = element.get("src") or ""
    return " ".join(
        filter(
            None,
            (
                element.get("alt"),
                element.get("title"),
                element.get("aria-label"),
                element.get("value") if element.tag in ("input", "button", "option") else None,
                element.get("class"),
                element.get("id"),
                element.get("data-payment-method"),
                src.rsplit("/", 1)[-1] if src and not src.startswith("data:") else None,
            ),
        )
    )
