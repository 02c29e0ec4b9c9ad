"""The bulk SLA verdicts behind the KPIs are exactly those of ``opsctl sla check``."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import opsctl_kpis

from opsctl.app import App
from opsctl.datasets import Dataset
from opsctl.kpi.run import KpiRun

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "opsctl.toml"


def test_every_demo_shipment_gets_the_verdict_of_sla_check(opsctl_run, opsctl_env):
    checked = opsctl_run(
        "--config",
        str(DEMO),
        "sla",
        "check",
        "--as-of",
        "2026-11-02T09:00Z",
        "--all",
        "-f",
        "json",
    ).json()
    expected = {
        row["shipment_id"]: (row["verdict"], row["promise_kept"]) for row in checked["shipments"]
    }
    app = App(config_path=str(DEMO), environ={}, extra_plugins=[("kpis", opsctl_kpis)])
    with KpiRun(app, Dataset(app), datetime(2026, 11, 2, 9, tzinfo=timezone.utc)) as run:
        run.facts.ensure("shipments")
        got = dict(
            (shipment, (verdict, kept))
            for shipment, verdict, kept in run.inputs.con.execute(
                "SELECT shipment_id, verdict, promise_kept FROM shipment_verdicts"
            ).fetchall()
        )
        settled, assessed = run.verdicts.settled, len(run.verdicts.assessed)
    assert got == expected
    # Both roads were taken: most parcels are settled deliveries, the rest went to the engine.
    assert settled > 1800 and 100 < assessed < 300
