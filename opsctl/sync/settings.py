"""The ``[track]`` section of ``opsctl.toml``: when ``opsctl track sync`` polls and stops.

::

    [track]
    poll_interval_minutes = 60       # wait between two polls of a shipment
    max_age_days = 60                # stop polling shipments shipped longer ago
    max_silence_days = 30            # stop polling shipments with no event for this long
    not_found_retry_minutes = 60     # first wait after "the carrier does not know it"...
    not_found_retry_max_hours = 24   # ...doubling up to this
    batch_size = 30                  # numbers per carrier call (unless the carrier says)

Importing this module registers the section with the config validator.
"""

from __future__ import annotations

from typing import Any

from opsctl.config import register_section

#: Key -> (default, smallest allowed value).
TRACK_KEYS: dict[str, tuple[int, int]] = {
    "poll_interval_minutes": (60, 0),
    "max_age_days": (60, 1),
    "max_silence_days": (30, 1),
    "not_found_retry_minutes": (60, 0),
    "not_found_retry_max_hours": (24, 0),
    "batch_size": (30, 1),
}


def _whole_number(minimum: int):
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        return None if ok else f"a whole number of {minimum} or more"

    return check


register_section("track", {key: _whole_number(minimum) for key, (_, minimum) in TRACK_KEYS.items()})
