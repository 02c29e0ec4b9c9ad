"""``opsctl report``: one self-contained HTML file that renders in Chromium, and its parts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import opsctl_checkout_audits
import opsctl_kpis
import pytest
from helpers import skip_without

from opsctl.report.reviews import classify, summarise

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "opsctl.toml"
SPEC = ROOT / "fixtures" / "checkout" / "spec.toml"
AS_OF = "2026-11-02T09:00Z"
PLUGINS = [("kpis", opsctl_kpis), ("checkout-audits", opsctl_checkout_audits)]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    """The demo shop's October report, written once for the module."""
    from click.testing import CliRunner

    from opsctl.app import App
    from opsctl.cli import cli

    target = tmp_path_factory.mktemp("report") / "report.html"
    app = App(environ={"OPSCTL_LOAD_PLUGINS": ""}, extra_plugins=PLUGINS)
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(DEMO),
            "report",
            "--as-of",
            AS_OF,
            "--period",
            "last-month",
            "--title",
            "Fellside Outfitters",
            "--checkout-spec",
            str(SPEC),
            "-o",
            str(target),
        ],
        obj=app,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return target


def test_the_report_is_one_file_that_needs_nothing_else(demo_report):
    html = demo_report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for outside in ("<script", "<link", "@import", "url(", 'src="', "http://", "https://"):
        assert outside not in html, f"the report refers to something outside it: {outside}"
    assert html.count("<svg") >= 10  # sparklines, the daily line, the bars


def test_the_report_shows_what_a_manager_asks(demo_report):
    html = demo_report.read_text(encoding="utf-8")
    assert 'data-kpi="on_time_delivery_rate"' in html and ">91.4%<" in html
    assert 'id="on-time-by-carrier"' in html and 'id="on-time-by-location"' in html
    assert "parcels on the way need attention" in html and "stalled in transit" in html
    assert re.search(r'id="checkout-score">\d+', html)
    assert "Worst funnel step: <b>view cart</b>" in html
    assert "(Brightpearl research on consumer reviews, 2019)" in html
    assert "Late or slow delivery" in html
    assert "line_fill_rate" in html  # listed under "Not shown", with its reason


def test_the_report_renders_in_chromium_without_errors(demo_report, tmp_path):
    if CHROMIUM is None:
        skip_without("Chromium is not installed (apt-get install chromium)")
    url = demo_report.as_uri()
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=True,
    )
    assert 'id="tiles"' in dom.stdout and "<svg" in dom.stdout and 'id="act-on"' in dom.stdout
    console = [
        line
        for line in dom.stderr.splitlines()
        if "CONSOLE" in line or "Failed to load resource" in line
    ]
    assert console == []
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            "--hide-scrollbars",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            url,
        ],
        capture_output=True,
        timeout=90,
        env=env,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_a_report_without_tracking_data_says_what_it_cannot_show(opsctl_run, opsctl_env):
    (opsctl_env / "opsctl.toml").write_text(
        f'[defaults]\ntimezone = "Europe/London"\n[data]\norders = "{ROOT}/fixtures/orders.csv"\n'
    )
    opsctl_run(
        "report",
        "--as-of",
        AS_OF,
        "--period",
        "last-month",
        "-o",
        "r.html",
        plugins=[("kpis", opsctl_kpis)],
        only_plugins=True,
    ).assert_success()
    html = (opsctl_env / "r.html").read_text(encoding="utf-8")
    assert "no SLA verdicts: the report needs shipments and tracking events" in html
    assert "no reviews data" in html
    assert "checkout score unavailable" in html
    assert ">2,000<" in html  # the orders tile still shows


@pytest.mark.parametrize(
    ("language", "text", "topic", "phrase"),
    [
        (
            "en",
            "Paid for next day and it turned up 2 days after it.",
            "late_delivery",
            "days after",
        ),
        ("de", "Lieferung kam 4 Tage zu spät.", "late_delivery", "zu spät"),
        ("fr", "Le suivi indique 'en transit' sans mise à jour.", "no_updates", "sans mise à jour"),
        ("es", "El paquete nunca llegó.", "not_arrived", "nunca llegó"),
        ("nl", "Geannuleerd omdat het uitverkocht was.", "cancelled_stock", "geannuleerd"),
        ("de", "Paket wurde im Paketshop abgegeben.", "failed_delivery", "paketshop"),
        ("fr", "Les frais de port sont excessifs.", "shipping_cost", "frais de port"),
        ("en", "The box arrived damaged.", "damaged", "damaged"),
        ("de", "Auf die Erstattung warte ich seit Wochen.", "returns_refunds", "erstattung"),
    ],
)
def test_complaints_are_recognised_in_five_languages(language, text, topic, phrase):
    assert classify(text, language)[topic] == phrase


def test_only_low_ratings_count_as_complaints():
    reviews = [
        SimpleNamespace(rating=5, title=None, text="No delay at all", language="en", source="g"),
        SimpleNamespace(rating=2, title="Late", text="Arrived late", language="en", source="t"),
        SimpleNamespace(rating=3, title=None, text="Nice jacket", language="en", source="t"),
    ]
    summary = summarise(reviews)
    assert (summary.reviews, summary.low, summary.topics["late_delivery"]) == (3, 2, 1)
    assert summary.delivery_share == 0.5
