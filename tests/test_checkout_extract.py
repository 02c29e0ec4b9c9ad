"""Reading checkout facts off hand-built pages: what is counted, what is not, and where."""

from __future__ import annotations

from opsctl.checkout.extract import read_page
from opsctl.checkout.flow import combine

ADDRESS_FORM = """<!doctype html>
<html><head><title>Checkout</title></head><body>
<form id="checkout" action="/pay">
  <label for="email">Email</label>
  <input type="email" id="email" name="email" autocomplete="email" required>
  <label for="name">Full name</label>
  <input type="text" id="name" name="name" autocomplete="name" required>
  <input type="hidden" name="token" value="x">
  <input type="text" name="honeypot" hidden>
  <div style="display: none"><input type="text" name="fax"></div>
  <div aria-hidden="true"><input type="text" name="bot_trap"></div>
  <div class="d-none"><select name="gift_wrap"><option>no</option></select></div>
  <label for="zip">Postcode (optional)</label>
  <input type="text" id="zip" name="zip">
  <label for="phone">Phone</label>
  <input type="text" id="phone" name="phone" required>
  <button type="submit">Continue</button>
</form>
</body></html>
"""


def test_visible_fields_are_counted_and_hidden_ones_are_not():
    reading = read_page(ADDRESS_FORM, "checkout.html")
    assert [f.name for f in reading.fields] == ["email", "name", "zip", "phone"]


def test_every_field_has_evidence_with_selector_and_line():
    reading = read_page(ADDRESS_FORM, "checkout.html")
    email = reading.fields[0]
    assert (email.evidence.source, email.evidence.line) == ("checkout.html", 5)
    assert email.evidence.selector == "input#email"
    assert email.evidence.snippet == "Email"


def test_required_optional_autocomplete_and_keyboard_are_read():
    by_name = {f.name: f for f in read_page(ADDRESS_FORM, "checkout.html").fields}
    assert by_name["email"].required and by_name["email"].autocomplete == "email"
    assert not by_name["zip"].required and by_name["zip"].marked_optional
    assert by_name["zip"].purpose == "postal-code"
    assert by_name["phone"].purpose == "tel" and by_name["phone"].type == "text"


def test_search_coupon_newsletter_and_footer_inputs_are_not_checkout_fields():
    page = """<html><body>
    <header><form role="search"><input type="text" name="q"></form></header>
    <form class="checkout"><input type="email" name="email" autocomplete="email">
      <input type="text" name="coupon_code" placeholder="Coupon code"></form>
    <footer><form class="newsletter"><input type="email" name="subscribe"></form></footer>
    </body></html>"""
    assert [f.name for f in read_page(page, "p.html").fields] == ["email"]


def test_a_login_gate_without_guest_option_forces_an_account():
    page = """<html><head><title>Sign in to check out</title></head><body>
    <form class="login"><label for="u">Email</label><input id="u" type="email" name="u">
    <label for="p">Password</label><input id="p" type="password" name="p" required>
    <button type="submit">Sign in</button></form></body></html>"""
    facts = combine([read_page(page, "login.html")])
    assert facts.account_required.value is True
    assert facts.guest_checkout.value == "none"
    assert facts.account_required.evidence[0].selector == "input#p"


def test_a_guest_button_after_a_sign_in_link_is_secondary_and_first_is_primary():
    secondary = """<html><body><a href="/login">Sign in</a>
    <p><a href="/checkout?guest=1">continue as guest</a></p></body></html>"""
    primary = """<html><body><button class="btn btn-primary">Continue as guest</button>
    <a href="/login">Sign in</a></body></html>"""
    assert read_page(secondary, "a.html").guest == "secondary"
    assert read_page(primary, "b.html").guest == "primary"


def test_an_address_form_without_password_is_guest_checkout_by_default():
    assert read_page(ADDRESS_FORM, "checkout.html").guest == "default"


def test_step_indicator_counts_checkout_steps_but_not_cart_or_done():
    page = """<html><body><ol class="checkout-steps"><li>Cart</li><li>Shipping</li>
    <li aria-current="step">Payment</li><li>Review</li><li>Done</li></ol>
    <form><input type="email" name="email"></form></body></html>"""
    reading = read_page(page, "pay.html")
    assert reading.step_names == ("Shipping", "Payment", "Review")
    assert reading.step_evidence.selector == "body ol.checkout-steps"


def test_shipping_cost_deferred_to_the_next_step_is_not_a_shown_cost_nor_a_total():
    page = """<html><head><title>Your cart</title></head><body><table>
    <tr><th>Subtotal</th><td>€40.00</td></tr>
    <tr class="shipping"><th>Shipping</th><td>Calculated at next step</td></tr>
    <tr><th>Total</th><td>€40.00</td></tr></table></body></html>"""
    reading = read_page(page, "cart.html")
    assert reading.kind == "cart"
    assert reading.shipping_cost == []
    assert reading.shipping_later[0].selector == "body table tr.shipping:nth-of-type(2)"
    assert reading.total == []  # without shipping, it is not the total to pay


def test_costs_promises_and_reassurance_are_found_with_their_rows():
    page = """<html><body><dl>
    <div class="row"><dt>Standard delivery</dt><dd>£3.95</dd></div></dl>
    <p>Arrives by Thursday 12 June</p>
    <p class="promo">Free delivery on orders over £50</p>
    <a href="/help/returns-policy">Returns</a>
    <img src="/img/norton-secured.svg" alt="Norton secured">
    <a href="tel:+441134960742">Call us</a>
    <script src="https://widget.intercom.io/widget/abc"></script>
    </body></html>"""
    reading = read_page(page, "p.html")
    assert reading.shipping_cost[0].snippet == "Standard delivery £3.95"
    assert reading.delivery_estimate[0].snippet == "Arrives by Thursday 12 June"
    assert reading.free_shipping[0].selector == "body p.promo:nth-of-type(2)"
    assert reading.return_policy[0].snippet == "Returns"
    assert "norton" in reading.trust_signals
    assert set(reading.live_help) == {"phone", "Intercom"}


def test_payment_methods_from_labels_logos_and_card_fields():
    page = """<html><body><div id="payment">
    <label><input type="radio" name="pm" value="ideal"> iDEAL</label>
    <img src="/logos/apple-pay.svg" alt=""></div>
    <label for="cc">Card number</label><input id="cc" name="cardnumber" inputmode="numeric">
    </body></html>"""
    methods = read_page(page, "p.html").payment_methods
    assert {"ideal", "apple_pay", "card"} <= set(methods)
    assert methods["card"].selector == "input#cc"


def test_inline_error_containers_are_tied_to_their_field_only():
    page = """<html><body><form>
    <div><label for="a">A</label><input id="a" name="a" aria-describedby="a-error">
      <span id="a-error" class="error-message"></span></div>
    <div><label for="b">B</label><input id="b" name="b"></div>
    </form></body></html>"""
    fields = {f.name: f for f in read_page(page, "p.html").fields}
    assert fields["a"].inline_error and not fields["b"].inline_error


def test_pages_in_flow_order_give_stages_and_steps():
    cart = """<html><head><title>Basket</title></head><body>
    <p>Shipping: calculated at checkout</p></body></html>"""
    address = """<html><body><form><input name="email" type="email">
    <input name="address1" autocomplete="address-line1"></form></body></html>"""
    review = """<html><body><p>Shipping €4.95</p><p>Total €44.95</p></body></html>"""
    facts = combine(
        [read_page(cart, "cart"), read_page(address, "address"), read_page(review, "review")]
    )
    assert [s.kind for s in facts.steps.value] == ["cart", "checkout", "checkout"]
    assert facts.shipping_cost_stage.value == "last"
    assert facts.total_stage.value == "last"
    assert facts.shipping_cost_stage.evidence[0].source == "review"


def test_item_totals_are_subtotals_and_a_label_needs_its_amount_nearby():
    page = """<html><body>
    <div id="a"><h2>Shipping Address</h2><label for="n">Name</label><input id="n" name="name">
      <p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
      <dl><dt>Item Total:</dt><dd>$19.99</dd></dl></div>
    <dl id="b"><dt>Order Total:</dt><dd>$24.99</dd></dl></body></html>"""
    reading = read_page(page, "p.html")
    assert reading.shipping_cost == []
    assert [e.selector for e in reading.total] == ["dl#b"]


def test_a_group_legend_marks_its_fields_optional():
    page = """<html><body><form>
    <label for="e">Email</label><input id="e" name="email" type="email" required>
    <fieldset><legend>Create an account (optional)</legend>
      <label for="p">Password</label><input id="p" name="password" type="password"></fieldset>
    </form></body></html>"""
    fields = {f.name: f for f in read_page(page, "p.html").fields}
    assert fields["password"].marked_optional and not fields["email"].marked_optional


def test_a_pre_ticked_box_with_a_price_is_a_preselected_add_on():
    page = """<html><body><form>
    <label><input type="checkbox" name="insurance" checked> Parcel protection +£1.95</label>
    <label><input type="checkbox" name="gift" checked> Free gift wrap</label>
    <label><input type="checkbox" name="news"> Newsletter</label></form></body></html>"""
    [add_on] = read_page(page, "p.html").preselected_add_ons
    assert (add_on.line, add_on.snippet) == (2, "Parcel protection +£1.95")
