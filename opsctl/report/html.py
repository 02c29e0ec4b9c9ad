"""The report as one self-contained HTML file: inline CSS and SVG, no script, no external asset.

It opens offline, in any browser, and prints as it shows. Every text from the
data is escaped. The layout reads top to bottom the way a manager asks:
how are we doing (tiles with their trend), where does it go wrong (carriers,
locations), what needs doing now (parcels to act on), and what customers and
the checkout say.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from opsctl import __version__
from opsctl.kpi.definitions import Kind
from opsctl.report.build import Report, Tile
from opsctl.report.reviews import TOPICS
from opsctl.report.svg import BAD, GOOD, MUTED, bar_chart, line_chart, sparkline

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#1f2937;font:14px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 40px}
header h1{margin:0;font-size:24px}
header p{margin:4px 0 0;color:#6b7280}
h2{font-size:17px;margin:30px 0 10px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.tile{background:#fff;border-radius:10px;padding:12px 14px;box-shadow:0 1px 2px #0001}
.tile .name{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.tile .value{font-size:26px;font-weight:650;margin:2px 0}
.tile .value.na{font-size:15px;color:#9ca3af;font-weight:500}
.tile .foot{display:flex;justify-content:space-between;align-items:center;gap:6px;
font-size:12px;color:#6b7280}
.up{color:#15803d}.down{color:#b91c1c}.flat{color:#6b7280}
.panel{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 2px #0001}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}
@media (max-width:820px){.grid2{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;
white-space:nowrap}
td.why{white-space:normal}
th{color:#6b7280;font-weight:600;font-size:12px}
.badge{display:inline-block;border-radius:9px;padding:1px 8px;font-size:12px;
background:#fee2e2;color:#991b1b;white-space:nowrap}
.badge.warn{background:#fef3c7;color:#92400e}
.note{color:#6b7280;font-style:italic}
.big{font-size:34px;font-weight:700}
blockquote{margin:6px 0;padding:4px 10px;border-left:3px solid #e5e7eb;color:#374151}
footer{margin-top:30px;color:#6b7280;font-size:12px}
svg{display:block;max-width:100%;height:auto}
"""


def _value(tile_value, kind: Kind, unit: str) -> str:
    value = tile_value.value
    if value is None:
        return ""
    if kind is Kind.RATIO:
        return f"{float(value):.1%}"
    if kind is Kind.DURATION:
        seconds = float(value)
        return f"{seconds / 86400:.1f} days" if seconds >= 86400 else f"{seconds / 3600:.1f} h"
    if kind is Kind.SCORE:
        return f"{float(value):.2f} {escape(unit)}"
    if kind is Kind.AMOUNT:
        amount = float(value)
        shown = f"{amount / 1000:,.1f}k" if amount >= 10_000 else f"{amount:,.0f}"
        return f"{shown} {escape(tile_value.dims.get('currency', ''))}"
    return f"{int(value):,}"


def _trend(tile: Tile) -> str:
    change = tile.change
    if change is None:
        return '<span class="flat">no earlier period</span>'
    if tile.kpi.kind is Kind.RATIO:
        text = f"{change * 100:+.1f} pts"
    elif tile.kpi.kind is Kind.DURATION:
        text = f"{change / 3600:+.1f} h"
    else:
        text = f"{change:+,.2f}" if tile.kpi.kind is Kind.SCORE else f"{change:+,.0f}"
    better = tile.kpi.better
    good = (change > 0) == (better == "higher") if better and change else None
    css = "flat" if good is None else "up" if good else "down"
    arrow = "▲" if change > 0 else "▼" if change < 0 else "►"
    return f'<span class="{css}">{arrow} {text} vs previous</span>'


def _tile(tile: Tile) -> str:
    kpi = tile.kpi
    if tile.value.value is None:
        reason = escape(tile.value.reason or "")
        body = f'<div class="value na">unavailable</div><div class="foot">{reason}</div>'
    else:
        spark = sparkline(tile.series, label=f"{kpi.label} per day", color=_spark_color(tile))
        body = (
            f'<div class="value">{_value(tile.value, kpi.kind, kpi.unit)}</div>'
            f'<div class="foot">{_trend(tile)}{spark}</div>'
        )
    return (
        f'<div class="tile" data-kpi="{escape(kpi.name)}" title="{escape(kpi.definition)}">'
        f'<div class="name">{escape(kpi.label)}</div>{body}</div>'
    )


def _spark_color(tile: Tile) -> str:
    known = [v for v in tile.series if v is not None]
    if len(known) < 2 or not tile.kpi.better:
        return MUTED
    rising = known[-1] >= known[0]
    return GOOD if rising == (tile.kpi.better == "higher") else BAD


def _act_on(report: Report) -> str:
    section = report.act_on
    if section.data is None:
        return f'<p class="note">{escape(section.note or "")}</p>'
    rows, total = section.data["rows"], section.data["total"]
    if not total:
        return '<p class="note">Nothing to act on: no parcel on the way breaks its promise.</p>'
    counts = " · ".join(
        f"{count} {escape(name.replace('_', ' '))}"
        for name, count in section.data["counts"].items()
    )
    body = "".join(
        "<tr>"
        f"<td>{escape(row['shipment_id'])}</td><td>{escape(row['order_id'] or '')}</td>"
        f"<td>{escape(row['carrier'] or '')} {escape(row['service'] or '')}</td>"
        f'<td><span class="badge{" warn" if row["verdict"] == "at_risk" else ""}">'
        f"{escape(row['verdict'].replace('_', ' '))}</span></td>"
        f"<td>{escape(str(row['promise'] or ''))}</td>"
        f"<td>{row['business_days_late'] or ''}</td>"
        f"<td class='why'>{escape(row['reason'])}</td></tr>"
        for row in rows
    )
    more = f"<p class='note'>and {total - len(rows)} more: opsctl sla check lists all.</p>"
    return (
        f"<p>{total} parcels on the way need attention: {counts}.</p>"
        "<table id='act-on'><thead><tr><th>Shipment</th><th>Order</th><th>Carrier</th>"
        "<th>Verdict</th><th>Promise</th><th>Days late</th><th>Why</th></tr></thead>"
        f"<tbody>{body}</tbody></table>{more if total > len(rows) else ''}"
    )


def _checkout(report: Report) -> str:
    section = report.checkout
    if section.data is None:
        return f'<p class="note">{escape(section.note or "checkout score unavailable")}</p>'
    data = section.data
    score = data["score"]
    worst = data["worst_step"]
    lines = []
    if worst:
        share = data["worst_step_abandonment"]
        lost = f" loses {share:.0%} of the sessions reaching it" if share is not None else ""
        lines.append(f"<p>Worst funnel step: <b>{escape(worst.replace('_', ' '))}</b>{lost}.</p>")
    if data["abandonment"] is not None:
        lines.append(
            f"<p>{data['abandonment']:.0%} of checkout sessions end without a purchase "
            "(documented average cart abandonment: 70.19%, Baymard Institute).</p>"
        )
    if data["findings"]:
        items = "".join(
            f"<li>{escape(f['title'])}{': ' + escape(f['display']) if f['display'] else ''}</li>"
            for f in data["findings"]
        )
        lines.append(f"<p>Biggest frictions:</p><ul>{items}</ul>")
    shown = "–" if score is None else str(score)
    return (
        f'<div class="grid2"><div><div class="big" id="checkout-score">{shown}'
        '<span class="note" style="font-size:14px"> / 100 checkout score</span></div></div>'
        f"<div>{''.join(lines)}</div></div>"
    )


def _reviews(report: Report) -> str:
    section = report.reviews
    if section.data is None:
        return f'<p class="note">{escape(section.note or "")}</p>'
    summary = section.data
    if not summary.low:
        return f"<p>{summary.reviews} reviews, none with 1 to 3 stars.</p>"
    rows = []
    for topic, count in summary.topics.most_common():
        title, delivery = TOPICS[topic]
        quotes = "".join(
            f"<blockquote>{'★' * q.rating}{'☆' * (5 - q.rating)} “{escape(q.text)}” "
            f"<span class='note'>({escape(q.source)}, {escape(q.language or '?')}; "
            f"matched “{escape(q.phrase)}”)</span></blockquote>"
            for q in summary.quotes.get(topic, [])
        )
        rows.append(
            f"<tr><td class='why'><b>{escape(title)}</b>{' (delivery)' if delivery else ''}</td>"
            f"<td>{count}</td><td>{count / summary.low:.0%}</td><td class='why'>{quotes}</td></tr>"
        )
    after = summary.after_buy_share or 0
    delivery = summary.delivery_share or 0
    return (
        f"<p>{summary.low} of {summary.reviews} reviews have 1 to 3 stars. "
        f"<b>{after:.0%}</b> of them are about what happens after the buy button and "
        f"<b>{delivery:.0%}</b> about the delivery itself. For comparison: 77% of 1–3 star "
        "reviews of e-commerce businesses stem from problems after the buy button "
        "(Brightpearl research on consumer reviews, 2019); late delivery is named in 40% of "
        "one-star Trustpilot reviews (Veeqo analysis of Trustpilot reviews).</p>"
        "<table id='review-topics'><thead><tr><th>Complaint</th><th>Reviews</th>"
        "<th>Share</th><th>What they say</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p class='note'>Classified by phrases in English, German, French, Spanish and Dutch; "
        "a review may name several complaints.</p>"
    )


def render(report: Report, *, generated: datetime) -> str:
    """The report as one HTML document."""
    tiles = "".join(_tile(tile) for tile in report.tiles)
    chart = line_chart(
        report.days,
        report.on_time_daily,
        target=report.target,
        width=1040,
        title="On-time delivery rate per day",
    )
    breakdowns = "".join(
        f'<div class="panel" id="on-time-by-{escape(b.dimension)}"><h3>On time by '
        f"{escape(b.dimension)}</h3>"
        + (
            bar_chart(
                [(label, value, f"of {n:,}") for label, value, n in b.rows],
                target=report.target,
                title=f"On-time rate by {b.dimension}",
            )
            or '<p class="note">no parcels in this period</p>'
        )
        + "</div>"
        for b in report.breakdowns
    )
    unavailable = "".join(
        f"<li><b>{escape(name)}</b>: {escape(reason)}</li>" for name, reason in report.unavailable
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}: fulfilment report {escape(report.period)}</title>
<style>{CSS}</style></head>
<body><main>
<header><h1>{escape(report.title)}: fulfilment report</h1>
<p>{escape(report.period)} ({escape(report.timezone)}) · data as of
{escape(report.as_of.strftime("%Y-%m-%d %H:%M %Z"))} · trends against the
{escape(str((report.end - report.start).days))} days before</p></header>
<h2>How we are doing</h2>
<section class="tiles" id="tiles">{tiles}</section>
<h2>Promises kept, day by day</h2>
<div class="panel" id="on-time-daily">{chart or '<p class="note">no parcels in this period</p>'}
<p class="note">Share of parcels shipped each day whose delivery promise was kept
(opsctl sla check's verdicts; the carrier's first attempt counts). The last days count only
the parcels already delivered or past their promise. Dashed: the target of
{report.target:.0%}.</p></div>
<h2>Where it goes wrong</h2>
<div class="grid2">{breakdowns}</div>
<h2>Parcels to act on now</h2>
<div class="panel">{_act_on(report)}</div>
<h2>Checkout</h2>
<div class="panel" id="checkout">{_checkout(report)}</div>
<h2>What reviews say about delivery</h2>
<div class="panel" id="reviews">{_reviews(report)}</div>
{f'<h2>Not shown</h2><div class="panel"><ul>{unavailable}</ul></div>' if unavailable else ""}
<footer>Made by opsctl {escape(__version__)} on
{escape(generated.strftime("%Y-%m-%d %H:%M UTC"))}. Every figure is defined in
<code>opsctl kpi list</code>; hover a tile for its definition.</footer>
</main></body></html>
"""
