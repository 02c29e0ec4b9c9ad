"""``opsctl checkout``: audit a checkout's friction, gate CI on it."""

from __future__ import annotations

import logging
import os

import click

from opsctl.app import App, pass_app
from opsctl.checkout import settings  # noqa: F401  (declares the [checkout] config section)
from opsctl.errors import CheckFailed, UsageError
from opsctl.output import output_options, write_output

log = logging.getLogger("opsctl.checkout")

REPORT_FORMATS = ("table", "json", "markdown", "html")


@click.group()
def checkout() -> None:
    """Audit a checkout's friction the way Lighthouse audits a page.

    See docs/checkout.md for the spec format, the audits and the report.
    """


@checkout.command()
@click.argument("pages", nargs=-1, metavar="[PAGE]...")
@click.option(
    "--spec",
    "spec_path",
    metavar="FILE",
    help="Checkout spec, a TOML file (docs/checkout.md; default: [checkout] of opsctl.toml, "
    "if it has one).",
)
@click.option("--url", "urls", multiple=True, metavar="URL", help="A page to fetch (repeatable).")
@click.option(
    "--render",
    is_flag=True,
    help="Render the pages in headless Chromium first (needs opsctl[browser] and Chromium).",
)
@click.option(
    "--events",
    "events_path",
    metavar="FILE",
    help="GA4 checkout_events (CSV, JSON or NDJSON; default: [data] checkout_events).",
)
@click.option(
    "--stock",
    "stock_path",
    metavar="FILE",
    help="Stock levels, to find sold-out items that can be bought (default: [data] stock).",
)
@click.option(
    "--on-bad-rows",
    type=click.Choice(["error", "skip"]),
    default=None,
    help="For --events and --stock: stop at a bad row, or quarantine it and go on "
    "(default: [defaults] on_bad_rows, else error).",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="SCORE",
    help="Exit 1 when the score (0-100) is below SCORE.",
)
@click.option(
    "--baseline",
    "baseline_path",
    metavar="FILE",
    help="A previous JSON report: exit 1 when the score dropped or a passing audit now fails.",
)
@output_options(formats=REPORT_FORMATS)
@pass_app
def audit(
    app: App,
    pages: tuple[str, ...],
    spec_path: str | None,
    urls: tuple[str, ...],
    render: bool,
    events_path: str | None,
    stock_path: str | None,
    on_bad_rows: str | None,
    fail_under: float | None,
    baseline_path: str | None,
) -> None:
    """Score a checkout's friction from its spec, its pages and its funnel events.

    Give any combination of: a spec (--spec FILE, or [checkout] in
    opsctl.toml), the checkout's pages in flow order (cart, steps,
    confirmation) as saved HTML files or URLs (PAGE may be a file or an
    http(s) URL; --url adds more; --render renders them in headless Chromium
    first), and GA4 funnel events (--events). With no page given, the pages
    that the spec names are read. Every audit registered through the
    register_checkout_audits hook runs; an audit whose input is missing is
    "not applicable" and left out of the score. The score (0-100) is the
    weighted mean of the audits that apply, as in Lighthouse.

    Timestamps without an offset in --events are read in the config's
    [defaults] timezone (UTC unless set).

    Exit codes: 1 when the score is below --fail-under, or --baseline finds a
    lower score or a passing audit (score >= 0.9) that no longer passes (what
    changed is printed on stderr); 2 for a bad spec or usage; 3 for bad pages,
    events, stock or baseline; 4 when a URL cannot be fetched or Chromium fails.

    --format table (default) prints the score, the audits, each finding with
    its evidence (FILE:LINE, CSS selector, text) and how to fix it, and the
    funnel; markdown is a pull-request comment; html a self-contained page.

    JSON shape (Lighthouse-like): an object with reportFormat, opsctlVersion,
    fetchTime, checkout, inputs {spec, pages [{source, kind, title}], events,
    stock}, score (0-100 or null), categories {"checkout-friction": {id,
    title, description, score (0-1), auditRefs [{id, weight, group}]}},
    categoryGroups, audits (by id: id, title, description, score (0-1 or
    null), scoreDisplayMode (binary, numeric, notApplicable, error),
    displayValue, rating, group, plugin, evidence [{source, line, selector,
    snippet}], details, howToFix, and numericValue, numericUnit,
    scoringOptions {p10, median}, explanation or errorMessage when they
    apply), funnel (source, events, sessions, abandonmentRate, worstStep,
    steps [{step, sessions, completionRate, abandonmentRate,
    medianSecondsToNext}], byDevice) or null, notes, and baseline (path,
    previousScore, score, scoreDropped, failed, changes [{audit, kind,
    before, after}]) with --baseline.

    \b
    Examples:
      opsctl checkout audit --spec checkout.toml pages/cart.html pages/checkout.html
      opsctl checkout audit --url https://shop.example/cart --events events.ndjson
      opsctl checkout audit -f json -o report.json --baseline main-report.json
      opsctl checkout audit --fail-under 85 -f markdown > comment.md
    """
    from zoneinfo import ZoneInfo

    from opsctl.checkout.baseline import compare, load_baseline
    from opsctl.checkout.pages import gather, read_all
    from opsctl.checkout.run import AuditInputs, audit_checkout, load_funnel, load_stock
    from opsctl.checkout.spec import load_spec

    config = app.config
    tz = ZoneInfo(config.get("defaults.timezone", "UTC"))
    policy = on_bad_rows or config.get("defaults.on_bad_rows", "error")
    spec = None
    if spec_path:
        spec = load_spec(spec_path)
    elif config.path is not None and isinstance(config.get("checkout"), dict):
        spec = load_spec(config.path)
    from opsctl.checkout.pages import is_url

    for url in urls:
        if not is_url(url):
            raise UsageError(f"--url {url!r} is not an http:// or https:// URL")
    locations = [*pages, *urls]
    if not locations and spec is not None:
        locations = [str(page) for page in spec.pages]
    previous = load_baseline(baseline_path) if baseline_path else None
    inputs = AuditInputs(spec=spec)
    if locations:
        inputs.pages = read_all(gather(locations, render=render))
    events = events_path or _configured(app, "checkout_events")
    if events:
        from opsctl.checkout.funnelsql import engine_from

        engine = engine_from(app.environ)
        inputs.funnel = load_funnel(events, tz=tz, on_bad_rows=policy, engine=engine)
        inputs.events_path = str(events)
    stock = stock_path or _configured(app, "stock")
    if stock:
        inputs.stock = load_stock(stock, tz=tz, on_bad_rows=policy)
        inputs.stock_path = str(stock)
    registrations = app.plugins.registry.registrations("checkout_audits")
    report = audit_checkout(
        inputs,
        [(r.obj, r.plugin) for r in registrations],
        strict=app.plugins.strict,
    )
    comparison = None
    if previous is not None:
        comparison = compare(previous, report, str(baseline_path))
        report["baseline"] = comparison.to_json()
    _write(report)
    _gate(report["score"], fail_under, comparison)


def _configured(app: App, entity: str) -> str | None:
    """The file of ``entity`` named by ``[data]``, relative to here when below here."""
    path = app.config.path_for(f"data.{entity}")
    if path is None:
        return None
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else relative


def _write(report: dict) -> None:
    from opsctl.output import current_format

    ctx = click.get_current_context()
    fmt = current_format()
    if fmt not in REPORT_FORMATS:
        fmt = "table"
    if fmt == "json":
        from opsctl.output import dumps_json

        text = dumps_json(report)
    elif fmt == "markdown":
        from opsctl.checkout.render import render_markdown

        text = render_markdown(report)
    elif fmt == "html":
        from opsctl.checkout.render_html import render_html

        text = render_html(report)
    else:
        from opsctl.checkout.render import render_table

        text = render_table(report)
    write_output(text, ctx.meta.get("opsctl.output"))


def _gate(score: int | None, fail_under: float | None, comparison) -> None:
    problems = []
    if comparison is not None:
        for line in comparison.lines():
            log.warning("%s", line)
        if comparison.failed:
            what = "the score dropped" if comparison.score_dropped else "an audit regressed"
            regressed = ", ".join(c.audit for c in comparison.regressions)
            problems.append(
                f"{what} against {comparison.baseline}"
                + (f" (regressed: {regressed})" if regressed else "")
            )
    if fail_under is not None:
        if score is None:
            raise UsageError("no audit applies, so there is no score to compare with --fail-under")
        if score < fail_under:
            problems.append(f"checkout-friction score {score} is below --fail-under {fail_under:g}")
    if problems:
        raise CheckFailed("; ".join(problems))
