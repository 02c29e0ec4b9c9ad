"""The demo shop's web checkout: its spec, its HTML pages and the GA4 funnel it produces.

The checkout is deliberately ordinary, with the flaws real checkouts have:
shipping cost shown only at the delivery step and the total only at payment, a
hidden pre-selected "parcel protection" fee, an optional account that still puts
two password fields before the purchase, a required phone number, a pre-ticked
newsletter box, fields without ``autocomplete``, a split card expiry, no live chat,
no Google Pay, delivery estimates as working-day ranges instead of dates, and no
e-mail when a parcel runs late. The spec and the pages agree on all of it.

Funnel sessions are simulated per web order: shoppers start checkouts until one
buys; every earlier session is an abandoned one. Continuation rates per step are
lower on mobile, worst at payment, so cart abandonment lands near the 70% that
Baymard Institute documents.
"""

from __future__ import annotations

import random

from opsctl.demo.calendars import SECONDS_PER_DAY, day_date

FUNNEL_EVENTS = ("view_cart", "begin_checkout", "add_shipping_info", "add_payment_info", "purchase")
DEVICE_SHARES = (("desktop", 0.36), ("mobile", 0.57), ("tablet", 0.07))
STEP_CONTINUATION = {
    "desktop": (0.62, 0.84, 0.86, 0.90),
    "mobile": (0.52, 0.76, 0.72, 0.70),
    "tablet": (0.58, 0.80, 0.82, 0.86),
}
"""Probability of going on from each funnel event to the next, per device."""
RETURNING_ABANDONER_SHARE = 0.3
"""Share of abandoned sessions that belong to the shopper who later buys."""


class FunnelSimulator:
    """Writes GA4-shaped checkout events for web orders (NDJSON lines)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._event_dates: dict[int, str] = {}

    def _device(self) -> str:
        draw = self._rng.random()
        for device, share in DEVICE_SHARES:
            if draw < share:
                return device
            draw -= share
        return DEVICE_SHARES[-1][0]

    def _reached(self, device: str) -> int:
        """How many funnel events a session gets through (1 = viewed the cart only)."""
        reached = 1
        for rate in STEP_CONTINUATION[device]:
            if self._rng.random() >= rate:
                break
            reached += 1
        return reached

    def order_sessions(
        self,
        order_id: str,
        placed_at: int,
        buyer: str,
        currency: str,
        items_minor: int,
        total_minor: int,
    ) -> list[str]:
        """The abandoned sessions before a web order and the session that placed it."""
        rng = self._rng
        lines: list[str] = []
        while True:
            device = self._device()
            reached = self._reached(device)
            if reached == len(FUNNEL_EVENTS):
                break
            returning = rng.random() < RETURNING_ABANDONER_SHARE
            user = buyer if returning else _pseudo_id(rng, placed_at)
            start = placed_at - int(600 + rng.random() * (86_400 * (3 if returning else 1)))
            basket = items_minor if returning else int(items_minor * (0.3 + rng.random() * 1.4))
            lines.extend(
                self._session(start, user, device, reached, None, currency, basket, basket)
            )
        duration = int(240 + rng.random() * 1200)
        lines.extend(
            self._session(
                placed_at - duration,
                buyer,
                device,
                len(FUNNEL_EVENTS),
                order_id,
                currency,
                items_minor,
                total_minor,
                end=placed_at,
            )
        )
        return lines

    def _session(
        self,
        start: int,
        user: str,
        device: str,
        reached: int,
        transaction_id: str | None,
        currency: str,
        items_minor: int,
        total_minor: int,
        end: int | None = None,
    ) -> list[str]:
        """The events of one session, as NDJSON lines; the last one at ``end`` if given."""
        rng = self._rng
        lines = []
        moment = start
        steps = FUNNEL_EVENTS[:reached]
        for index, event_name in enumerate(steps):
            if index:
                moment += int(20 + rng.random() * 200)
            if end is not None and index == len(steps) - 1:
                moment = max(moment, end)
            value = items_minor if index < 3 else total_minor
            transaction = (
                f',"transaction_id":"{transaction_id}"' if event_name == "purchase" else ""
            )
            micros = moment * 1_000_000 + int(rng.random() * 1_000_000)
            lines.append(
                f'{{"event_date":"{self._event_date(moment)}","event_timestamp":{micros},'
                f'"event_name":"{event_name}","user_pseudo_id":"{user}",'
                f'"ga_session_id":{start}{transaction},'
                f'"device_category":"{device}","value":{value // 100}.{value % 100:02d},'
                f'"currency":"{currency}"}}\n'
            )
        return lines

    def _event_date(self, instant: int) -> str:
        """GA4's ``event_date`` (``YYYYMMDD``, UTC here) of an instant."""
        day = instant // SECONDS_PER_DAY
        text = self._event_dates.get(day)
        if text is None:
            text = self._event_dates[day] = day_date(day).strftime("%Y%m%d")
        return text


def _pseudo_id(rng: random.Random, around: int) -> str:
    """A GA4 client id: a random number and the first-visit timestamp."""
    return f"{1_000_000_000 + int(rng.random() * 8_999_999_999)}.{around - int(rng.random() * 8e6)}"


def buyer_pseudo_id(customer_no: int) -> str:
    """The stable GA4 client id of a customer (same device over the period)."""
    return f"{1_000_000_000 + customer_no * 7_919 % 8_999_999_999}.{1_760_000_000 - customer_no}"


CHECKOUT_SPEC = """\
# Checkout spec of the Fellside Outfitters web shop (demo data).
# Written by `python -m opsctl.demo.generator`; the pages it names are in pages/.
# It describes the checkout as it is, flaws included: see docs/demo-shop.md.

schema_version = 1
shop = "Fellside Outfitters"
url = "https://www.fellside-outfitters.co.uk/checkout"
currency = "GBP"
device_support = ["desktop", "mobile", "tablet"]

[account]
guest_checkout = true
account_required = false
account_offered_at = "information"      # optional account, offered before the purchase
password_fields_before_purchase = 2     # password + confirm password
account_offered_after_purchase = true   # "save your details" on the confirmation page

[costs]
subtotal_first_shown = "cart"
shipping_cost_first_shown = "shipping"  # the cart says "calculated at the next step"
total_first_shown = "payment"
taxes_included = true
free_shipping_threshold = "50.00"
free_shipping_message_steps = ["cart"]
free_shipping_message = "Spend £50 or more for free UK standard delivery"

[[costs.add_ons]]
name = "shipping_protection"
label = "Parcel protection"
price = "1.95"
preselected = true
visible_before_step = "payment"         # a hidden input until the payment summary

[delivery_estimate]
first_shown = "shipping"
format = "working_days_range"           # "2-4 working days", not a date
cutoff_message = "Order by 2pm for same-day dispatch"

[[delivery_options]]
id = "economy"
label = "Royal Mail Tracked 48"
price = "2.95"
estimate = "3-5 working days"

[[delivery_options]]
id = "standard"
label = "Standard delivery"
price = "3.95"
free_over = "50.00"
estimate = "2-4 working days"

[[delivery_options]]
id = "express"
label = "Express (next working day)"
price = "6.95"
estimate = "next working day if ordered by 2pm"

[payment]
methods = ["card", "paypal", "klarna"]
card_brands = ["visa", "mastercard", "amex"]
wallets = ["apple_pay"]                 # no Google Pay
express_checkout_steps = ["cart"]       # PayPal button on the basket page

[returns]
policy_url = "/help/returns"
window_days = 30
free_returns_countries = ["GB"]
link_steps = ["cart", "confirmation"]

[trust]
signals = ["secure_checkout_badge", "trustpilot_widget", "payment_logos"]
steps = ["cart", "payment"]

[help]
live_chat = false
phone = "+44 113 496 0742"
phone_hours = "Mon-Fri 09:00-17:00"
faq_url = "/help"
help_steps = ["cart", "information", "shipping", "payment"]

[emails]
order_confirmation = true
shipping_confirmation = true
tracking_link = true
delivery_updates = ["dispatched", "delivered"]
delay_notification = false
review_request_days_after_delivery = 7

[[steps]]
id = "cart"
title = "Your basket"
page = "pages/cart.html"
fields = [
  { name = "promo_code", type = "text", required = false, autocomplete = "off" },
]

[[steps]]
id = "information"
title = "Contact and delivery address"
page = "pages/information.html"
fields = [
  { name = "email", type = "email", required = true, autocomplete = "email" },
  { name = "newsletter", type = "checkbox", required = false, prechecked = true },
  { name = "create_account", type = "checkbox", required = false },
  { name = "password", type = "password", required = false, autocomplete = "new-password" },
  { name = "password_confirm", type = "password", required = false },
  { name = "first_name", type = "text", required = true, autocomplete = "given-name" },
  { name = "last_name", type = "text", required = true, autocomplete = "family-name" },
  { name = "company", type = "text", required = false },
  { name = "address_line1", type = "text", required = true, autocomplete = "address-line1" },
  { name = "address_line2", type = "text", required = false, autocomplete = "address-line2" },
  { name = "city", type = "text", required = true, autocomplete = "address-level2" },
  { name = "county", type = "text", required = false },
  { name = "postcode", type = "text", required = true, autocomplete = "postal-code" },
  { name = "country", type = "select", required = true, autocomplete = "country" },
  { name = "phone", type = "tel", required = true, autocomplete = "tel" },
  { name = "shipping_protection", type = "hidden", required = false },
]

[[steps]]
id = "shipping"
title = "Delivery"
page = "pages/shipping.html"
fields = [
  { name = "shipping_method", type = "radio", required = true },
  { name = "delivery_instructions", type = "textarea", required = false },
]

[[steps]]
id = "payment"
title = "Payment"
page = "pages/payment.html"
fields = [
  { name = "payment_method", type = "radio", required = true },
  { name = "card_number", type = "text", required = true, autocomplete = "cc-number" },
  { name = "card_name", type = "text", required = true },
  { name = "card_expiry_month", type = "select", required = true },
  { name = "card_expiry_year", type = "select", required = true },
  { name = "card_cvc", type = "text", required = true, autocomplete = "cc-csc" },
  { name = "billing_same_as_delivery", type = "checkbox", required = false, prechecked = true },
  { name = "accept_terms", type = "checkbox", required = true },
]

[[steps]]
id = "confirmation"
title = "Order confirmed"
page = "pages/confirmation.html"
fields = []
"""

_PAGE_HEAD = """\
<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} | Fellside Outfitters</title>
  <link rel="stylesheet" href="/assets/checkout.css">
</head>
<body class="checkout checkout--{step}">
  <header class="site-header">
    <a href="/" class="logo"><img src="/assets/fellside-logo.svg" alt="Fellside Outfitters"
      width="180" height="40"></a>
    <ol class="progress" aria-label="Checkout progress">
      <li{cart}>Basket</li><li{information}>Details</li><li{shipping}>Delivery</li>
      <li{payment}>Payment</li><li{confirmation}>Done</li>
    </ol>
  </header>
  <main>
"""

_PAGE_FOOT = """\
  </main>
  <footer class="site-footer">
    <p>Questions? Call us on <a href="tel:+441134960742">0113 496 0742</a>
      (Mon&ndash;Fri 9am&ndash;5pm) or read our <a href="/help">help pages</a>.</p>
    <p>&copy; Fellside Outfitters Ltd, Leeds LS10 1RJ. <a href="/privacy">Privacy</a>
      &middot; <a href="/terms">Terms</a></p>
  </footer>
</body>
</html>
"""

_CART_BODY = """\
    <h1>Your basket</h1>
    <table class="basket">
      <thead><tr><th>Item</th><th>Qty</th><th>Price</th></tr></thead>
      <tbody>
        <tr><td>Merino Beanie (CHA)</td><td>1</td><td>&pound;22.00</td></tr>
        <tr><td>Hiking Socks 2-Pack (M)</td><td>1</td><td>&pound;18.00</td></tr>
      </tbody>
    </table>
    <p class="free-shipping">Spend &pound;10.00 more for free UK standard delivery
      (orders of &pound;50 or more).</p>
    <dl class="summary">
      <dt>Subtotal</dt><dd>&pound;40.00</dd>
      <dt>Delivery</dt><dd>Calculated at the next step</dd>
    </dl>
    <form action="/checkout/information" method="get" class="promo">
      <label for="promo_code">Promo code</label>
      <input type="text" id="promo_code" name="promo_code" autocomplete="off">
      <button type="submit" name="apply_promo" value="1">Apply</button>
    </form>
    <a class="button button--primary" href="/checkout/information">Checkout securely</a>
    <a class="button button--paypal" href="/checkout/paypal">Pay with PayPal</a>
    <ul class="trust">
      <li><img src="/assets/secure-checkout.svg" alt="Secure checkout" width="24" height="24">
        Secure checkout</li>
      <li class="trustpilot-widget" data-template-id="mini">Rated 4.1 on Trustpilot</li>
      <li><img src="/assets/cards.svg" alt="Visa, Mastercard, American Express, PayPal, Klarna"
        width="160" height="24"></li>
    </ul>
    <p class="returns"><a href="/help/returns">Free 30-day returns in the UK</a></p>
"""

_INFORMATION_BODY = """\
    <h1>Contact and delivery address</h1>
    <form action="/checkout/shipping" method="post" novalidate>
      <input type="hidden" name="checkout_token" value="c7f1e0a94b2d">
      <input type="hidden" name="shipping_protection" value="1">
      <fieldset>
        <legend>Contact</legend>
        <label for="email">Email</label>
        <input type="email" id="email" name="email" autocomplete="email" required>
        <label><input type="checkbox" name="newsletter" value="1" checked>
          Send me news and offers</label>
      </fieldset>
      <fieldset class="account">
        <legend>Create an account (optional)</legend>
        <label><input type="checkbox" name="create_account" value="1">
          Save my details for next time</label>
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="new-password">
        <label for="password_confirm">Confirm password</label>
        <input type="password" id="password_confirm" name="password_confirm">
      </fieldset>
      <fieldset>
        <legend>Delivery address</legend>
        <label for="first_name">First name</label>
        <input type="text" id="first_name" name="first_name" autocomplete="given-name" required>
        <label for="last_name">Last name</label>
        <input type="text" id="last_name" name="last_name" autocomplete="family-name" required>
        <label for="company">Company (optional)</label>
        <input type="text" id="company" name="company">
        <label for="address_line1">Address</label>
        <input type="text" id="address_line1" name="address_line1" autocomplete="address-line1"
          required>
        <label for="address_line2">Apartment, suite, etc. (optional)</label>
        <input type="text" id="address_line2" name="address_line2"
          autocomplete="address-line2">
        <label for="city">Town or city</label>
        <input type="text" id="city" name="city" autocomplete="address-level2" required>
        <label for="county">County (optional)</label>
        <input type="text" id="county" name="county">
        <label for="postcode">Postcode</label>
        <input type="text" id="postcode" name="postcode" autocomplete="postal-code" required>
        <label for="country">Country</label>
        <select id="country" name="country" autocomplete="country" required>
          <option value="GB" selected>United Kingdom</option>
          <option value="IE">Ireland</option>
          <option value="DE">Germany</option>
          <option value="FR">France</option>
          <option value="NL">Netherlands</option>
          <option value="ES">Spain</option>
          <option value="US">United States</option>
        </select>
        <label for="phone">Phone</label>
        <input type="tel" id="phone" name="phone" autocomplete="tel" required>
      </fieldset>
      <dl class="summary"><dt>Subtotal</dt><dd>&pound;40.00</dd></dl>
      <button type="submit" class="button button--primary">Continue to delivery</button>
    </form>
"""

_SHIPPING_BODY = """\
    <h1>Delivery</h1>
    <p class="cutoff">Order by 2pm for same-day dispatch.</p>
    <form action="/checkout/payment" method="post">
      <input type="hidden" name="checkout_token" value="c7f1e0a94b2d">
      <fieldset>
        <legend>Delivery method</legend>
        <label><input type="radio" name="shipping_method" value="economy" required>
          Royal Mail Tracked 48 &ndash; &pound;2.95 &ndash; 3&ndash;5 working days</label>
        <label><input type="radio" name="shipping_method" value="standard" checked>
          Standard delivery &ndash; &pound;3.95 (free over &pound;50) &ndash;
          2&ndash;4 working days</label>
        <label><input type="radio" name="shipping_method" value="express">
          Express &ndash; &pound;6.95 &ndash; next working day if ordered by 2pm</label>
      </fieldset>
      <label for="delivery_instructions">Delivery instructions (optional)</label>
      <textarea id="delivery_instructions" name="delivery_instructions" rows="2"></textarea>
      <dl class="summary">
        <dt>Subtotal</dt><dd>&pound;40.00</dd>
        <dt>Delivery</dt><dd>&pound;3.95</dd>
      </dl>
      <button type="submit" class="button button--primary">Continue to payment</button>
    </form>
"""

_PAYMENT_BODY = """\
    <h1>Payment</h1>
    <form action="/checkout/complete" method="post">
      <input type="hidden" name="checkout_token" value="c7f1e0a94b2d">
      <fieldset>
        <legend>Pay with</legend>
        <label><input type="radio" name="payment_method" value="card" checked required>
          Credit or debit card</label>
        <label><input type="radio" name="payment_method" value="paypal"> PayPal</label>
        <label><input type="radio" name="payment_method" value="klarna">
          Klarna &ndash; pay in 3</label>
        <label><input type="radio" name="payment_method" value="apple_pay"> Apple Pay</label>
      </fieldset>
      <fieldset class="card">
        <legend>Card details</legend>
        <label for="card_number">Card number</label>
        <input type="text" id="card_number" name="card_number" inputmode="numeric"
          autocomplete="cc-number" required>
        <label for="card_name">Name on card</label>
        <input type="text" id="card_name" name="card_name" required>
        <label for="card_expiry_month">Expiry month</label>
        <select id="card_expiry_month" name="card_expiry_month" required>
          <option value="">MM</option><option>01</option><option>02</option><option>03</option>
          <option>04</option><option>05</option><option>06</option><option>07</option>
          <option>08</option><option>09</option><option>10</option><option>11</option>
          <option>12</option>
        </select>
        <label for="card_expiry_year">Expiry year</label>
        <select id="card_expiry_year" name="card_expiry_year" required>
          <option value="">YYYY</option><option>2026</option><option>2027</option>
          <option>2028</option><option>2029</option><option>2030</option><option>2031</option>
        </select>
        <label for="card_cvc">Security code</label>
        <input type="text" id="card_cvc" name="card_cvc" inputmode="numeric"
          autocomplete="cc-csc" required>
      </fieldset>
      <label><input type="checkbox" name="billing_same_as_delivery" value="1" checked>
        Billing address same as delivery address</label>
      <label><input type="checkbox" name="accept_terms" value="1" required>
        I accept the <a href="/terms">terms and conditions</a></label>
      <dl class="summary">
        <dt>Subtotal</dt><dd>&pound;40.00</dd>
        <dt>Delivery</dt><dd>&pound;3.95</dd>
        <dt>Parcel protection</dt><dd>&pound;1.95</dd>
        <dt>Total (incl. VAT)</dt><dd>&pound;45.90</dd>
      </dl>
      <ul class="trust">
        <li><img src="/assets/secure-checkout.svg" alt="Secure checkout" width="24"
          height="24"> Payments are encrypted</li>
        <li class="trustpilot-widget" data-template-id="mini">Rated 4.1 on Trustpilot</li>
      </ul>
      <button type="submit" class="button button--primary">Pay &pound;45.90</button>
    </form>
"""

_CONFIRMATION_BODY = """\
    <h1>Thank you, your order is confirmed</h1>
    <p>Order number <strong>FO-1000042</strong>. We have sent a confirmation to your email.</p>
    <p>Estimated delivery: 2&ndash;4 working days. We will email you a tracking link when
      your parcel leaves our warehouse.</p>
    <section class="account-offer">
      <h2>Save your details for next time</h2>
      <p>Create an account with one click: we already have your details.</p>
      <a class="button" href="/account/create?order=FO-1000042">Create account</a>
    </section>
    <p class="returns"><a href="/help/returns">How to return an item</a></p>
"""

_PAGES = (
    ("cart", "Your basket", _CART_BODY),
    ("information", "Contact and delivery", _INFORMATION_BODY),
    ("shipping", "Delivery", _SHIPPING_BODY),
    ("payment", "Payment", _PAYMENT_BODY),
    ("confirmation", "Order confirmed", _CONFIRMATION_BODY),
)


def checkout_pages() -> dict[str, str]:
    """File name to HTML of each checkout page."""
    pages = {}
    for step, title, body in _PAGES:
        marks = {other: (' aria-current="step"' if other == step else "") for other, _, _ in _PAGES}
        pages[f"{step}.html"] = (
            _PAGE_HEAD.format(title=title, step=step, **marks) + body + (_PAGE_FOOT)
        )
    return pages
