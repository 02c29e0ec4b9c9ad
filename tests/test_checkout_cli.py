"""``opsctl checkout audit`` as a user runs it: the demo shop, reports, gates, inputs, plugins."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
import types
from html.parser import HTMLParser
from pathlib import Path

import opsctl_checkout_audits
import pytest
from helpers import skip_without

from opsctl import hookimpl
from opsctl.checkout.audit import Audit, NotApplicable, Outcome
from opsctl.checkout.facts import Evidence

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DEMO = [
    "--spec",
    str(FIXTURES / "checkout" / "spec.toml"),
    "--events",
    str(FIXTURES / "checkout_events.ndjson"),
]
BUILTIN = ("checkout-audits", opsctl_checkout_audits)
GOOD_PAGE = """<!doctype html><html><head><title>Checkout</title></head><body>
<form><label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="email" required>
<p>Shipping: €3.95 · Total €23.95</p></form></body></html>
"""


@pytest.fixture
def audit(opsctl_run):
    """Run ``opsctl checkout audit`` with the built-in audits (and ``plugins``) only."""

    def run(*args, plugins=(), **kwargs):
        return opsctl_run(
            "checkout", "audit", *args, plugins=[BUILTIN, *plugins], only_plugins=True, **kwargs
        )

    return run


def test_demo_shop_report_scores_and_shows_evidence_for_every_finding(audit):
    result = audit(*DEMO).assert_success()
    assert result.stdout.startswith("Checkout friction score: ")
    assert "Fellside Outfitters" in result.stdout
    findings = result.stdout.split("\nFindings\n", 1)[1].split("\nFunnel", 1)[0]
    blocks = re.split(r"\n  (?=(?:FAIL|WARN) )", findings)[1:]
    assert len(blocks) >= 3
    for block in blocks:
        assert "fix:" in block
        assert ".html:" in block or "spec.toml:" in block or ".ndjson" in block, block


def test_demo_shop_json_report_is_lighthouse_shaped(audit):
    report = audit(*DEMO, "--format", "json").assert_success().json()
    category = report["categories"]["checkout-friction"]
    assert {ref["id"] for ref in category["auditRefs"]} == set(report["audits"])
    assert report["score"] == round(category["score"] * 100)
    total = report["audits"]["total-visible-early"]
    assert (total["score"], total["scoreDisplayMode"], total["rating"]) == (0, "numeric", "fail")
    assert total["evidence"][0]["source"].endswith("payment.html")
    assert total["evidence"][0]["line"] == 58
    fields = report["audits"]["form-fields"]
    assert fields["scoringOptions"] == {"p10": 8, "median": 11.3}
    assert fields["numericValue"] == 19
    assert report["funnel"]["worstStep"] == "view_cart"
    assert report["funnel"]["byDevice"]["mobile"]["abandonmentRate"] > 0.75
    assert report["audits"]["cart-abandonment"]["rating"] == "fail"


def test_an_audit_without_its_input_is_not_applicable_and_left_out_of_the_score(audit, tmp_path):
    page = tmp_path / "checkout.html"
    page.write_text(GOOD_PAGE)
    report = audit(str(page), "-f", "json").assert_success().json()
    abandonment = report["audits"]["cart-abandonment"]
    assert (abandonment["score"], abandonment["scoreDisplayMode"]) == (None, "notApplicable")
    assert abandonment["explanation"] == "needs funnel events (--events)"
    applied = [a for a in report["audits"].values() if a["score"] is not None]
    weights = {r["id"]: r["weight"] for r in report["categories"]["checkout-friction"]["auditRefs"]}
    mean = sum(a["score"] * weights[a["id"]] for a in applied) / sum(
        weights[a["id"]] for a in applied
    )
    assert report["score"] == round(mean * 100)


def test_markdown_report_is_a_pull_request_comment(audit):
    text = audit(*DEMO, "-f", "markdown").assert_success().stdout
    assert text.startswith("## Checkout friction score: **")
    assert "| ❌ | The order total is not visible up-front (`total-visible-early`) |" in text
    assert "<details><summary>Findings: evidence and fixes</summary>" in text
    assert text.count("<details>") == text.count("</details>")


class _Checker(HTMLParser):
    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for key in ("src", "href"):
            if attributes.get(key):
                self.external.append(attributes[key])
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


def test_html_report_is_valid_self_contained_and_escaped(audit, tmp_path):
    page = tmp_path / "checkout.html"
    page.write_text(GOOD_PAGE.replace("Checkout</title>", "<script>x</script> & co</title>"))
    out = tmp_path / "report.html"
    audit(*DEMO, str(page), "-f", "html", "-o", str(out)).assert_success()
    text = out.read_text()
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.open == [] and checker.external == []
    assert text.startswith("<!doctype html>") and "<script" not in text
    assert 'id="total-visible-early"' in text


def test_fail_under_gates_on_the_score(audit):
    score = audit(*DEMO, "-f", "json").json()["score"]
    audit(*DEMO, "--fail-under", str(score)).assert_success()
    failed = audit(*DEMO, "--fail-under", str(score + 1)).assert_exit(1)
    assert f"checkout-friction score {score} is below --fail-under {score + 1}" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_baseline_fails_on_a_regression_and_prints_what_changed(audit, tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(FIXTURES / "checkout" / "pages", pages)
    files = [str(pages / f"{name}.html") for name in ("cart", "information", "shipping", "payment")]
    baseline = tmp_path / "baseline.json"
    audit(*files, "-f", "json", "-o", str(baseline)).assert_success()
    audit(*files, "--baseline", str(baseline)).assert_success()

    cart = pages / "cart.html"
    cart.write_text(cart.read_text().replace('<a href="/help/returns">Free 30-day returns', "<a>"))
    for name in ("cart", "payment"):
        page = pages / f"{name}.html"
        page.write_text(page.read_text().replace("Secure checkout", "").replace("encrypted", ""))
        page.write_text(page.read_text().replace("Trustpilot", "us").replace("secure", ""))
    result = audit(*files, "--baseline", str(baseline), "-f", "json")
    result.assert_exit(1)
    changes = {c["audit"]: c for c in result.json()["baseline"]["changes"]}
    assert changes["trust-signals"]["kind"] == "regressed"
    assert changes["trust-signals"]["before"] == "pass 1"
    assert "trust-signals: pass 1 -> fail 0 (regressed)" in result.stderr
    assert "the score dropped against" in result.stderr


def test_baseline_that_is_not_a_report_is_bad_input(audit, tmp_path):
    broken = tmp_path / "old.json"
    broken.write_text('{"score": 80,\n  "audits": [}\n')
    result = audit(*DEMO, "--baseline", str(broken)).assert_exit(3)
    assert f"{broken}:2: not JSON" in result.stderr
    broken.write_text("[]")
    assert "not an opsctl checkout report" in audit(*DEMO, "--baseline", str(broken)).stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "nothing to audit"),
        (("--spec", "missing.toml"), 2, "missing.toml: checkout spec not found"),
        (("--events", "nowhere.ndjson"), 3, "nowhere.ndjson"),
        (("--url", "ftp://shop.example/cart"), 2, "is not an http:// or https:// URL"),
    ],
)
def test_bad_input_is_one_line_with_its_exit_code(audit, args, code, message):
    result = audit(*args).assert_exit(code)
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_bad_spec_value_names_file_and_line(audit, tmp_path):
    spec = tmp_path / "checkout.toml"
    spec.write_text('shop = "x"\n[costs]\ntotal_first_shown = 3\n')
    result = audit("--spec", str(spec)).assert_exit(2)
    assert f"{spec}:3: costs.total_first_shown: 3 is not a step id" in result.stderr


def test_spec_under_checkout_in_opsctl_toml_is_used_by_default(audit):
    config = (
        '[checkout]\nshop = "Config shop"\n\n[checkout.costs]\nshipping_cost_first_shown = "cart"\n'
    )
    report = audit("-f", "json", config=config).assert_success().json()
    assert report["checkout"] == "Config shop"
    assert report["audits"]["shipping-cost-early"]["evidence"][0]["line"] == 5


@pytest.fixture
def shop_server(tmp_path):
    """A loopback HTTP server serving ``tmp_path / "site"``; yields its base URL."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_url_pages_are_fetched_over_http(audit, shop_server):
    site, base = shop_server
    (site / "checkout.html").write_text(GOOD_PAGE)
    report = audit("--url", f"{base}/checkout.html", "-f", "json").assert_success().json()
    assert report["inputs"]["pages"][0]["source"] == f"{base}/checkout.html"
    evidence = report["audits"]["shipping-cost-early"]["evidence"][0]
    assert (evidence["source"], evidence["line"]) == (f"{base}/checkout.html", 4)
    missing = audit("--url", f"{base}/gone.html").assert_exit(4)
    assert "HTTP 404" in missing.stderr


JS_PAGE = """<!doctype html><html><head><title>Checkout</title></head><body><div id="app"></div>
<script>document.getElementById("app").innerHTML = '<form><label for="e">Email</label>' +
'<input id="e" name="email" type="email" autocomplete="email" required></form>';</script>
</body></html>"""


def test_render_builds_javascript_pages_in_chromium(audit, shop_server):
    from opsctl.checkout.browser import find_chromium

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_without("Playwright is not installed (pip install 'opsctl[browser]')")
    if find_chromium() is None:
        skip_without("Chromium is not installed (apt-get install chromium)")
    site, base = shop_server
    (site / "app.html").write_text(JS_PAGE)
    plain = audit("--url", f"{base}/app.html", "-f", "json").assert_success().json()
    assert plain["audits"]["form-fields"]["scoreDisplayMode"] == "notApplicable"
    rendered = audit("--url", f"{base}/app.html", "--render", "-f", "json").assert_success().json()
    assert rendered["audits"]["form-fields"]["numericValue"] == 1
    assert rendered["audits"]["autocomplete"]["score"] == 1


def gift_wrap(context):
    if not context.pages:
        return NotApplicable("needs the checkout's pages")
    offered = any("gift wrap" in p.title.lower() for p in context.pages)
    evidence = Evidence(context.pages[0].source, None, None, context.pages[0].title)
    return Outcome.binary(offered, "offered" if offered else "not offered", [evidence])


def gift_wrap_plugin():
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_checkout_audits(register):
        register(
            Audit(
                id="gift-wrap",
                title="Gift wrapping is offered",
                description="Made up for a test.",
                how_to_fix="Offer gift wrapping.",
                weight=50,
                evaluate=gift_wrap,
            )
        )

    plugin.register_checkout_audits = register_checkout_audits
    return plugin


def test_hook_register_checkout_audits_adds_an_audit_to_the_score(audit, tmp_path):
    page = tmp_path / "checkout.html"
    page.write_text(GOOD_PAGE)
    without = audit(str(page), "-f", "json").json()
    report = audit(str(page), "-f", "json", plugins=[("gifts", gift_wrap_plugin())]).json()
    added = report["audits"]["gift-wrap"]
    assert (added["score"], added["plugin"], added["group"]) == (0, "gifts", "other")
    assert {"id": "gift-wrap", "weight": 50, "group": "other"} in (
        report["categories"]["checkout-friction"]["auditRefs"]
    )
    assert report["score"] < without["score"]


def test_two_plugins_registering_one_audit_id_is_an_error(audit, tmp_path):
    page = tmp_path / "checkout.html"
    page.write_text(GOOD_PAGE)
    plugins = [("gifts", gift_wrap_plugin()), ("more-gifts", gift_wrap_plugin())]
    result = audit(str(page), plugins=plugins).assert_exit(2)
    assert "checkout audit 'gift-wrap' is registered by both plugin 'gifts'" in result.stderr


def test_an_audit_that_raises_is_reported_not_fatal(audit, tmp_path):
    page = tmp_path / "checkout.html"
    page.write_text(GOOD_PAGE)
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_checkout_audits(register):
        register(Audit("broken", "Broken", "d", "f", 5, evaluate=lambda context: 1 / 0))

    plugin.register_checkout_audits = register_checkout_audits
    result = audit(str(page), "-f", "json", plugins=[("broken", plugin)]).assert_success()
    broken = result.json()["audits"]["broken"]
    assert (broken["scoreDisplayMode"], broken["errorMessage"]) == (
        "error",
        "ZeroDivisionError: division by zero",
    )
    assert "checkout audit 'broken' (plugin 'broken') failed" in result.stderr


def test_without_any_audit_plugin_the_command_says_why(opsctl_run, tmp_path):
    page = tmp_path / "checkout.html"
    page.write_text(GOOD_PAGE)
    result = opsctl_run("checkout", "audit", str(page), only_plugins=True).assert_exit(2)
    assert "no checkout audits are registered" in result.stderr


def test_json_output_is_the_same_document_the_baseline_reads(audit, tmp_path):
    out = tmp_path / "r.json"
    audit(*DEMO, "-f", "json", "-o", str(out)).assert_success()
    assert json.loads(out.read_text())["reportFormat"] == 1


CART_WITH_SKUS = """<!doctype html><html><head><title>Your cart</title></head><body>
<table class="cart">
<tr class="cart-item" data-sku="TENT-2P"><td>Trail tent 2P</td><td>£199.00</td></tr>
<tr class="cart-item" data-sku="SOCK-M"><td>Hiking socks</td><td>£9.00</td></tr>
</table>
<a class="button" href="/checkout">Proceed to checkout</a></body></html>
"""


@pytest.mark.parametrize(
    ("tent_on_hand", "score", "shown"),
    [(0, 0, "1 sold-out item can be ordered"), (4, 1, "all 2 items in the checkout are in stock")],
)
def test_sold_out_items_are_found_with_stock_data(audit, tmp_path, tent_on_hand, score, shown):
    cart = tmp_path / "cart.html"
    cart.write_text(CART_WITH_SKUS)
    stock = tmp_path / "stock.csv"
    stock.write_text(
        "location_id,sku,on_hand,reserved\n"
        f"LEEDS,TENT-2P,{tent_on_hand},0\nLEEDS,SOCK-M,40,2\nYORK,SOCK-M,3,0\n"
    )
    report = audit(str(cart), "--stock", str(stock), "-f", "json").assert_success().json()
    sold_out = report["audits"]["sold-out-not-purchasable"]
    assert (sold_out["score"], sold_out["displayValue"]) == (score, shown)
    if score == 0:
        assert sold_out["evidence"][0]["line"] == 3
        assert sold_out["details"] == ["TENT-2P: 0 available in stock, can be ordered"]
