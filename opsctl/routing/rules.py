"""Routing rules: which orders a rule takes (its criteria) and what it does with them (actions).

``[[routing.rules]]`` tables are read in order; an order follows the first rule
whose ``when`` matches it (and whose ``unless`` does not). A rule that cannot
serve an order hands it to the next matching rule when its ``on_no_fit`` is
``next-rule``; otherwise the order is backordered or held. ``docs/routing.md``
is the user's version of this module.

Every mistake in the rules is a :class:`~opsctl.errors.ConfigError` that
names the file, the line, the rule and the key, and says what was expected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsctl.errors import ConfigError

if TYPE_CHECKING:
    from opsctl.config import Config
    from opsctl.routing.guardrails import Guardrail
    from opsctl.routing.model import Request

ON_NO_FIT = ("next-rule", "backorder", "hold")
DEFAULT_STRATEGY = "cheapest-on-time"
DEFAULT_SPLIT_SHIPMENTS = 2
DEFAULT_CAPACITY_SPILL_DAYS = 5

#: Criteria of ``when`` and ``unless`` on text fields of the order: key -> attribute.
TEXT_CRITERIA = {
    "channel": "channel",
    "customer_type": "customer_type",
    "service_level": "service_level",
    "country": "ship_to_country",
    "postal_code": "ship_to_postal_code",
}
CRITERIA_KEYS = (
    *TEXT_CRITERIA,
    "sku",
    "tags",
    "columns",
    "min_value",
    "max_value",
    "min_weight_kg",
    "max_weight_kg",
)
RULE_KEYS = (
    "name",
    "when",
    "unless",
    "locations",
    "exclude",
    "location_countries",
    "max_distance_km",
    "channel_check",
    "carriers",
    "services",
    "strategy",
    "priority",
    "split",
    "max_shipments",
    "on_no_fit",
    "require_on_time",
)


# -- where a key is written -----------------------------------------------------------

_RULES_HEADER = re.compile(r"^\s*\[\[\s*routing\s*\.\s*rules\s*\]\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)


def _dotted(text: str) -> str:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', text)
    return ".".join(double or single or bare for double, single, bare in parts)


def rule_lines(text: str) -> list[dict[str, int]]:
    """For each ``[[routing.rules]]`` table of a TOML text, its keys and their line numbers.

    The key ``""`` is the line of the table's header; ``when.channel`` is
    found whether it is written as a dotted key or in ``[routing.rules.when]``.
    """
    rules: list[dict[str, int]] = []
    prefix: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _RULES_HEADER.match(line):
            rules.append({"": number})
            prefix = ""
            continue
        header = _ANY_HEADER.match(line)
        if header:
            name = _dotted(header.group(1))
            inside = rules and name.startswith("routing.rules.")
            prefix = name.removeprefix("routing.rules.") + "." if inside else None
            if inside:
                rules[-1].setdefault(prefix[:-1], number)
            continue
        key = _KEY.match(line)
        if key and prefix is not None:
            rules[-1].setdefault(prefix + _dotted(key.group(1)), number)
    return rules


@dataclass(frozen=True)
class RulesSource:
    """The file the rules come from, to point errors at a line."""

    path: str | None = None
    #: ``lines[i]`` maps the keys of the i-th rule (0-based) to their line.
    lines: tuple[dict[str, int], ...] = ()
    #: Lines of the other keys of ``[routing]`` (dotted from ``routing``).
    section_lines: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of_file(cls, path: str | Path | None, text: str | None, section_lines=None) -> RulesSource:
        lines = tuple(rule_lines(text)) if text else ()
        return cls(None if path is None else str(path), lines, dict(section_lines or {}))

    def line(self, index: int | None, key: str) -> int | None:
        """The line of ``key`` of rule ``index`` (or of ``routing.<key>`` when index is None)."""
        if index is None:
            parts = ["routing", *key.split(".")]
            while parts:
                found = self.section_lines.get(".".join(parts))
                if found:
                    return found
                parts.pop()
            return None
        if index >= len(self.lines):
            return self.section_lines.get("routing.rules")
        keys = self.lines[index]
        parts = key.split(".") if key else []
        while parts:
            found = keys.get(".".join(parts))
            if found:
                return found
            parts.pop()
        return keys.get("")

    def error(
        self, index: int | None, key: str, message: str, rule: str | None = None
    ) -> ConfigError:
        """A config error at ``key`` of rule ``index`` (``None``: a key of ``[routing]``)."""
        if index is None:
            dotted = f"routing.{key}"
        else:
            dotted = f"routing.rules[{index + 1}]" + (f".{key}" if key else "")
        label = f"rule {rule!r}: " if rule else ""
        return ConfigError(label + message, path=self.path, line=self.line(index, key), key=dotted)


# -- criteria -------------------------------------------------------------------------


@dataclass(frozen=True)
class TextMatch:
    """Text values and glob patterns (``FS-TNT-*``), compared without regard to case."""

    values: frozenset[str]
    patterns: tuple[str, ...]
    written: tuple[str, ...]

    @classmethod
    def of(cls, items: Sequence[str]) -> TextMatch:
        folded = [item.casefold() for item in items]
        patterns = tuple(item for item in folded if any(c in item for c in "*?["))
        return cls(frozenset(folded) - set(patterns), patterns, tuple(items))

    def __call__(self, text: object) -> bool:
        if text is None:
            return False
        folded = str(text).casefold()
        return folded in self.values or any(fnmatchcase(folded, p) for p in self.patterns)

    def any(self, texts: Iterable[object]) -> bool:
        return any(self(text) for text in texts)

    def __str__(self) -> str:
        return ", ".join(self.written)


@dataclass(frozen=True)
class Criteria:
    """What an order must be like for a rule to take it; empty criteria take every order."""

    text: tuple[tuple[str, str, TextMatch], ...] = ()
    sku: TextMatch | None = None
    tags: TextMatch | None = None
    columns: tuple[tuple[str, TextMatch], ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    min_weight_kg: Decimal | None = None
    max_weight_kg: Decimal | None = None

    @property
    def empty(self) -> bool:
        return self == Criteria()

    @property
    def uses_value(self) -> bool:
        return self.min_value is not None or self.max_value is not None

    def mismatch(self, request: Request) -> str | None:
        """Why ``request`` does not meet the criteria, or ``None`` when it does."""
        order = request.order
        for key, attribute, match in self.text:
            value = getattr(order, attribute)
            if not match(value):
                return f"{key} is {value!r}, not {match}"
        if self.sku is not None and not self.sku.any(line.sku for line in request.lines):
            return f"no line has a sku among {self.sku}"
        if self.tags is not None and not self.tags.any(request.tags):
            return f"tags {list(request.tags)} include none of {self.tags}"
        for column, match in self.columns:
            values = request.column_values(column)
            if not match.any(values):
                shown = values[0] if len(values) == 1 else values
                return f"column {column} is {shown!r}, not {match}"
        if self.min_value is not None and request.value < self.min_value:
            return f"value {request.value} is below min_value {self.min_value}"
        if self.max_value is not None and request.value > self.max_value:
            return f"value {request.value} is above max_value {self.max_value}"
        if self.min_weight_kg is not None and request.weight < self.min_weight_kg:
            return f"weight {request.weight} kg is below min_weight_kg {self.min_weight_kg}"
        if self.max_weight_kg is not None and request.weight > self.max_weight_kg:
            return f"weight {request.weight} kg is above max_weight_kg {self.max_weight_kg}"
        return None


# -- rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One routing rule: criteria on the order, then the actions that route it."""

    name: str
    #: 0-based position in ``[[routing.rules]]``; None for the implicit default rule.
    index: int | None
    when: Criteria = Criteria()
    unless: Criteria | None = None
    #: Location ids and group names; None means every location.
    locations: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    location_countries: frozenset[str] | None = None
    max_distance_km: float | None = None
    channel_check: bool = True
    carriers: frozenset[str] | None = None
    #: Carrier service names (``express``) and ``carrier/service`` pairs.
    services: frozenset[str] | None = None
    strategy: str = DEFAULT_STRATEGY
    #: Location ids and group names, most preferred first (the ``priority`` strategy).
    priority: tuple[str, ...] = ()
    split: bool = False
    max_shipments: int = 1
    on_no_fit: str = "backorder"
    require_on_time: bool = False

    @property
    def catches_all(self) -> bool:
        return self.when.empty and self.unless is None

    @property
    def uses_value(self) -> bool:
        return self.when.uses_value or (self.unless is not None and self.unless.uses_value)

    def mismatch(self, request: Request) -> str | None:
        """Why the rule does not take ``request``, or ``None`` when it does."""
        reason = self.when.mismatch(request)
        if reason is not None:
            return reason
        if self.unless is not None and self.unless.mismatch(request) is None:
            return "its unless criteria match"
        return None

    def allows_service(self, carrier: str, service: str) -> bool:
        if self.carriers is not None and carrier not in self.carriers:
            return False
        if self.services is None:
            return True
        return service in self.services or f"{carrier}/{service}" in self.services


@dataclass(frozen=True)
class RoutingSettings:
    """Everything ``[routing]`` says: the rules and the settings they share."""

    rules: tuple[Rule, ...]
    currency: str
    #: Units of :attr:`currency` that one unit of each other currency is worth.
    exchange_rates: Mapping[str, Decimal]
    groups: Mapping[str, tuple[str, ...]]
    capacity_spill_days: int
    guardrails: tuple[Guardrail, ...]
    source: RulesSource
    #: True when the config has no rules and the implicit default rule applies.
    implicit: bool = False

    def rule_error(self, rule: Rule, key: str, message: str) -> ConfigError:
        """A config error at ``key`` of ``rule``, with file and line."""
        return self.source.error(rule.index, key, message, rule.name)

    def rate(self, currency: str) -> Decimal:
        """What one unit of ``currency`` is worth in the routing currency."""
        if currency == self.currency:
            return Decimal(1)
        try:
            return self.exchange_rates[currency]
        except KeyError:
            raise self.source.error(
                None,
                "exchange_rates",
                f'no exchange rate for {currency}: add {currency} = "RATE" (the value of one '
                f"{currency} in {self.currency}) to [routing.exchange_rates]",
            ) from None


# -- reading the section -----------------------------------------------------------------


class _Reader:
    """Reads the keys of one table (a rule, or ``[routing]``) and reports mistakes in place."""

    def __init__(self, table: Mapping[str, Any], source: RulesSource, index: int | None, name=None):
        self.table, self.source, self.index, self.name = table, source, index, name

    def error(self, key: str, message: str) -> ConfigError:
        return self.source.error(self.index, key, message, self.name)

    def check_keys(self, allowed: Collection[str], table: Mapping[str, Any], prefix: str = ""):
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), list(allowed), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise self.error(
                    prefix + str(key),
                    f"unknown key {key!r}; {hint}expected one of {', '.join(allowed)}",
                )

    def text(self, key: str, value: Any, choices: Sequence[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"{value!r} is not a non-empty string")
        if choices is not None and value not in choices:
            raise self.error(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def texts(self, key: str, value: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(item, str) and item.strip() for item in items)
        ):
            raise self.error(key, f"{value!r} is not a string or a non-empty list of strings")
        return tuple(items)

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, f"{value!r} is not true or false")
        return value

    def count(self, key: str, value: Any, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(key, f"{value!r} is not a whole number of {minimum} or more")
        return value

    def amount(self, key: str, value: Any) -> Decimal:
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidOperation
            amount = Decimal(str(value))
            if not amount.is_finite() or amount < 0:
                raise InvalidOperation
        except InvalidOperation:
            raise self.error(key, f"{value!r} is not a number of 0 or more") from None
        return amount

    def criteria(self, key: str, value: Any) -> Criteria:
        if not isinstance(value, dict):
            raise self.error(key, f"{value!r} is not a table of criteria")
        self.check_keys(CRITERIA_KEYS, value, f"{key}.")
        text = tuple(
            (name, attribute, TextMatch.of(self.texts(f"{key}.{name}", value[name])))
            for name, attribute in TEXT_CRITERIA.items()
            if name in value
        )
        columns: list[tuple[str, TextMatch]] = []
        if "columns" in value:
            table = value["columns"]
            if not isinstance(table, dict) or not table:
                raise self.error(f"{key}.columns", f"{table!r} is not a table of column = value(s)")
            for column, wanted in table.items():
                columns.append(
                    (column, TextMatch.of(self.texts(f"{key}.columns.{column}", wanted)))
                )

        def optional(name: str, convert: Callable[[str, Any], Any]) -> Any:
            return convert(f"{key}.{name}", value[name]) if name in value else None

        criteria = Criteria(
            text=text,
            sku=optional("sku", lambda k, v: TextMatch.of(self.texts(k, v))),
            tags=optional("tags", lambda k, v: TextMatch.of(self.texts(k, v))),
            columns=tuple(columns),
            min_value=optional("min_value", self.amount),
            max_value=optional("max_value", self.amount),
            min_weight_kg=optional("min_weight_kg", self.amount),
            max_weight_kg=optional("max_weight_kg", self.amount),
        )
        for low, high in (("min_value", "max_value"), ("min_weight_kg", "max_weight_kg")):
            both = value.get(low) is not None and value.get(high) is not None
            if both and getattr(criteria, low) > getattr(criteria, high):
                raise self.error(f"{key}.{low}", f"{low} is more than {high}")
        return criteria


@dataclass(frozen=True)
class _Defaults:
    strategy: str = DEFAULT_STRATEGY
    split: bool = False
    max_shipments: int | None = None
    on_no_fit: str = "backorder"
    require_on_time: bool = False


def _read_rule(
    table: Any, index: int, source: RulesSource, defaults: _Defaults, strategies: Collection[str]
) -> Rule:
    if not isinstance(table, dict):
        raise source.error(index, "", f"{table!r} is not a table ([[routing.rules]])")
    name = table.get("name")
    reader = _Reader(table, source, index, name if isinstance(name, str) else None)
    if "name" not in table:
        raise reader.error("", 'a rule needs a name (name = "...")')
    reader.text("name", name)
    reader.check_keys(RULE_KEYS, table)
    get = table.get

    def optional(key: str, convert: Callable[..., Any], *args: Any) -> Any:
        return convert(key, table[key], *args) if key in table else None

    strategy = optional("strategy", reader.text) or defaults.strategy
    if strategy not in strategies:
        known = ", ".join(sorted(strategies)) or "none (is the routing-strategies plugin loaded?)"
        raise reader.error("strategy", f"{strategy!r} is not a routing strategy; known: {known}")
    split = defaults.split if "split" not in table else reader.boolean("split", get("split"))
    max_shipments = optional("max_shipments", reader.count, 1)
    if max_shipments is None:
        max_shipments = (defaults.max_shipments or DEFAULT_SPLIT_SHIPMENTS) if split else 1
    if split and max_shipments < 2:
        raise reader.error("max_shipments", "split = true needs max_shipments of 2 or more")
    if not split and max_shipments > 1:
        raise reader.error("max_shipments", f"max_shipments = {max_shipments} needs split = true")
    countries = optional("location_countries", reader.texts)
    distance = optional("max_distance_km", reader.amount)
    carriers = optional("carriers", reader.texts)
    services = optional("services", reader.texts)
    return Rule(
        name=name,
        index=index,
        when=optional("when", reader.criteria) or Criteria(),
        unless=optional("unless", reader.criteria),
        locations=optional("locations", reader.texts),
        exclude=optional("exclude", reader.texts) or (),
        location_countries=None if countries is None else frozenset(c.upper() for c in countries),
        max_distance_km=None if distance is None else float(distance),
        channel_check=True
        if "channel_check" not in table
        else reader.boolean("channel_check", get("channel_check")),
        carriers=None if carriers is None else frozenset(carriers),
        services=None if services is None else frozenset(services),
        strategy=strategy,
        priority=optional("priority", reader.texts) or (),
        split=split,
        max_shipments=max_shipments,
        on_no_fit=optional("on_no_fit", reader.text, ON_NO_FIT) or defaults.on_no_fit,
        require_on_time=defaults.require_on_time
        if "require_on_time" not in table
        else reader.boolean("require_on_time", get("require_on_time")),
    )


def parse_settings(
    section: Mapping[str, Any],
    *,
    source: RulesSource,
    strategies: Collection[str],
    default_currency: str = "EUR",
    guardrails_from: Mapping[str, Any] | None = None,
) -> RoutingSettings:
    """Read a ``[routing]`` table into :class:`RoutingSettings`, checking every key.

    ``strategies`` are the names of the registered routing strategies.
    ``guardrails_from`` replaces the section's own guardrails (a candidate
    rule file never sets the gate it is judged by).
    """
    from opsctl.routing.guardrails import parse_guardrails
    from opsctl.routing.settings import ROUTING_KEYS

    top = _Reader(section, source, None)
    top.check_keys(ROUTING_KEYS, section)
    get = section.get
    defaults = _Defaults(
        strategy=top.text("strategy", get("strategy"))
        if "strategy" in section
        else DEFAULT_STRATEGY,
        split=top.boolean("split", get("split")) if "split" in section else False,
        max_shipments=top.count("max_shipments", get("max_shipments"), 2)
        if "max_shipments" in section
        else None,
        on_no_fit=top.text("on_no_fit", get("on_no_fit"), ON_NO_FIT)
        if "on_no_fit" in section
        else "backorder",
        require_on_time=top.boolean("require_on_time", get("require_on_time"))
        if "require_on_time" in section
        else False,
    )
    if defaults.strategy not in strategies:
        known = ", ".join(sorted(strategies)) or "none (is the routing-strategies plugin loaded?)"
        raise top.error(
            "strategy", f"{defaults.strategy!r} is not a routing strategy; known: {known}"
        )
    currency = top.text("currency", get("currency")) if "currency" in section else default_currency
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise top.error("currency", f"{currency!r} is not an ISO 4217 currency code such as 'EUR'")
    rates = _exchange_rates(top, get("exchange_rates", {}))
    groups = _groups(top, get("groups", {}))
    if "postal_codes" in section:
        top.text("postal_codes", get("postal_codes"))
    spill = (
        top.count("capacity_spill_days", get("capacity_spill_days"), 0)
        if "capacity_spill_days" in section
        else DEFAULT_CAPACITY_SPILL_DAYS
    )
    raw_rules = get("rules")
    implicit = raw_rules is None
    if implicit:
        rules: tuple[Rule, ...] = (
            Rule(
                name="default",
                index=None,
                strategy=defaults.strategy,
                split=defaults.split,
                max_shipments=(defaults.max_shipments or DEFAULT_SPLIT_SHIPMENTS)
                if defaults.split
                else 1,
                on_no_fit=defaults.on_no_fit if defaults.on_no_fit != "next-rule" else "backorder",
                require_on_time=defaults.require_on_time,
            ),
        )
    else:
        if not isinstance(raw_rules, list) or not raw_rules:
            raise top.error("rules", "expected one or more [[routing.rules]] tables")
        rules = tuple(
            _read_rule(table, index, source, defaults, strategies)
            for index, table in enumerate(raw_rules)
        )
        _check_names(rules, source)
    guardrail_table = get("guardrails", {}) if guardrails_from is None else guardrails_from
    return RoutingSettings(
        rules=rules,
        currency=currency,
        exchange_rates=rates,
        groups=groups,
        capacity_spill_days=spill,
        guardrails=parse_guardrails(guardrail_table, top.error),
        source=source,
        implicit=implicit,
    )


def _exchange_rates(reader: _Reader, table: Any) -> dict[str, Decimal]:
    if not isinstance(table, dict):
        raise reader.error("exchange_rates", f'{table!r} is not a table of CURRENCY = "RATE"')
    rates = {}
    for currency, rate in table.items():
        key = f"exchange_rates.{currency}"
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise reader.error(key, f"{currency!r} is not an ISO 4217 currency code such as 'USD'")
        rates[currency] = reader.amount(key, rate)
        if rates[currency] == 0:
            raise reader.error(key, "an exchange rate must be more than 0")
    return rates


def _groups(reader: _Reader, table: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise reader.error("groups", f"{table!r} is not a table of group = [location ids]")
    return {name: reader.texts(f"groups.{name}", ids) for name, ids in table.items()}


def _check_names(rules: Sequence[Rule], source: RulesSource) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.name in seen:
            first = seen[rule.name].index + 1  # type: ignore[operator]
            raise source.error(
                rule.index,
                "name",
                f"another rule (routing.rules[{first}]) has this name",
                rule.name,
            )
        seen[rule.name] = rule


def unreachable_rules(rules: Sequence[Rule]) -> list[tuple[Rule, Rule]]:
    """Rules that can never take an order: ``(rule, the catch-all rule before it)``."""
    found = []
    for position, rule in enumerate(rules):
        for earlier in rules[:position]:
            if earlier.catches_all and earlier.on_no_fit != "next-rule":
                found.append((rule, earlier))
                break
    return found


def read_settings(config: Config, strategies: Collection[str]) -> RoutingSettings:
    """The ``[routing]`` settings of ``config``, checked against the registered strategies."""
    text = _read_text(config.path)
    source = RulesSource.of_file(config.path, text, _section_lines(config.lines))
    return parse_settings(
        config.section("routing"),
        source=source,
        strategies=strategies,
        default_currency=config.get("defaults.currency", "EUR"),
    )


def read_candidate(
    path: str | Path, config: Config, strategies: Collection[str]
) -> RoutingSettings:
    """The settings of a candidate rule file: its ``[routing]`` over the config's own.

    Keys the candidate sets replace the config's (its ``rules`` replace all
    the rules); the guardrails always come from the config.
    """
    from opsctl.config import key_lines, tomllib

    text = _read_text(path)
    if text is None:
        raise ConfigError("candidate rule file not found", path=str(path))
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        raise ConfigError(
            f"invalid TOML: {exc}", path=str(path), line=int(match.group(1)) if match else None
        ) from None
    candidate = parsed.get("routing")
    if not isinstance(candidate, dict):
        raise ConfigError("expected a [routing] table with the candidate rules", path=str(path))
    merged = {**config.section("routing"), **candidate}
    merged.pop("guardrails", None)
    source = RulesSource.of_file(path, text, _section_lines(key_lines(text)))
    return parse_settings(
        merged,
        source=source,
        strategies=strategies,
        default_currency=config.get("defaults.currency", "EUR"),
        guardrails_from=config.section("routing").get("guardrails", {}),
    )


def _section_lines(lines: Mapping[str, int]) -> dict[str, int]:
    return {
        key: line for key, line in lines.items() if key == "routing" or key.startswith("routing.")
    }


def _read_text(path: str | Path | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
