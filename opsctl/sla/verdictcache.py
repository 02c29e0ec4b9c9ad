"""``opsctl sla check --from-store`` with kept verdicts: judge only what may have changed.

Each verdict a check judges is kept in the store with the span in which the
clock cannot change it (:func:`opsctl.sla.engine.valid_until`: until the
next local midnight, the promise's deadline or the day a silent parcel
counts as lost) and the *basis* it was judged on (:func:`basis`). The store
forgets a shipment's kept verdict when the shipment, its order or its
events' timeline is written, and all of them when locations or carrier
services are (:mod:`opsctl.store.verdicts`). The next check reads the
verdicts that still hold and judges the others, with the same results as
judging every shipment.

It applies when every shipment counts and none needs more than its listed
row: no ``--carrier``/``--channel``/``--since`` filter, no notifications
(which need each shipment's facts), every input from the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from importlib.metadata import PackageNotFoundError, entry_points, version

from opsctl.model.types import micros
from opsctl.sla.check import Report
from opsctl.sla.engine import Verdict
from opsctl.store.verdicts import KeptVerdict

log = logging.getLogger("opsctl.sla")

#: The configuration sections a verdict may depend on (plugins: a carrier's settings may
#: change its services' transit times; secrets there are ``${ENV}`` references, not values).
SECTIONS = ("defaults", "sla", "calendars", "plugins")
#: Installed packages whose data or rules a verdict depends on.
PACKAGES = ("opsctl", "holidays", "tzfpy", "tzdata")


def basis(config, timezone_name: str) -> str:
    """A digest of what verdicts depend on besides the stored data: the configuration's
    SLA settings, the data's timezone, and the versions of opsctl, of the packages behind
    its calendars and zones, and of every installed opsctl plugin (carriers know their
    services' transit times)."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    plugins = sorted(
        (point.name, point.value, point.dist.version if point.dist else None)
        for point in entry_points(group="opsctl")
    )
    facts = {
        "sections": {name: config.section(name) for name in SECTIONS},
        "timezone": timezone_name,
        "versions": versions,
        "plugins": plugins,
    }
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def check_with_kept_verdicts(store, judge, digest: str, now: datetime, report: Report) -> None:
    """Judge into ``report`` every stored shipment: the kept verdicts that hold as they are,
    the others by ``judge`` (a :class:`opsctl.sla.storecheck._Judge`), then keep those.

    Positions in the report are shipment ids, the order of the store's rows.
    Keeping is best effort: if another run holds the store, this one's
    verdicts are simply judged again next time.
    """
    from opsctl.errors import LockHeldError

    cache = store.sla_verdicts()
    moment = micros(now)
    held = 0
    for carrier, service, channel, verdict, kept, count in cache.held_counts(digest, moment):
        report.summary.add_count((carrier, service, channel, Verdict(verdict), kept), count)
        held += count
    wanted = [verdict.value for verdict in Verdict if report.wants(verdict)]
    rows = report.listed_rows
    for shipment_id, listed in cache.held_rows(digest, moment, wanted):
        rows.append((shipment_id, listed))
    fresh: list[KeptVerdict] = []
    _judge_the_rest(store, cache, judge, digest, moment, report, fresh)
    if fresh:
        try:
            cache.keep(fresh, digest)
        except LockHeldError as error:
            log.info("sla: verdicts not kept for the next run: %s", error)
    log.debug("sla: %d kept verdicts still held, %d shipments judged", held, len(fresh))


def _judge_the_rest(store, cache, judge, digest: str, moment: int, report, fresh: list) -> None:
    """Judge the shipments without a kept verdict that holds into ``report`` and ``fresh``:
    from :data:`~opsctl.sla.storecheck.PARALLEL_MIN_SHIPMENTS` of them on (after a local
    midnight, say), a forked process judges the second half, as a check without kept
    verdicts does."""
    from opsctl.sla import storecheck

    boundary = None
    if storecheck.forkable():
        count = cache.count_to_judge(digest, moment)
        if count >= storecheck.PARALLEL_MIN_SHIPMENTS:
            boundary = cache.shipment_to_judge_at(digest, moment, count // 2)
    if boundary is None:
        judge.judge(cache.shipment_timelines_to_judge(digest, moment), None, report, fresh)
        return
    job = storecheck.KeptJob(digest, moment)
    location = storecheck._own_connection_location(store)
    if location is None:  # rows read before forking: the helper never uses this connection
        source = list(cache.shipment_timelines_to_judge(digest, moment, start=boundary))
    else:
        source = (location, boundary)
    helper = storecheck.Helper(judge, source, None, report, job)
    try:
        judge.judge(
            cache.shipment_timelines_to_judge(digest, moment, stop=boundary), None, report, fresh
        )
        result = helper.result()
    finally:
        helper.close()
    if result is None:  # the helper failed: judge its half here
        rows = cache.shipment_timelines_to_judge(digest, moment, start=boundary)
        judge.judge(rows, None, report, fresh)
        return
    part, theirs = result
    report.merge(part)
    fresh += theirs
    log.debug("sla: %d shipments judged by a forked process", len(theirs))
