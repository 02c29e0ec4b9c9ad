"""Reading checkout facts off one page's markup, each with its evidence.

:func:`read_page` is a pure function of the HTML text: it returns a
:class:`PageReading` with the visible form fields, the account and guest
options, the step indicator, the cost, total and delivery wording, the
payment methods, trust signals, live help and cart items that the page
shows. :mod:`opsctl.checkout.flow` then combines the pages of a checkout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from opsctl.checkout import patterns as p
from opsctl.checkout.dom import Document, squeeze
from opsctl.checkout.facts import CartItem, Evidence, FormField
from opsctl.checkout.form_fields import read_fields, type_of
from opsctl.checkout.payments import markup_words, read_payment_methods
from opsctl.checkout.text_search import Haystack, PageText, near

#: Address purposes: a form with one of these is a checkout form, not a login or newsletter form.
ADDRESS_PURPOSES = frozenset(
    {"address-line1", "postal-code", "address-level2", "street-address", "given-name", "name"}
)
#: Titles of a section that can name the guest option ("Check out as a guest").
_TITLES = ("h1", "h2", "h3", "h4", "legend")
_ZERO = re.compile(r"(?<![\d.,])0(?:[.,]00?)?(?![\d.,])")
#: Icon ligatures (Material Icons' "mode_edit", private-use glyphs) and "edit" links in titles.
_ICON_WORDS = re.compile(r"[\ue000-\uf8ff]|\b\w+_\w+\b|\s+edit$", re.IGNORECASE)


@dataclass
class PageReading:
    """The facts one page shows. Lists of evidence are empty when the page does not show it."""

    source: str
    kind: str
    title: str
    fields: list[FormField] = field(default_factory=list)
    step_names: tuple[str, ...] = ()
    step_evidence: Evidence | None = None
    password: list[Evidence] = field(default_factory=list)
    password_required: bool = False
    login_gate: bool = False
    create_account: list[Evidence] = field(default_factory=list)
    guest: str | None = None
    guest_evidence: list[Evidence] = field(default_factory=list)
    shipping_cost: list[Evidence] = field(default_factory=list)
    shipping_later: list[Evidence] = field(default_factory=list)
    total: list[Evidence] = field(default_factory=list)
    delivery_estimate: list[Evidence] = field(default_factory=list)
    free_shipping: list[Evidence] = field(default_factory=list)
    payment_methods: dict[str, Evidence] = field(default_factory=dict)
    return_policy: list[Evidence] = field(default_factory=list)
    trust_signals: dict[str, Evidence] = field(default_factory=dict)
    live_help: dict[str, Evidence] = field(default_factory=dict)
    confirmation_email: list[Evidence] = field(default_factory=list)
    tracking_email: list[Evidence] = field(default_factory=list)
    cart_items: list[CartItem] = field(default_factory=list)
    preselected_add_ons: list[Evidence] = field(default_factory=list)

    @property
    def has_address_form(self) -> bool:
        return any(f.purpose in ADDRESS_PURPOSES for f in self.fields)


def read_page(html: str | bytes, source: str, *, step: str | None = None) -> PageReading:
    """Read the checkout facts off one page. ``step`` names the page's step (default: source)."""
    document = Document(html, source)
    return _Reader(document, step or source).read()


class _Reader:
    def __init__(self, document: Document, step: str):
        self.doc = document
        self.step = step
        self.text = PageText(document)
        self.find = self.text.find
        self.mentions = self.text.mentions
        self.page_text = self.text.page

    def read(self) -> PageReading:
        doc = self.doc
        title = doc.title()
        reading = PageReading(source=doc.source, kind="checkout", title=title)
        reading.fields = read_fields(self.doc, self.step)
        reading.kind = self.kind(title, reading)
        self.account(reading)
        self.step_indicator(reading)
        self.costs(reading)
        reading.payment_methods = read_payment_methods(self.doc, self.text, reading.fields)
        self.reassurance(reading)
        reading.cart_items = self.cart_items(reading.kind)
        reading.preselected_add_ons = self.preselected_add_ons()
        return reading

    def preselected_add_ons(self) -> list[Evidence]:
        """Ticked boxes that add a price to the order ("Parcel protection +£1.95")."""
        doc = self.doc
        found = []
        for box in doc.visible("input"):
            if type_of(box) != "checkbox" or box.get("checked") is None:
                continue
            label = doc.label_of(box)
            if p.MONEY.search(label) and not p.FREE.search(label):
                found.append(doc.evidence(box, label))
        return found

    # -- page kind --------------------------------------------------------------------

    def kind(self, title: str, reading: PageReading) -> str:
        heading = next((self.doc.text(h) for h in self.doc.visible("h1")), "")
        body = self.doc.root.find("body")
        body_marks = " ".join(
            (body.get("class") or "", body.get("id") or "") if body is not None else ()
        )
        looks = f"{title} {heading} {body_marks}"
        if p.CONFIRMATION_PAGE.search(looks):
            return "confirmation"
        if p.CART_PAGE.search(f"{title} {heading}") and not reading.has_address_form:
            return "cart"
        return "checkout"

    # -- fields ----------------------------------------------------------------------

    # -- account and guest ------------------------------------------------------------

    def account(self, reading: PageReading) -> None:
        doc = self.doc
        for control in doc.visible("input"):
            if type_of(control) == "password":
                reading.password.append(doc.evidence(control, doc.label_of(control) or "password"))
                if control.get("required") is not None or "*" in doc.label_of(control):
                    reading.password_required = True
            elif type_of(control) == "checkbox" and p.CREATE_ACCOUNT.search(doc.label_of(control)):
                reading.create_account.append(doc.evidence(control, doc.label_of(control)))
        guest_options: list[etree._Element] = []
        sign_in_actions: list[etree._Element] = []
        for element in doc.visible("a", "button", "input", "label", "summary", *_TITLES):
            if element.tag == "input" and type_of(element) not in ("submit", "button", "radio"):
                continue
            if element.tag in _TITLES and not p.GUEST.search(doc.text(element)):
                continue  # a title counts only when it names the guest option
            words = _action_text(doc, element)
            if not words or len(words) > 80:
                continue
            if p.GUEST.search(words):
                guest_options.append(element)
            elif p.SIGN_IN.search(words) or p.CREATE_ACCOUNT.search(words):
                sign_in_actions.append(element)
        reading.login_gate = bool(reading.password) and not reading.has_address_form
        if guest_options:
            first = guest_options[0]
            reading.guest_evidence = [doc.evidence(first, _action_text(doc, first))]
            reading.guest = "primary" if self._prominent(first, sign_in_actions) else "secondary"
        elif reading.login_gate:
            reading.guest = "none"
            reading.guest_evidence = reading.password[:1]
        elif reading.has_address_form:
            if reading.password_required and not reading.create_account:
                reading.guest = "none"
                reading.guest_evidence = reading.password[:1]
            else:
                first = next(f for f in reading.fields if f.purpose in ADDRESS_PURPOSES)
                reading.guest = "default"
                reading.guest_evidence = [first.evidence]

    def _prominent(self, guest: etree._Element, others: list[etree._Element]) -> bool:
        """A guest option is prominent if it is a button that comes first or looks primary."""
        is_button = guest.tag in ("button", "input") or "btn" in (guest.get("class") or "")
        is_button = is_button or "button" in (guest.get("class") or "")
        looks_primary = bool(p.PRIMARY_CLASS.search(guest.get("class") or ""))
        selected = guest.get("aria-selected") == "true" or "active" in (guest.get("class") or "")
        comes_first = not others or (guest.sourceline or 0) <= min(
            (o.sourceline or 0) for o in others
        )
        if guest.tag == "input" and type_of(guest) == "radio":
            return comes_first or guest.get("checked") is not None
        if guest.tag in _TITLES:
            return comes_first
        return looks_primary or ((is_button or selected) and comes_first)

    # -- step indicator -----------------------------------------------------------------

    def step_indicator(self, reading: PageReading) -> None:
        doc = self.doc
        for element in doc.visible("ol", "ul", "nav", "div"):
            marks = " ".join(
                filter(None, (element.get("class"), element.get("id"), element.get("aria-label")))
            )
            if not marks or not p.STEP_CONTAINER.search(marks):
                continue
            items = [child for child in element if isinstance(child.tag, str)]
            if element.tag in ("nav", "div") and len(items) == 1 and items[0].tag in ("ol", "ul"):
                items = [child for child in items[0] if isinstance(child.tag, str)]
            names = [doc.text(item) for item in items if not doc.is_hidden(item)]
            names = [name for name in names if name and len(name) < 60]
            if not 2 <= len(names) <= 8 or sum(bool(p.STEP_WORDS.search(n)) for n in names) < 2:
                continue
            reading.step_names = _checkout_steps(names)
            reading.step_evidence = doc.evidence(element, " › ".join(names))
            return
        if self._step_sections(reading):
            return
        for element in doc.visible():
            if element.get("aria-current") == "step":
                parent = element.getparent()
                names = tuple(doc.text(item) for item in parent if isinstance(item.tag, str))
                reading.step_names = names
                reading.step_evidence = doc.evidence(parent, " › ".join(names))
                return

    def _step_sections(self, reading: PageReading) -> bool:
        """A one-page checkout laid out as sibling sections, each a titled step."""
        doc = self.doc
        for element in doc.visible("section", "div", "li"):
            if "checkout-step" not in (element.get("class") or "").split():
                continue
            parent = element.getparent()
            sections = [
                child
                for child in parent
                if isinstance(child.tag, str) and "checkout-step" in (child.get("class") or "")
            ]
            if not 2 <= len(sections) <= 8:
                continue
            names = [self._section_title(section) for section in sections]
            reading.step_names = _checkout_steps([n for n in names if n])
            reading.step_evidence = doc.evidence(parent, " › ".join(names))
            return True
        return False

    def _section_title(self, section: etree._Element) -> str:
        for heading in section.iter("h1", "h2", "h3", "h4"):
            return _ICON_WORDS.sub(" ", self.doc.text(heading)).strip()
        return ""

    # -- costs, totals, promises ------------------------------------------------------------

    def costs(self, reading: PageReading) -> None:
        page = self.page_text
        if p.FREE_SHIPPING_THRESHOLD.search(page):
            reading.free_shipping = self.find(p.FREE_SHIPPING_THRESHOLD.search)
        if p.SHIPPING_WORD.search(page):
            reading.shipping_later = self.find(
                lambda t: p.SHIPPING_LATER.search(t) and p.SHIPPING_WORD.search(t)
            )
            reading.shipping_cost = self.find(_states_shipping_cost)
        reading.shipping_cost += self._shipping_options() + self._shipping_method_prices()
        if reading.shipping_later:
            # "$0.00" beside "fill in your address to see shipping" is a placeholder, not a price.
            reading.shipping_cost = [
                e for e in reading.shipping_cost if not _ZERO.search(e.snippet)
            ]
        if p.TOTAL.search(page) and not reading.shipping_later:
            # A total next to "shipping: calculated later" is not yet the total to pay.
            reading.total = self.find(_states_total)
        reading.delivery_estimate = self.mentions(p.DELIVERY_ESTIMATE)
        reading.confirmation_email = self.mentions(p.CONFIRMATION_EMAIL)
        reading.tracking_email = self.mentions(p.TRACKING_EMAIL)

    def _shipping_method_prices(self) -> list[Evidence]:
        """Prices listed in a shipping-method section (a table or list of rates)."""
        doc = self.doc
        inside: set[etree._Element] = set()
        for element in doc.visible("div", "table", "ul", "ol", "fieldset", "form", "section"):
            marks = " ".join(filter(None, (element.get("class"), element.get("id"))))
            if marks and p.SHIPPING_METHOD_ZONE.search(marks):
                inside.update(element.iter())
        if not inside:
            return []
        return self.find(lambda t: p.MONEY.search(t), limit=3, within=inside)

    def _shipping_options(self) -> list[Evidence]:
        """Shipping options offered in a select, each with its price."""
        doc = self.doc
        found = []
        for select in doc.visible("select"):
            options = " ".join(squeeze(o.text_content()) for o in select.iter("option"))
            label = doc.label_of(select)
            if p.SHIPPING_WORD.search(f"{label} {select.get('name') or ''}") and p.MONEY.search(
                options
            ):
                found.append(doc.evidence(select, f"{label}: {options}"))
        return found

    # -- reassurance: returns, trust, help -----------------------------------------------------

    def reassurance(self, reading: PageReading) -> None:
        doc = self.doc
        reading.return_policy = self.mentions(p.RETURN_POLICY_TEXT)[:1]
        for evidence in self.mentions(p.TRUST_TEXT):
            found = p.TRUST_TEXT.search(evidence.snippet)
            reading.trust_signals.setdefault(
                found.group(0).lower() if found else "secure checkout", evidence
            )
        for evidence in self.mentions(p.CHAT_TEXT)[:1]:
            reading.live_help.setdefault("chat", evidence)
        for element in doc.visible("a"):
            href = element.get("href") or ""
            words = doc.text(element)
            if not reading.return_policy and (
                p.RETURN_POLICY_HREF.search(href) or p.RETURN_POLICY_LINK_TEXT.search(words)
            ):
                reading.return_policy.append(doc.evidence(element, words or href))
            if href.startswith("tel:"):
                reading.live_help.setdefault("phone", doc.evidence(element, words or href))
        widgets = Haystack(
            (element, _widget_words(element))
            for element in doc.elements
            if element.tag in ("script", "iframe", "div", "link", "section", "aside")
        )
        for vendor, pattern in p.CHAT_VENDORS.items():
            element, words = widgets.search(pattern)
            if element is not None:
                reading.live_help.setdefault(vendor, doc.evidence(element, words[:120]))
        badges = Haystack(
            (element, markup_words(element))
            for element in doc.visible("img", "i", "span", "svg", "div", "a")
        )
        for element, words in badges.search_all(p.TRUST_MARKUP):
            found = p.TRUST_MARKUP.search(words)
            if found:
                reading.trust_signals.setdefault(
                    found.group(0).lower(), doc.evidence(element, words[:120])
                )

    # -- cart items ---------------------------------------------------------------------

    def cart_items(self, kind: str) -> list[CartItem]:
        doc = self.doc
        if kind == "confirmation":
            return []
        proceed = any(
            p.PROCEED.search(_action_text(doc, element))
            and element.get("disabled") is None
            and "disabled" not in (element.get("class") or "")
            for element in doc.visible("a", "button", "input")
        )
        items: dict[str, CartItem] = {}
        for element in doc.elements:
            sku = (
                element.get("data-sku")
                or element.get("data-product-sku")
                or element.get("data-product_sku")
            )
            if not sku and element.get("itemprop") == "sku":
                sku = element.get("content") or doc.text(element)
            if not sku or sku in items or doc.is_hidden(element):
                continue
            row = _item_row(element)
            text = doc.text(row)
            sold_out = bool(p.SOLD_OUT.search(text))
            disabled = any(
                c.get("disabled") is not None for c in row.iter("button", "input") if c is not None
            )
            items[sku] = CartItem(
                sku=sku.strip(),
                name=text[:80],
                evidence=doc.evidence(row),
                marked_sold_out=sold_out,
                purchasable=proceed and not (sold_out and disabled),
            )
        return list(items.values())


# -- helpers ----------------------------------------------------------------------------


def _checkout_steps(names: list[str]) -> tuple[str, ...]:
    """The checkout's own steps among indicator items: not the cart, not the thank-you page."""
    return tuple(
        name
        for name in names
        if not p.STEP_OUTSIDE.search(name)
        and not (p.STEP_DONE.search(name) and not p.STEP_REVIEW.search(name))
    )


def _action_text(doc: Document, element: etree._Element) -> str:
    if element.tag == "input":
        if type_of(element) == "radio":
            return doc.label_of(element)
        return squeeze(element.get("value") or "")
    return doc.text(element) or squeeze(element.get("aria-label") or "")


def _item_row(element: etree._Element) -> etree._Element:
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag in ("tr", "li", "article"):
            return ancestor
        if re.search(r"\b(cart|line|order)[-_]?item\b|\bproduct\b", ancestor.get("class") or ""):
            return ancestor
        if ancestor.tag in ("form", "body", "table"):
            break
    return element


def _states_shipping_cost(text: str) -> bool:
    """A shipping word with an amount or "free": not a free-shipping promise, not a deferral."""
    return bool(
        (near(p.SHIPPING_WORD, p.MONEY, text) or near(p.SHIPPING_WORD, p.FREE, text))
        and not p.FREE_SHIPPING_THRESHOLD.search(text)
        and not p.SHIPPING_LATER.search(text)
    )


def _states_total(text: str) -> bool:
    return near(p.TOTAL, p.MONEY, text)


def _widget_words(element: etree._Element) -> str:
    words = " ".join(filter(None, (element.get(a) for a in ("src", "href", "id", "class"))))
    if element.tag == "script" and element.text and len(element.text) < 20000:
        words = f"{words} {element.text}"
    return words
