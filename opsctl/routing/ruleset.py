"""Rules bound to a network: location names resolved, strategies looked up, chains built.

Binding checks what only the data can tell: that every location and group a
rule names exists. A wrong name is a config error at the rule's key and line
that lists the known locations and groups.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from opsctl.routing.model import Request, Site
from opsctl.routing.network import Network
from opsctl.routing.rules import Criteria, RoutingSettings, Rule, unreachable_rules
from opsctl.routing.strategies import RoutingStrategy

log = logging.getLogger("opsctl.routing")


def _no_fields(order: Any) -> tuple[()]:
    """The chain key of an order when no rule reads any field: every order has the same."""
    return ()


@dataclass(eq=False)
class BoundRule:
    """A rule with its locations resolved to sites and its strategy object."""

    rule: Rule
    #: Sites its ``locations``, ``exclude`` and ``location_countries`` allow, in network order.
    sites: tuple[Site, ...]
    strategy: RoutingStrategy
    #: Location id -> position in the rule's ``priority`` list.
    priority: Mapping[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.rule.name

    def priority_rank(self, site: Site) -> tuple[int, int]:
        """A site's rank for the ``priority`` strategy: the rule's list, then its column."""
        return (self.priority.get(site.location_id, len(self.priority)), site.priority)


class RuleSet:
    """The rules of one routing run, bound to its network."""

    def __init__(
        self,
        settings: RoutingSettings,
        network: Network,
        strategies: Mapping[str, RoutingStrategy],
    ):
        self.settings, self.network = settings, network
        self.rules = tuple(self._bind(rule, strategies) for rule in settings.rules)
        # When every rule only looks at text fields of the order (channel, country, ...),
        # orders alike in those fields have the same chain: it is worked out once for them.
        criteria = [c for rule in settings.rules for c in (rule.when, rule.unless) if c is not None]
        self._fields: tuple[str, ...] | None = None
        #: The values of those fields of an order (the value itself for one field): its
        #: chain's key (see :meth:`chain`), read by one C-level getter per order.
        self._chain_key: Callable[[Any], Any] = _no_fields
        if all(c == Criteria(text=c.text) for c in criteria):
            self._fields = tuple(
                sorted({attribute for c in criteria for _, attribute, _ in c.text})
            )
            if self._fields:
                self._chain_key = attrgetter(*self._fields)
        self._chains: dict[Any, tuple[BoundRule, ...]] = {}
        for rule, catch_all in unreachable_rules(settings.rules):
            log.warning(
                "rule %r can never route an order: rule %r before it takes every order "
                '(give it on_no_fit = "next-rule" or move it last)',
                rule.name,
                catch_all.name,
            )

    def chain(self, request: Request) -> tuple[BoundRule, ...]:
        """The rules that may route ``request``, in order: those that take it, up to and
        including the first whose ``on_no_fit`` is not ``next-rule``."""
        if self._fields is None:
            return self._chain(request)
        key = self._chain_key(request.order)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = self._chain(request)
        return chain

    def _chain(self, request: Request) -> tuple[BoundRule, ...]:
        chain = []
        for bound in self.rules:
            if bound.rule.mismatch(request) is None:
                chain.append(bound)
                if bound.rule.on_no_fit != "next-rule":
                    break
        return tuple(chain)

    # -- binding ------------------------------------------------------------------------------

    def _names(self, rule: Rule, key: str, names: Sequence[str]) -> list[str]:
        """Location ids for the names a rule gives (ids or groups), in the order given."""
        sites, groups = self.network.sites, self.settings.groups
        ids: list[str] = []
        for name in names:
            if name in groups and name in sites:
                raise self.settings.rule_error(
                    rule, key, f"{name!r} is both a location and a group: rename the group"
                )
            if name in groups:
                for member in groups[name]:
                    if member not in sites:
                        raise self.settings.source.error(
                            None,
                            f"groups.{name}",
                            f"group {name!r} names {member!r}, which is not a location; known "
                            f"locations: {', '.join(sites) or 'none'}",
                        )
                    ids.append(member)
            elif name in sites:
                ids.append(name)
            else:
                raise self.settings.rule_error(
                    rule,
                    key,
                    f"{name!r} is neither a location (known: {', '.join(sites) or 'none'}) nor a "
                    f"group (known: {', '.join(groups) or 'none'})",
                )
        return list(dict.fromkeys(ids))

    def _bind(self, rule: Rule, strategies: Mapping[str, RoutingStrategy]) -> BoundRule:
        sites = self.network.sites
        allowed = (
            set(sites)
            if rule.locations is None
            else set(self._names(rule, "locations", rule.locations))
        )
        allowed -= set(self._names(rule, "exclude", rule.exclude))
        if rule.location_countries is not None:
            allowed = {i for i in allowed if sites[i].country in rule.location_countries}
        priority = self._names(rule, "priority", rule.priority)
        return BoundRule(
            rule=rule,
            sites=tuple(site for site_id, site in sites.items() if site_id in allowed),
            strategy=strategies[rule.strategy],
            priority={site_id: rank for rank, site_id in enumerate(priority)},
        )
