"""``opsctl report``: the fulfilment report as one HTML file."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from opsctl.app import App, pass_app
from opsctl.cli import lockable
from opsctl.commands.kpi import data_options, open_run


@click.command()
@data_options
@click.option(
    "--output",
    "-o",
    "output_path",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="opsctl-report.html",
    show_default=True,
    help="Write the report to FILE atomically ('-' for stdout).",
)
@click.option("--title", default=None, help="The report's title (default: the config's folder).")
@click.option(
    "--target",
    type=click.FloatRange(0, 1),
    default=0.95,
    show_default=True,
    help="The on-time delivery target drawn on the charts.",
)
@click.option(
    "--checkout-spec",
    "spec_path",
    metavar="FILE",
    help="Checkout spec for the checkout score (default: [checkout] in the config, if any).",
)
@lockable
@pass_app
def report(
    app: App,
    window: dict,
    source: dict,
    output_path: str,
    title: str | None,
    target: float,
    spec_path: str | None,
) -> None:
    """Write a one-file HTML report of fulfilment KPIs that people can read.

    The report covers --period (or --from/--to; default: [kpi] period, else
    last-7d): KPI tiles with their daily trend and the change against the
    period before, on-time delivery day by day and by carrier and location,
    the parcels on the way to act on now (lost, stalled, late, exceptions),
    the checkout score and its worst funnel step (from --checkout-spec or
    [checkout], and the checkout events), and what 1–3 star reviews say about
    delivery. Charts are inline SVG: the file needs nothing else to open,
    offline, in any browser. A part whose data is missing says so.

    Data comes from the files given, the config's [data] files, or the state
    store (--from-store), as for kpi export.
    """
    from opsctl.output import write_output
    from opsctl.report.build import build, checkout_section
    from opsctl.report.html import render

    run, start, end, _ = open_run(app, window, source)
    with run:
        name = title or (app.config.path.parent.name if app.config.path else "opsctl")
        document = build(
            run,
            start=start,
            end=end,
            title=name,
            target=target,
            checkout=checkout_section(app, run, spec_path),
        )
    write_output(render(document, generated=datetime.now(timezone.utc)), output_path)
    if output_path != "-":
        click.echo(f"opsctl: wrote {output_path}", err=True)
