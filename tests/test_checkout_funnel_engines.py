"""The funnel counted by DuckDB and by the loaders: the same funnel, the same errors.

Every test reads the same file with both engines (``engine="python"`` streams
it through the shared loader, ``engine="duckdb"`` counts it in SQL and never
falls back) and wants equal :class:`~opsctl.checkout.funnel.Funnel` objects:
the same counts, the same floats to the last bit, the devices in the same
order. A file the fast path cannot vouch for is declined, and the default
engine then gives the loader's funnel, or its exact error.
"""

from __future__ import annotations

import csv
import json
import random
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opsctl.checkout import funnelsql
from opsctl.checkout.funnel import FUNNEL_STEPS
from opsctl.checkout.run import load_funnel
from opsctl.errors import DataError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
COLUMNS = (
    "event_timestamp",
    "event_name",
    "user_pseudo_id",
    "ga_session_id",
    "transaction_id",
    "device_category",
    "value",
    "currency",
)
FAST = "counted by DuckDB"
PYTHON = {"OPSCTL_CHECKOUT_ENGINE": "python"}


def write_csv(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return path


def write_ndjson(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def both(path: Path, tz=UTC, **options):
    """The funnel of ``path`` by each engine; they must be equal."""
    fast = load_funnel(path, tz=tz, engine="duckdb", **options)
    slow = load_funnel(path, tz=tz, engine="python", **options)
    assert fast == slow
    assert list(fast.by_device) == list(slow.by_device)
    assert fast.to_json() == slow.to_json()
    return fast


def same_error(path: Path, tz=UTC) -> str:
    """The loader's error for ``path``, which the default engine gives too; DuckDB declines."""
    with pytest.raises(funnelsql.Declined):
        load_funnel(path, tz=tz, engine="duckdb")
    with pytest.raises(DataError) as slow:
        load_funnel(path, tz=tz, engine="python")
    with pytest.raises(DataError) as default:
        load_funnel(path, tz=tz)
    assert str(default.value) == str(slow.value)
    assert default.value.exit_code == 3
    return str(slow.value)


# -- a shop's worth of odd but valid events ------------------------------------------------


def shop_events(seed: int = 7, sessions: int = 400) -> list[dict]:
    """Events with every oddity the contract allows, in a shuffled-ish file order.

    Sessions skip steps, repeat a step (the first instant counts), log a later
    step before an earlier one (a negative gap, left out of the medians),
    change device mid-session (the first funnel event's device counts), have
    no device or no session id, and carry events outside the funnel. Times
    are GA4 microseconds or ISO 8601 with ``Z``, an offset, fractions of a
    second, or no offset at all (the config's timezone).
    """
    rng = random.Random(seed)
    devices = ["mobile", "desktop", "tablet", None, "smart tv"]
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # clocks go back in London on the 25th
    rows = []
    for number in range(sessions):
        user = f"{rng.randrange(10**9)}.{rng.randrange(10**9)}"
        session = None if number % 17 == 0 else str(1_790_000_000 + number)
        device = rng.choice(devices)
        at = start + timedelta(seconds=rng.randrange(0, 6 * 3600))
        depth = rng.choice([1, 1, 2, 2, 3, 4, 5, 5])
        names = list(FUNNEL_STEPS[:depth])
        if rng.random() < 0.15 and depth > 2:
            del names[1]  # skips a step
        if rng.random() < 0.2:
            names.insert(rng.randrange(len(names) + 1), "page_view")
        for index, name in enumerate(names):
            at += timedelta(seconds=rng.randrange(5, 600), microseconds=rng.randrange(10**6))
            when = at
            if rng.random() < 0.08:
                when = at - timedelta(seconds=rng.randrange(700, 2000))  # out of order
            if rng.random() < 0.1 and index:
                device = rng.choice(devices)  # a device change mid-session
            rows.append(event(rng, when, name, user, session, device))
            if rng.random() < 0.1:  # the same step again, later: the first one counts
                later = when + timedelta(seconds=rng.randrange(1, 90))
                rows.append(event(rng, later, name, user, session, device))
    # Half the file out of order: sessions interleave, as in a real export.
    head = rows[: len(rows) // 2]
    rng.shuffle(head)
    return head + rows[len(rows) // 2 :]


def event(rng, when: datetime, name: str, user: str, session, device) -> dict:
    style = rng.randrange(6)
    if style == 0:
        stamp = when.isoformat().replace("+00:00", "Z")
    elif style == 1:
        offset = timezone(timedelta(hours=rng.choice([-8, 5.5, 1, 9])))
        stamp = when.astimezone(offset).isoformat(timespec="milliseconds")
        when = datetime.fromisoformat(stamp)
    elif style == 2:  # no offset: London time, as the config says (fold=0 in the repeated hour)
        local = when.astimezone(LONDON).replace(tzinfo=None)
        stamp = local.isoformat(timespec="seconds")
    else:
        stamp = str((when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))
    row = {"event_timestamp": stamp, "event_name": name, "user_pseudo_id": user}
    if session is not None:
        row["ga_session_id"] = session
    if device is not None:
        row["device_category"] = device
    if name == "purchase":
        row.update(transaction_id=f"T{rng.randrange(10**6)}", value="42.50", currency="GBP")
    return row


@pytest.mark.parametrize("tz", [UTC, LONDON], ids=["utc", "london"])
def test_odd_but_valid_events_give_the_same_funnel_from_csv(tmp_path, tz):
    funnel = both(write_csv(tmp_path / "events.csv", shop_events()), tz=tz)
    assert funnel.overall.sessions >= 390
    assert funnel.ignored_events > 0
    assert {"mobile", "desktop", "tablet", "unknown", "smart tv"} <= set(funnel.by_device)
    assert funnel.overall.worst_step is not None
    assert all(s.median_seconds_to_next for s in funnel.overall.steps[:-1])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_odd_but_valid_events_give_the_same_funnel_from_ndjson(tmp_path, seed):
    rows = shop_events(seed, sessions=150 + seed)
    for row in rows[::3]:  # GA4 exports write numbers: the loaders read their digits
        if row["event_timestamp"].isdigit():
            row["event_timestamp"] = int(row["event_timestamp"])
        if row.get("ga_session_id"):
            row["ga_session_id"] = int(row["ga_session_id"])
        if "value" in row:
            row["value"] = 42.5
    rows[0]["event_date"] = "20261025"  # an extra column, kept by the loaders
    both(write_ndjson(tmp_path / "events.ndjson", rows), tz=LONDON)


def test_the_demo_shop_events_give_the_same_funnel():
    funnel = both(FIXTURES / "checkout_events.ndjson")
    assert funnel.events == 9552 and funnel.overall.sessions == 3651


def test_a_session_takes_the_device_of_its_first_funnel_event_in_file_order(tmp_path):
    rows = [
        {"event_timestamp": "200", "event_name": "page_view", "user_pseudo_id": "u",
         "device_category": "tv"},
        {"event_timestamp": "300", "event_name": "begin_checkout", "user_pseudo_id": "u",
         "device_category": "tablet"},
        {"event_timestamp": "100", "event_name": "view_cart", "user_pseudo_id": "u",
         "device_category": "mobile"},
        {"event_timestamp": "100", "event_name": "view_cart", "user_pseudo_id": "v"},
    ]  # fmt: skip
    funnel = both(write_csv(tmp_path / "events.csv", rows))
    assert list(funnel.by_device) == ["tablet", "unknown"]
    assert funnel.overall.steps[0].median_seconds_to_next == pytest.approx(0.0002)


def test_even_and_odd_numbers_of_gaps_take_the_median_as_statistics_does(tmp_path):
    for count in (1, 2, 3, 4, 31):
        rows = []
        for n in range(count):
            start = 1_790_000_000_000_000 + n * 10**9
            for index, name in enumerate(FUNNEL_STEPS[:2]):
                stamp = start + index * (1_000_001 + n * 333_333)
                rows.append({"event_timestamp": str(stamp), "event_name": name,
                             "user_pseudo_id": f"u{n}"})  # fmt: skip
        both(write_csv(tmp_path / f"events-{count}.csv", rows))


def test_a_file_without_funnel_events_or_without_rows(tmp_path):
    only_views = [{"event_timestamp": "1", "event_name": "page_view", "user_pseudo_id": "u"}]
    funnel = both(write_csv(tmp_path / "views.csv", only_views))
    assert (funnel.events, funnel.ignored_events, funnel.overall.sessions) == (1, 1, 0)
    empty = both(write_csv(tmp_path / "empty.csv", []))
    assert (empty.events, empty.overall.sessions, empty.by_device) == (0, 0, {})
    assert both(write_ndjson(tmp_path / "empty.ndjson", [])).events == 0


def test_a_csv_with_quoted_fields_and_extra_columns(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "\ufeffuser_pseudo_id,event_name,note,event_timestamp,device_category\r\n"
        'u1,view_cart,"said ""hi"",\nthen left",1790000000000000,mobile\r\n'
        "u1,begin_checkout,,1790000030000000,desktop\r\n",
        encoding="utf-8",
    )
    funnel = both(path)
    assert list(funnel.by_device) == ["mobile"]
    assert funnel.overall.steps[0].median_seconds_to_next == 30.0


# -- what the fast path declines: the loaders decide ----------------------------------------


GOOD = {"event_timestamp": "1790000000000000", "event_name": "view_cart", "user_pseudo_id": "u"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"event_timestamp": "soon"}, r"events.csv:3: event_timestamp: 'soon' is not"),
        ({"user_pseudo_id": ""}, r"events.csv:3: user_pseudo_id: missing value"),
        ({"currency": "usd", "value": "1"}, r"events.csv:3: currency: 'usd' is not"),
        ({"value": "12.00"}, r"events.csv:3: currency: missing value: value needs a currency"),
        ({"value": "abc", "currency": "EUR"}, r"events.csv:3: value: 'abc' is not a decimal"),
        ({"event_timestamp": "2026-02-30T10:00:00Z"}, r"events.csv:3: event_timestamp: "),
    ],
)
def test_a_bad_row_gives_the_loaders_error(tmp_path, change, message):
    rows = [dict(GOOD, user_pseudo_id="first"), {**GOOD, **change}]
    error = same_error(write_csv(tmp_path / "events.csv", rows))
    assert re.search(message, error), error


@pytest.mark.parametrize("where", ["same session", "other session"])
def test_a_repeated_natural_key_is_the_loaders_duplicate_error(tmp_path, where):
    rows = [
        {**GOOD, "ga_session_id": "1"},
        {**GOOD, "event_name": "begin_checkout", "ga_session_id": "1"},
        # The same instant written another way, in the same or another session.
        {**GOOD, "event_timestamp": "2026-09-21T16:13:20+02:00",
         "ga_session_id": "1" if where == "same session" else "2"},
    ]  # fmt: skip
    error = same_error(write_csv(tmp_path / "events.csv", rows))
    assert "events.csv:4: " in error and "is a duplicate" in error


def test_a_row_with_too_many_fields_or_bad_json(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "event_timestamp,event_name,user_pseudo_id\n1,view_cart,u\n2,view_cart,u,extra\n"
    )
    assert "events.csv:3: " in same_error(path)
    lines = tmp_path / "events.ndjson"
    lines.write_text(json.dumps(GOOD) + "\n{not json\n")
    assert "events.ndjson:2: " in same_error(lines)
    typed = tmp_path / "typed.ndjson"
    typed.write_text(json.dumps({**GOOD, "event_name": ["view_cart"]}) + "\n")
    assert "typed.ndjson:1: event_name: " in same_error(typed)


def test_the_bad_rows_quarantine_is_the_loaders(tmp_path):
    rows = [GOOD, {**GOOD, "event_timestamp": "later"}, {**GOOD, "event_name": "purchase"}]
    path = write_csv(tmp_path / "events.csv", rows)
    quarantine = tmp_path / "events.quarantine.csv"
    slow = load_funnel(path, tz=UTC, on_bad_rows="skip", engine="python")
    kept = quarantine.read_text()
    quarantine.unlink()
    fast = load_funnel(path, tz=UTC, on_bad_rows="skip")
    assert fast == slow and quarantine.read_text() == kept
    assert "'later' is not" in kept and fast.events == 2
    clean = write_csv(tmp_path / "clean.csv", [GOOD])
    assert both(clean, on_bad_rows="skip").events == 1
    assert not (tmp_path / "clean.quarantine.csv").exists()


def test_what_duckdb_may_read_differently_is_left_to_the_loaders(tmp_path):
    cases = {
        # 2**53 microseconds and more (year 2255): not exact in DuckDB's doubles.
        "far.csv": [dict(GOOD, event_timestamp="2300-01-01T00:00:00Z")],
        # More digits than the fast path reads, and a basic ISO 8601 form.
        "digits.csv": [dict(GOOD, event_timestamp="00001790000000000000")],
        "basic.csv": [dict(GOOD, event_timestamp="20261001T101010Z")],
        # The counter's session key joins the ids with U+001F.
        "joined.csv": [dict(GOOD, user_pseudo_id="a\x1fb", ga_session_id="c"),
                       dict(GOOD, user_pseudo_id="a", ga_session_id="b\x1fc")],
    }  # fmt: skip
    for name, rows in cases.items():
        path = write_csv(tmp_path / name, rows)
        with pytest.raises(funnelsql.Declined):
            load_funnel(path, tz=UTC, engine="duckdb")
        slow = load_funnel(path, tz=UTC, engine="python")
        assert load_funnel(path, tz=UTC) == slow, name
    joined = load_funnel(tmp_path / "joined.csv", tz=UTC)
    assert joined.overall.sessions == 1  # as the counter keys them
    # Times without an offset, in a timezone with no IANA name for DuckDB.
    naive = write_csv(tmp_path / "naive.csv", [dict(GOOD, event_timestamp="2026-10-01T10:00")])
    fixed = timezone(timedelta(hours=2))
    with pytest.raises(funnelsql.Declined):
        load_funnel(naive, tz=fixed, engine="duckdb")
    assert load_funnel(naive, tz=fixed) == load_funnel(naive, tz=fixed, engine="python")


def test_short_of_memory_duckdb_tries_again_with_more(monkeypatch, caplog):
    monkeypatch.setattr(funnelsql, "MEMORY_LIMIT_MB", 1)
    with caplog.at_level("INFO", logger="opsctl.checkout"):
        funnel = both(FIXTURES / "checkout_events.ndjson")
    assert "DuckDB ran out of memory; again with" in caplog.text
    assert funnel.overall.sessions == 3651
    monkeypatch.setattr(funnelsql, "MAX_MEMORY_LIMIT_MB", 1)
    with pytest.raises(funnelsql.Declined) as declined:
        load_funnel(FIXTURES / "checkout_events.ndjson", tz=UTC, engine="duckdb")
    assert declined.value.unexpected  # the default engine warns, then uses the loader


# -- the command line ---------------------------------------------------------------------


def test_the_command_counts_with_duckdb_and_reports_the_same_funnel(opsctl_run, tmp_path):
    import opsctl_checkout_audits

    path = write_csv(tmp_path / "events.csv", shop_events(11))
    args = ("-vv", "checkout", "audit", "--events", str(path), "-f", "json")
    kwargs = {"plugins": [("checkout-audits", opsctl_checkout_audits)], "only_plugins": True}
    fast = opsctl_run(*args, **kwargs).assert_success()
    slow = opsctl_run(*args, env=PYTHON, **kwargs).assert_success()
    assert FAST in fast.stderr and FAST not in slow.stderr
    assert fast.json()["funnel"] == slow.json()["funnel"]
    assert fast.json()["audits"]["cart-abandonment"] == slow.json()["audits"]["cart-abandonment"]


def test_the_command_stops_on_a_bad_row_with_one_line(opsctl_run, tmp_path):
    import opsctl_checkout_audits

    rows = [GOOD, {**GOOD, "event_timestamp": "soon", "event_name": "purchase"}]
    path = write_csv(tmp_path / "events.csv", rows)
    kwargs = {"plugins": [("checkout-audits", opsctl_checkout_audits)], "only_plugins": True}
    fast = opsctl_run("checkout", "audit", "--events", str(path), **kwargs).assert_exit(3)
    slow = opsctl_run("checkout", "audit", "--events", str(path), env=PYTHON, **kwargs)
    assert fast.stderr == slow.stderr
    assert fast.stderr.strip().count("\n") == 0 and "Traceback" not in fast.stderr
    assert f"{path}:3: event_timestamp: 'soon' is not" in fast.stderr


def test_a_json_array_is_read_by_the_loader_with_the_same_funnel(tmp_path, caplog):
    rows = shop_events(5, sessions=60)
    array = tmp_path / "events.json"
    array.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(funnelsql.Declined, match="only CSV and NDJSON"):
        load_funnel(array, tz=LONDON, engine="duckdb")
    with caplog.at_level("INFO", logger="opsctl.checkout"):
        from_array = load_funnel(array, tz=LONDON)
    assert "reading " in caplog.text and "with the loader" in caplog.text
    direct = load_funnel(write_ndjson(tmp_path / "events.ndjson", rows), tz=LONDON)
    assert from_array.to_json() == {**direct.to_json(), "source": str(array)}


def test_loading_the_fast_path_does_not_import_duckdb():
    probe = (
        "import sys, opsctl.checkout.run, opsctl.checkout.funnelsql, opsctl.commands.checkout;"
        "print('duckdb' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
