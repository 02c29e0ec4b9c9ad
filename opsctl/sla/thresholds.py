"""The limits behind "stalled" and "lost", configurable per carrier, service and channel.

Defaults (business days unless noted)::

    [sla]
    stalled_pickup_days = 2                  # label created, no carrier scan since
    stalled_transit_days_domestic = 2        # no scan since, within one country
    stalled_transit_days_international = 4   # no scan since, across a border
    lost_days_domestic = 10                  # calendar days without any event
    lost_days_international = 15

    [[sla.override]]                         # the most specific matching override wins
    carrier = "dhl"
    service = "express"
    stalled_transit_days_international = 2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

MATCH_KEYS = ("carrier", "service", "channel")


@dataclass(frozen=True)
class Thresholds:
    """Limits for one shipment (see the module docstring for meanings and defaults)."""

    stalled_pickup_days: int = 2
    stalled_transit_days_domestic: int = 2
    stalled_transit_days_international: int = 4
    lost_days_domestic: int = 10
    lost_days_international: int = 15

    def stalled_transit_days(self, international: bool) -> int:
        return (
            self.stalled_transit_days_international
            if international
            else self.stalled_transit_days_domestic
        )

    def lost_days(self, international: bool) -> int:
        return self.lost_days_international if international else self.lost_days_domestic


LIMIT_NAMES = tuple(f.name for f in fields(Thresholds))


@dataclass(frozen=True)
class Override:
    """Limits that apply to shipments matching ``carrier``/``service``/``channel``."""

    match: Mapping[str, str]
    limits: Mapping[str, int]

    @property
    def specificity(self) -> int:
        return len(self.match)

    def applies(self, carrier: str | None, service: str | None, channel: str | None) -> bool:
        actual = {"carrier": carrier, "service": service, "channel": channel}
        return all(actual[key] == value for key, value in self.match.items())


@dataclass(frozen=True)
class ThresholdPolicy:
    """Default limits plus overrides; :meth:`for_shipment` picks the right ones."""

    defaults: Thresholds = Thresholds()
    overrides: Sequence[Override] = ()

    def for_shipment(
        self, carrier: str | None, service: str | None, channel: str | None
    ) -> Thresholds:
        """Defaults, then matching overrides from least to most specific (later wins ties)."""
        matching = [o for o in self.overrides if o.applies(carrier, service, channel)]
        limits = self.defaults
        for override in sorted(matching, key=lambda o: o.specificity):
            limits = replace(limits, **override.limits)
        return limits

    def least(self, *names: str) -> int:
        """The smallest of the limits ``names`` that any shipment can get: in the
        defaults or in any override."""
        values = [getattr(self.defaults, name) for name in names]
        values += [o.limits[name] for o in self.overrides for name in names if name in o.limits]
        return min(values)


def validate_limit(value: Any) -> str | None:
    """Config validator: a limit is a whole number of days, 0 or more."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "a whole number of days (0 or more)"


def policy_from_config(section: Mapping[str, Any]) -> ThresholdPolicy:
    """Build the policy from a validated ``[sla]`` config section."""
    defaults = Thresholds(**{k: v for k, v in section.items() if k in LIMIT_NAMES})
    overrides = [
        Override(
            match={k: str(v) for k, v in entry.items() if k in MATCH_KEYS},
            limits={k: v for k, v in entry.items() if k in LIMIT_NAMES},
        )
        for entry in section.get("override", [])
    ]
    return ThresholdPolicy(defaults, overrides)
