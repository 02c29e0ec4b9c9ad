"""The peer of ``opsctl sla check``: the pandas script an analyst would write.

It reads the same shipments and tracking-events CSV files and computes, per
shipment, the last status, delivered on time (delivered by the end of the
promised day, London time), late in transit (not delivered, promise passed) and
stalled (not delivered, no event for ``--stalled-days`` days), then prints the
counts per carrier and writes the breaches. It is written the efficient way:
only the needed columns, categories for the repetitive ones, vectorised
timestamp parsing, one group-by for the last event. It does not count
business days, holidays, pickup points, first attempts or the destination's
timezone: that is what opsctl adds.

    python bench/sla_pandas_peer.py SHIPMENTS.csv EVENTS.csv --as-of 2026-11-02T09:00Z
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd


def check(
    shipments_path: str, events_path: str, as_of: str, stalled_days: int, timezone: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-shipment flags and the counts per carrier."""
    now = pd.Timestamp(as_of)
    shipments = pd.read_csv(
        shipments_path,
        usecols=["shipment_id", "carrier", "tracking_number", "promised_by"],
        dtype={"carrier": "category"},
    )
    events = pd.read_csv(
        events_path,
        usecols=["tracking_number", "occurred_at", "status"],
        dtype={"status": "category"},
    )
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True, format="ISO8601")

    latest = events.groupby("tracking_number", sort=False)["occurred_at"].idxmax()
    last = events.loc[latest, ["tracking_number", "status", "occurred_at"]].set_index(
        "tracking_number"
    )
    last.columns = ["last_status", "last_event_at"]
    delivered = (
        events.loc[events["status"] == "delivered"]
        .groupby("tracking_number", sort=False)["occurred_at"]
        .min()
        .rename("delivered_at")
    )
    del events
    frame = shipments.join(last, on="tracking_number").join(delivered, on="tracking_number")

    promised = pd.to_datetime(frame["promised_by"], format="%Y-%m-%d", errors="coerce")
    deadline = (promised + pd.Timedelta(days=1)).dt.tz_localize(timezone) - pd.Timedelta(
        microseconds=1
    )
    is_delivered = frame["delivered_at"].notna()
    frame["on_time"] = is_delivered & (frame["delivered_at"] <= deadline)
    frame["delivered_late"] = is_delivered & (frame["delivered_at"] > deadline)
    frame["late_in_transit"] = ~is_delivered & (now > deadline)
    frame["stalled"] = ~is_delivered & (
        now - frame["last_event_at"] > pd.Timedelta(stalled_days, "D")
    )

    counts = frame.groupby("carrier", observed=True)[
        ["on_time", "delivered_late", "late_in_transit", "stalled"]
    ].sum()
    counts.insert(0, "shipments", frame.groupby("carrier", observed=True).size())
    return frame, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shipments")
    parser.add_argument("events")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--stalled-days", type=int, default=3)
    parser.add_argument("--timezone", default="Europe/London")
    parser.add_argument("--breaches", default="-", help="CSV of breaching shipments (- = none)")
    args = parser.parse_args(argv)
    frame, counts = check(args.shipments, args.events, args.as_of, args.stalled_days, args.timezone)
    print(counts.to_string())
    breaches = frame["delivered_late"] | frame["late_in_transit"] | frame["stalled"]
    print(f"{int(breaches.sum())} breaches of {len(frame)} shipments")
    if args.breaches != "-":
        frame.loc[breaches].to_csv(args.breaches, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
