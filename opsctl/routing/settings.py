"""The ``[routing]`` section of ``opsctl.toml``: declared here so the config accepts it.

Importing this module registers the section and its top-level keys; it
imports nothing heavy. Values are checked, with the rule's name and the
file's line, by :mod:`opsctl.routing.rules` when routing reads them.
"""

from __future__ import annotations

from typing import Any

from opsctl.config import register_section

#: Top-level keys of ``[routing]`` (each is documented in ``docs/routing.md``).
ROUTING_KEYS = (
    "strategy",
    "split",
    "max_shipments",
    "on_no_fit",
    "require_on_time",
    "currency",
    "exchange_rates",
    "groups",
    "capacity_spill_days",
    "postal_codes",
    "guardrails",
    "rules",
)


def _checked_by_rules(value: Any) -> str | None:
    """Values are checked with their rule and line by :func:`opsctl.routing.rules.read_settings`."""
    return None


register_section("routing", dict.fromkeys(ROUTING_KEYS, _checked_by_rules))
