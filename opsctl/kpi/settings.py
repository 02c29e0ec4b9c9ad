"""The ``[kpi]`` section of ``opsctl.toml``.

::

    [kpi]
    period = "last-7d"                  # default of --period
    by = "day"                          # default of --by
    dimensions = ["carrier"]            # default of --dimension
    fail_if = ["on_time_delivery_rate < 0.95"]   # default of --fail-if
    free_shipping_threshold = "50.00"   # in [defaults] currency, or a table per currency:
    # free_shipping_threshold = { GBP = "50.00", EUR = "60.00" }
    prometheus_file = "/var/lib/node_exporter/textfile/opsctl.prom"
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from opsctl.config import register_section


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _names(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    return None if ok or isinstance(value, str) else "a list of strings"


def _grain(value: Any) -> str | None:
    return None if value in ("day", "week", "month") else "one of day, week, month"


def _amount(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    try:
        return Decimal(str(value)) >= 0
    except InvalidOperation:
        return False


def _threshold(value: Any) -> str | None:
    if isinstance(value, dict):
        ok = all(len(k) == 3 and k.isupper() and _amount(v) for k, v in value.items())
        return None if ok else 'a table of currency codes to amounts, e.g. { GBP = "50.00" }'
    return None if _amount(value) else 'an amount such as "50.00"'


def _dimensions(value: Any) -> str | None:
    from opsctl.kpi.definitions import DIMENSIONS

    problem = _names(value)
    items = [value] if isinstance(value, str) else value
    if problem or any(item not in DIMENSIONS for item in items):
        return "a list of dimensions among " + ", ".join(DIMENSIONS)
    return None


register_section(
    "kpi",
    {
        "period": _string,
        "by": _grain,
        "dimensions": _dimensions,
        "fail_if": _names,
        "free_shipping_threshold": _threshold,
        "prometheus_file": _string,
    },
)


def thresholds(section: dict[str, Any], currency: str) -> dict[str, str]:
    """The free-shipping threshold per currency (a bare amount is in ``currency``)."""
    value = section.get("free_shipping_threshold")
    if value is None:
        return {}
    if isinstance(value, dict):
        return {code: str(amount) for code, amount in value.items()}
    return {currency: str(value)}
