"""The checkout funnel from GA4-shaped events: who reached each step, who went on, how fast.

Events stream through a :class:`FunnelCounter` one at a time; memory grows
with the number of sessions, not of events. A session is a
``user_pseudo_id`` with its ``ga_session_id``; it *reaches* a step when it
has that step's event, and *completes* it when it also has the next step's.
The median time between two steps is taken over the sessions that have
both, from the first event of each. Sessions are also counted by
``device_category``. The worst step is the one that loses the largest share
of the sessions reaching it (among steps reached by at least
:data:`MIN_SESSIONS` sessions, so that a handful of sessions cannot name it).
"""

from __future__ import annotations

import contextlib
import gc
import math
import statistics
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

#: GA4's recommended e-commerce events of the checkout, in funnel order.
FUNNEL_STEPS = ("view_cart", "begin_checkout", "add_shipping_info", "add_payment_info", "purchase")
STEP_INDEX = {name: index for index, name in enumerate(FUNNEL_STEPS)}
#: A step reached by fewer sessions than this is never named the worst.
MIN_SESSIONS = 30
UNKNOWN_DEVICE = "unknown"


@dataclass(frozen=True)
class StepStats:
    """One step of the funnel."""

    step: str
    sessions: int
    #: Share of the sessions reaching this step that reached the next one (None for the last).
    completion_rate: float | None
    abandonment_rate: float | None
    #: Median seconds from this step's first event to the next step's (None without pairs).
    median_seconds_to_next: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "sessions": self.sessions,
            "completionRate": _rounded(self.completion_rate),
            "abandonmentRate": _rounded(self.abandonment_rate),
            "medianSecondsToNext": _rounded(self.median_seconds_to_next, 1),
        }


@dataclass(frozen=True)
class FunnelSegment:
    """The funnel of all sessions or of one device category."""

    sessions: int
    steps: tuple[StepStats, ...]
    #: The step with the highest abandonment rate (see the module docstring), or None.
    worst_step: str | None
    #: Share of the sessions that reached the first step reached at all and did not purchase.
    abandonment_rate: float | None

    def step(self, name: str) -> StepStats:
        return next(s for s in self.steps if s.step == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "abandonmentRate": _rounded(self.abandonment_rate),
            "worstStep": self.worst_step,
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True)
class Funnel:
    """The funnel of one events file: overall and by device category."""

    source: str
    events: int
    ignored_events: int
    overall: FunnelSegment
    by_device: dict[str, FunnelSegment] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "events": self.events,
            "ignoredEvents": self.ignored_events,
            **self.overall.to_json(),
            "byDevice": {device: s.to_json() for device, s in sorted(self.by_device.items())},
        }


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


class FunnelCounter:
    """Counts sessions through the funnel, one event at a time (see :meth:`add`)."""

    def __init__(self) -> None:
        #: session key -> [device index, first seconds at each step (NaN: not reached)...]
        self._sessions: dict[str, list[Any]] = {}
        self._devices: dict[str, int] = {}
        self.events = 0
        self.ignored_events = 0

    def add(self, session: str, event_name: str, seconds: float, device: str | None) -> None:
        """Record one event: ``seconds`` since the epoch, ``device`` its category."""
        self.events += 1
        index = STEP_INDEX.get(event_name)
        if index is None:
            self.ignored_events += 1
            return
        state = self._sessions.get(session)
        if state is None:
            device_index = self._devices.setdefault(device or UNKNOWN_DEVICE, len(self._devices))
            state = [device_index, math.nan, math.nan, math.nan, math.nan, math.nan]
            self._sessions[session] = state
        first = state[index + 1]
        if not seconds >= first:  # also true when ``first`` is NaN
            state[index + 1] = seconds

    def funnel(self, source: str) -> Funnel:
        """The funnel of everything added so far."""
        overall = _Tally()
        tallies = [_Tally() for _ in self._devices]
        for state in self._sessions.values():
            times = state[1:]
            reached = [t == t for t in times]  # NaN, not reached, is the only t != t
            overall.add(times, reached)
            tallies[state[0]].add(times, reached)
        return Funnel(
            source=source,
            events=self.events,
            ignored_events=self.ignored_events,
            overall=overall.segment(),
            by_device={name: tallies[index].segment() for name, index in self._devices.items()},
        )


class _Tally:
    """Sessions reaching and completing each step, and the seconds between steps."""

    def __init__(self) -> None:
        size = len(FUNNEL_STEPS)
        self.sessions = 0
        self.reached = [0] * size
        self.completed = [0] * size
        self.gaps = [array("d") for _ in range(size)]

    def add(self, times: list[float], reached: list[bool]) -> None:
        """Count one session: the first seconds at each step, and which steps it reached."""
        self.sessions += 1
        counts, completed, gaps = self.reached, self.completed, self.gaps
        for index in range(len(times) - 1):
            if reached[index]:
                counts[index] += 1
                if reached[index + 1]:
                    completed[index] += 1
                    gap = times[index + 1] - times[index]
                    if gap >= 0:
                        gaps[index].append(gap)
        if reached[-1]:
            counts[-1] += 1

    def segment(self) -> FunnelSegment:
        medians = [statistics.median(gaps) if gaps else None for gaps in self.gaps]
        return segment_of(self.sessions, self.reached, self.completed, medians)


def segment_of(
    sessions: int,
    reached: Sequence[int],
    completed: Sequence[int],
    medians: Sequence[float | None],
) -> FunnelSegment:
    """The segment of ``sessions`` sessions from its counts per step (in :data:`FUNNEL_STEPS`).

    ``reached[i]`` sessions have step ``i``'s event, ``completed[i]`` of them
    also the next step's; ``medians[i]`` is the median seconds from step ``i``
    to the next (None without pairs). Both engines (this module's counter and
    :mod:`opsctl.checkout.funnelsql`) end here, so rates, the worst step and
    the abandonment are computed one way.
    """
    steps = []
    last = len(FUNNEL_STEPS) - 1
    for index, name in enumerate(FUNNEL_STEPS):
        count = reached[index]
        rate = completed[index] / count if count and index < last else None
        steps.append(
            StepStats(
                step=name,
                sessions=count,
                completion_rate=rate,
                abandonment_rate=None if rate is None else 1 - rate,
                median_seconds_to_next=medians[index] if index < last else None,
            )
        )
    candidates = [s for s in steps if s.abandonment_rate is not None and s.sessions >= MIN_SESSIONS]
    worst = max(candidates, key=lambda s: s.abandonment_rate or 0.0, default=None)
    # Every session reached a step; those with a purchase event did not abandon.
    abandonment = 1 - reached[last] / sessions if sessions else None
    return FunnelSegment(
        sessions=sessions,
        steps=tuple(steps),
        worst_step=worst.step if worst and worst.abandonment_rate else None,
        abandonment_rate=abandonment,
    )


def count_events(events: Iterable[Any], source: str) -> Funnel:
    """The funnel of ``events``: records with the ``checkout_events`` columns (see FORMATS).

    The loop is :meth:`FunnelCounter.add` written out, with its lookups bound
    to locals: it runs once per event of files with millions of them. The
    cyclic garbage collector is paused meanwhile: the loop makes no cycles,
    and each collection would walk every session kept so far.
    """
    with _collector_paused():
        return _count(events, source)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _count(events: Iterable[Any], source: str) -> Funnel:
    counter = FunnelCounter()
    sessions, devices, step_index = counter._sessions, counter._devices, STEP_INDEX
    nan = math.nan
    seen = ignored = 0
    for event in events:
        seen += 1
        index = step_index.get(event.event_name)
        if index is None:
            ignored += 1
            continue
        key = f"{event.user_pseudo_id}\x1f{event.ga_session_id or ''}"
        seconds = event.event_timestamp.timestamp()
        state = sessions.get(key)
        if state is None:
            device = event.device_category or UNKNOWN_DEVICE
            device_index = devices.get(device)
            if device_index is None:
                device_index = devices[device] = len(devices)
            sessions[key] = state = [device_index, nan, nan, nan, nan, nan]
        if not seconds >= state[index + 1]:  # also true when not reached yet (NaN)
            state[index + 1] = seconds
    counter.events, counter.ignored_events = seen, ignored
    return counter.funnel(source)
