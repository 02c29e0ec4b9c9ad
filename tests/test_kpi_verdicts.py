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
AS_OF = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)


def _verdicts(run: KpiRun) -> dict[str, tuple[str | None, bool | None]]:
    run.facts.ensure("shipments")
    return {
        shipment: (verdict, kept)
        for shipment, verdict, kept in run.inputs.con.execute(
            "SELECT shipment_id, verdict, promise_kept FROM shipment_verdicts"
        ).fetchall()
    }


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
    with KpiRun(app, Dataset(app), AS_OF) as run:
        run.facts.complete_verdicts()
        got = _verdicts(run)
        settled, assessed = run.verdicts.settled, len(run.verdicts.assessed)
    assert got == expected
    # Both roads were taken: most parcels are settled deliveries, the rest went to the engine.
    assert settled > 1800 and 100 < assessed < 300

    # Without a KPI that reads verdicts, the engine does not run on the parcels whose
    # promise outcome SQL decides: every promise outcome is still the engine's.
    with KpiRun(app, Dataset(app), AS_OF) as run:
        lean = _verdicts(run)
        unjudged = len(run._verdict_run.assessed)
        assert not run._verdict_run.complete
        # Asking for the verdicts (as the report does) completes them.
        assert len(run.verdicts.assessed) == assessed
        assert _verdicts(run) == expected
    assert {s: kept for s, (_, kept) in lean.items()} == {s: k for s, (_, k) in expected.items()}
    assert unjudged == 0
    assert {s: v for s, (v, _) in lean.items() if v is not None} == {
        s: v for s, (v, _) in expected.items() if s in lean and lean[s][0] is not None
    }
    # The demo's parcels on the way are undecided or broken promises, by several rules.
    left = {kept for s, (verdict, kept) in expected.items() if lean[s][0] is None}
    assert left == {None, False}


#: Parcels on the way, one per rule of the promise outcome (as of 2026-11-02T09:00Z):
#: tracking number, promise, events (day in October or November, status).
ON_THE_WAY = {
    "A1": ("2026-10-28", [("10-25", "picked_up"), ("10-27", "attempt_failed")]),
    "A2": ("2026-10-28", [("10-25", "picked_up"), ("10-30", "attempt_failed")]),
    "A3": ("2026-10-29", [("10-27", "attempt_failed"), ("10-28", "exception")]),
    "A4": ("2026-10-29", [("10-27", "attempt_failed"), ("10-28", "in_transit")]),
    "A5": ("2026-11-05", [("10-27", "attempt_failed"), ("11-01", "in_transit")]),
    "A6": ("2026-10-27", [("10-25", "picked_up"), ("10-26", "cancelled")]),
    "A7": ("2026-10-27", [("10-25", "picked_up"), ("10-26", "return_to_sender")]),
    "A8": ("2026-11-10", [("10-25", "picked_up"), ("11-01", "return_to_sender")]),
    "A9": ("2026-11-05", [("10-31", "picked_up"), ("11-01", "in_transit")]),
    "A10": ("2026-10-30", [("10-28", "picked_up"), ("11-01", "in_transit")]),
    "A11": ("2026-11-01T12:00:00Z", [("10-30", "picked_up"), ("11-01", "in_transit")]),
    "A12": ("2026-11-02T12:00:00+00:00", [("10-31", "picked_up"), ("11-01", "in_transit")]),
    "A13": ("", [("10-31", "picked_up"), ("11-01", "in_transit")]),
    "A14": ("2026-10-30", []),
    "A15": ("2026-10-30", [("10-27", "picked_up"), ("10-29", "delivered")]),
    "A16": ("2026-10-30", [("10-27", "picked_up"), ("10-29", "exception")]),
    "A17": ("2026-11-04", [("10-30", "picked_up"), ("11-01", "exception")]),
    "A18": ("2026-10-30", [("10-27", "picked_up"), ("10-31", "available_for_pickup")]),
    "A19": ("2026-10-30", [("10-27", "pre_transit")]),
}


def test_promise_outcomes_without_the_engine_are_the_engines(opsctl_run, opsctl_env):
    orders = ["order_id,channel,placed_at,currency,ship_to_country,status"]
    shipments = ["shipment_id,order_id,carrier,tracking_number,service,shipped_at,promised_by"]
    events = []
    for number, (promise, steps) in ON_THE_WAY.items():
        orders.append(f"O{number},web,2026-10-24T09:00:00Z,GBP,GB,open")
        shipments.append(
            f"S{number},O{number},royalmail,{number},standard,2026-10-24T15:00:00Z,{promise}"
        )
        for day, status in steps:
            month, dom = day.split("-")
            moment = f"2026-{month}-{dom}T11:00:00+00:00"
            events.append(
                f'{{"tracking_number": "{number}", "occurred_at": "{moment}", '
                f'"status": "{status}"}}'
            )
    (opsctl_env / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    (opsctl_env / "shipments.csv").write_text("\n".join(shipments) + "\n", encoding="utf-8")
    (opsctl_env / "events.ndjson").write_text("\n".join(events) + "\n", encoding="utf-8")
    config = opsctl_env / "opsctl.toml"
    config.write_text(
        '[defaults]\ntimezone = "Europe/London"\n\n[data]\norders = "orders.csv"\n'
        'shipments = "shipments.csv"\ntracking_events = "events.ndjson"\n',
        encoding="utf-8",
    )
    checked = opsctl_run(
        "sla", "check", "--as-of", "2026-11-02T09:00Z", "--all", "-f", "json"
    ).json()
    expected = {
        row["shipment_id"]: (row["verdict"], row["promise_kept"]) for row in checked["shipments"]
    }
    assert len(expected) == len(ON_THE_WAY)
    app = App(config_path=str(config), environ={}, extra_plugins=[("kpis", opsctl_kpis)])
    with KpiRun(app, Dataset(app), AS_OF) as run:
        lean = _verdicts(run)
        assert {s: kept for s, (_, kept) in lean.items()} == {
            s: kept for s, (_, kept) in expected.items()
        }
        # Only the parcel without a promise went to the engine for its promise outcome.
        assert [v.facts.shipment_id for v in run._verdict_run.assessed] == ["SA13"]
        assert _verdicts(run) == lean
        run.facts.complete_verdicts()
        assert _verdicts(run) == expected
    # The cases this test is for: a kept first attempt, broken and undecided promises.
    kept = {s: k for s, (_, k) in expected.items()}
    assert kept["SA1"] is True and kept["SA4"] is False and kept["SA5"] is None
    assert kept["SA6"] is None and kept["SA7"] is False and kept["SA8"] is None


def test_returns_are_read_only_when_a_kpi_reads_them():
    """Order KPIs that need no returns leave the returns file unread; the values are the same."""
    from opsctl_kpis.catalogue import KPIS as catalogue

    by_name = {kpi.name: kpi for kpi in catalogue}
    app = App(config_path=str(DEMO), environ={}, extra_plugins=[("kpis", opsctl_kpis)])
    window = {"start": datetime(2026, 10, 1, tzinfo=timezone.utc), "end": AS_OF, "grain": "week"}

    def values(run: KpiRun, names: list[str]) -> dict:
        return {
            (v.kpi.name, v.period.label): (v.value, v.n)
            for v in run.values([by_name[name] for name in names], **window)
        }

    core = ["orders", "split_shipment_rate", "backorder_rate", "on_time_delivery_rate"]
    with KpiRun(app, Dataset(app), AS_OF) as lean:
        first = values(lean, core)
        assert "returns" not in lean.inputs._present
        # A later KPI of the same run that reads the returns gets the orders built again.
        later = values(lean, ["return_rate", "perfect_order_rate", *core])
        assert "returns" in lean.inputs._present
    with KpiRun(app, Dataset(app), AS_OF) as full:
        expected = values(full, ["return_rate", "perfect_order_rate", *core])
    assert later == expected
    assert first == {key: value for key, value in expected.items() if key[0] in core}
    returned = [value for (name, _), (value, _) in expected.items() if name == "return_rate"]
    assert any(value is not None for value in returned)
