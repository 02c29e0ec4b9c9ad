"""The ``[sla]`` and ``[notify]`` sections of ``opsctl.toml``.

::

    [sla]
    calendar = "GB-ENG"          # business days when a shipment's own calendar is unknown
    fail_on = ["late", "stalled"] # default of --fail-on
    max_rate = 0.05               # default of --max-rate
    stalled_pickup_days = 2       # and the other limits of opsctl.sla.thresholds
    [[sla.override]]
    carrier = "dhl"
    stalled_transit_days_international = 2

    [notify]
    ops = ["webhook"]             # notifiers for verdict changes
    customer = ["ndjson"]         # notifiers for customer-facing stages
    digest = false
    [notify.webhook]              # each notifier's own settings
    url = "${SLACK_WEBHOOK_URL}"
"""

from __future__ import annotations

from typing import Any

from opsctl.config import register_section
from opsctl.sla.thresholds import LIMIT_NAMES, MATCH_KEYS, validate_limit


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _names(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    return None if ok or isinstance(value, str) else "a list of names"


def _rate(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
    return None if ok else "a number from 0 to 1"


def _overrides(value: Any) -> str | None:
    allowed = set(MATCH_KEYS) | set(LIMIT_NAMES)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return "a list of [[sla.override]] tables"
    for item in value:
        unknown = sorted(set(item) - allowed)
        if unknown:
            return f"tables with keys among {', '.join(sorted(allowed))} (not {unknown[0]!r})"
        if not set(item) & set(MATCH_KEYS):
            return "tables that name a carrier, service or channel to match"
        bad = [k for k in LIMIT_NAMES if k in item and validate_limit(item[k])]
        if bad:
            return f"tables whose {bad[0]} is a whole number of days"
        if any(k in item and not isinstance(item[k], str) for k in MATCH_KEYS):
            return "tables whose carrier, service and channel are strings"
    return None


def _calendar(value: Any) -> str | None:
    if not isinstance(value, str):
        return "a calendar code such as 'GB-ENG'"
    from opsctl.calendars import get_calendar
    from opsctl.errors import ConfigError

    try:
        get_calendar(value)
    except ConfigError:
        return "a calendar code such as 'GB-ENG' (a country, optionally with a subdivision)"
    return None


register_section(
    "sla",
    {
        "calendar": _calendar,
        "fail_on": _names,
        "max_rate": _rate,
        "override": _overrides,
        **dict.fromkeys(LIMIT_NAMES, validate_limit),
    },
)


def _notify_value(value: Any) -> str | None:
    if isinstance(value, dict):
        return None  # a notifier's own settings, checked when it sends
    if isinstance(value, bool | int | float):
        return None  # digest, max_age_hours
    return _names(value)


register_section("notify", None, _notify_value)
