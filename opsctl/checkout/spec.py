"""Reading a checkout spec: its own TOML file, or ``[checkout]`` in ``opsctl.toml``.

The spec declares what the checkout does, section by section (the format of
``fixtures/checkout/spec.toml``, documented in ``docs/checkout.md``)::

    shop = "Fellside Outfitters"
    [account]          guest_checkout, account_required, guest_prominence, ...
    [costs]            shipping_cost_first_shown, total_first_shown,
                       free_shipping_threshold, free_shipping_message, ...
    [delivery_estimate] first_shown, ...      [[delivery_options]] estimate, ...
    [payment]          methods, card_brands, wallets
    [returns]          policy_url, link_steps      [trust] signals
    [help]             live_chat, phone            [emails] order_confirmation, ...
    [form]             inline_errors               [stock] sold_out
    [[steps]]          id, title, kind, page, fields = [{name, type, required, ...}]

It becomes :class:`~opsctl.checkout.facts.CheckoutFacts` whose evidence
points at the key and line that declared each fact. A wrong value is a
:class:`~opsctl.errors.ConfigError` naming file, line and key; a key opsctl
does not use becomes a note in the report.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsctl.checkout.facts import (
    GUEST_CHECKOUT,
    PAYMENT_METHODS,
    SOLD_OUT_POLICIES,
    STAGES,
    STEP_KINDS,
    CheckoutFacts,
    Evidence,
    Fact,
    FormField,
    Step,
    stage_of,
)
from opsctl.checkout.fields import field_purpose
from opsctl.checkout.patterns import CART_PAGE, CONFIRMATION_PAGE, COUPON
from opsctl.checkout.settings import LISTS, SECTIONS, TOP_KEYS
from opsctl.config import key_lines
from opsctl.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

STEP_KEYS = ("id", "title", "kind", "page", "fields")
FIELD_KEYS = (
    "name",
    "label",
    "type",
    "required",
    "autocomplete",
    "inputmode",
    "optional_marked",
    "prechecked",
)


@dataclass
class CheckoutSpec:
    """A parsed spec: its facts, the pages it names and the file it came from."""

    source: Path
    name: str | None
    facts: CheckoutFacts
    #: Page files named by the spec (``pages``, or each step's ``page``), resolved.
    pages: list[Path] = field(default_factory=list)


class _Locator:
    """Lines of the keys, steps and fields of a spec, for error messages and evidence."""

    _STEP = re.compile(r"^\s*\[\[\s*(?:checkout\s*\.\s*)?steps\s*\]\]")
    _FIELD_TABLE = re.compile(r"^\s*\[\[\s*(?:checkout\s*\.\s*)?steps\s*\.\s*fields\s*\]\]")
    _FIELDS_ARRAY = re.compile(r"^\s*fields\s*=")

    def __init__(self, text: str, prefix: str):
        self.prefix = prefix
        self.keys = key_lines(text)
        self.steps: list[int] = []
        self.fields: list[list[int]] = []
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            code = line.split("#", 1)[0]
            if self._FIELD_TABLE.match(code) and self.fields:
                self.fields[-1].append(number)
                continue
            if self._STEP.match(code):
                self.steps.append(number)
                self.fields.append([])
                continue
            if self._FIELDS_ARRAY.match(code) and self.fields:
                code = code.split("=", 1)[1]
                depth = 0
            elif depth <= 0:
                continue
            for char in code:
                if char == "[":
                    depth += 1
                elif char == "]":
                    depth -= 1
                elif char == "{" and depth == 1:
                    self.fields[-1].append(number)

    def key(self, key: str) -> int | None:
        return self.keys.get(self.prefix + key)

    def step(self, index: int) -> int | None:
        return self.steps[index] if index < len(self.steps) else self.key("steps")

    def field(self, step: int, index: int) -> int | None:
        lines = self.fields[step] if step < len(self.fields) else []
        return lines[index] if index < len(lines) else self.step(step)


def _kind_of(step: Mapping[str, Any]) -> str:
    """A step's kind: declared, else ``cart`` or ``confirmation`` by its id and title."""
    if "kind" in step:
        return step["kind"]
    words = f"{step.get('id', '')} {step.get('title', '')}"
    if CONFIRMATION_PAGE.search(words) or re.search(r"\b(done|complete|success)\b", words):
        return "confirmation"
    return "cart" if CART_PAGE.search(words) else "checkout"


class _Reader:
    """Turns the spec document into facts, raising a located error for a wrong value."""

    def __init__(self, table: Mapping[str, Any], path: Path, locator: _Locator):
        self.table, self.path, self.locator = table, path, locator
        self.notes: list[str] = []
        self.step_list: tuple[Step, ...] = ()

    # -- access -------------------------------------------------------------------------

    def error(self, key: str, message: str, line: int | None = None) -> ConfigError:
        line = line if line is not None else self.locator.key(key)
        return ConfigError(message, path=str(self.path), line=line, key=self.locator.prefix + key)

    def evidence(self, key: str, snippet: Any = None, line: int | None = None) -> Evidence:
        line = line if line is not None else self.locator.key(key)
        if isinstance(snippet, bool):
            snippet = str(snippet).lower()
        elif isinstance(snippet, list):
            snippet = ", ".join(str(item) for item in snippet)
        shown = "" if snippet is None else str(snippet)
        return Evidence(str(self.path), line, self.locator.prefix + key, shown[:120])

    def value(self, key: str, kinds: tuple[type, ...], expected: str) -> Any:
        """The value at a dotted key (``costs.total_first_shown``), checked, or None."""
        node: Any = self.table
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        if not isinstance(node, kinds) or (isinstance(node, bool) and bool not in kinds):
            raise self.error(key, f"{node!r} is not {expected}")
        return node

    def flag(self, key: str) -> bool | None:
        return self.value(key, (bool,), "true or false")

    def names(self, key: str) -> list[str] | None:
        found = self.value(key, (list,), "a list of names")
        if found is not None and not all(isinstance(item, str) for item in found):
            raise self.error(key, f"{found!r} is not a list of names")
        return found

    def check_layout(self) -> None:
        for key, value in self.table.items():
            if key in SECTIONS:
                if not isinstance(value, dict):
                    raise self.error(key, f"expected a table ([{key}])")
                unused = sorted(set(value) - set(SECTIONS[key]))
                self.notes += [f"spec key {key}.{name} is not used by opsctl" for name in unused]
            elif key in LISTS:
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    raise self.error(key, f"expected a list of tables ([[{key}]])")
            elif key not in TOP_KEYS:
                known = ", ".join([*TOP_KEYS, *SECTIONS, *LISTS])
                raise self.error(key, f"unknown key; expected one of {known}")

    # -- steps and fields ------------------------------------------------------------------

    def steps(self) -> tuple[Fact[tuple[Step, ...]] | None, Fact[tuple[FormField, ...]] | None]:
        raw = self.table.get("steps")
        if raw is None:
            return None, None
        steps: list[Step] = []
        fields: list[FormField] = []
        inline = self.flag("form.inline_errors") is True
        for index, step in enumerate(raw):
            line = self.locator.step(index)
            unknown = sorted(set(step) - set(STEP_KEYS))
            if unknown:
                expected = ", ".join(STEP_KEYS)
                raise self.error(
                    "steps",
                    f"step {index + 1}: unknown key {unknown[0]!r}; expected {expected}",
                    line,
                )
            name = step.get("id")
            if not isinstance(name, str) or not name:
                raise self.error("steps", f"step {index + 1} has no id", line)
            kind = _kind_of(step)
            if kind not in STEP_KINDS:
                raise self.error(
                    "steps",
                    f"step {name!r}: kind {kind!r} is not one of {', '.join(STEP_KINDS)}",
                    line,
                )
            steps.append(Step(name, kind))
            entries = step.get("fields", [])
            if not isinstance(entries, list):
                raise self.error("steps", f"step {name!r}: fields must be a list of tables", line)
            for position, entry in enumerate(entries):
                form_field = self.form_field(
                    entry, name, self.locator.field(index, position), inline
                )
                if form_field is not None and kind == "checkout":
                    fields.append(form_field)
        self.step_list = tuple(steps)
        evidence = tuple(
            self.evidence("steps", f"{s.name} ({s.kind})", self.locator.step(i))
            for i, s in enumerate(steps)
        )
        has_fields = any("fields" in step for step in raw)
        field_fact = Fact(tuple(fields), tuple(f.evidence for f in fields)) if has_fields else None
        return Fact(tuple(steps), evidence), field_fact

    def form_field(self, entry: Any, step: str, line: int | None, inline: bool) -> FormField | None:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise self.error("steps", f"step {step!r}: a field needs a name", line)
        name = entry["name"]
        unknown = sorted(set(entry) - set(FIELD_KEYS))
        if unknown:
            raise self.error(
                "steps",
                f"field {name!r}: unknown key {unknown[0]!r}; "
                f"expected one of {', '.join(FIELD_KEYS)}",
                line,
            )
        for key in ("required", "optional_marked", "prechecked"):
            if key in entry and not isinstance(entry[key], bool):
                raise self.error("steps", f"field {name!r}: {key} must be true or false", line)
        input_type = str(entry.get("type", "text")).lower()
        label = str(entry.get("label", name))
        if input_type == "hidden" or COUPON.search(name):
            return None
        autocomplete = entry.get("autocomplete")
        return FormField(
            name=name,
            label=label,
            type=input_type,
            required=entry.get("required", True),
            step=step,
            evidence=self.evidence("steps", f"{step}: {name}", line),
            autocomplete=autocomplete,
            inputmode=entry.get("inputmode"),
            purpose=field_purpose(
                autocomplete=autocomplete, hints=f"{name} {label}", input_type=input_type
            ),
            marked_optional=entry.get("optional_marked", "optional" in label.lower()),
            inline_error=inline,
        )

    # -- the facts -----------------------------------------------------------------------

    def stage(self, key: str) -> Fact[str] | None:
        """When something first appears: a step id, or one of :data:`STAGES`."""
        value = self.value(key, (str,), "a step id or one of " + ", ".join(STAGES))
        if value is None:
            return None
        evidence = (self.evidence(key, value),)
        if value in STAGES:
            return Fact(value, evidence)
        names = [step.name for step in self.step_list]
        if value not in names:
            expected = ", ".join([*names, *STAGES])
            raise self.error(key, f"{value!r} is not a step id; expected one of {expected}")
        return Fact(stage_of(value, self.step_list), evidence)

    def account(self) -> tuple[Fact[bool] | None, Fact[str] | None]:
        required = self.flag("account.account_required")
        guest = self.flag("account.guest_checkout")
        prominence = self.value("account.guest_prominence", (str,), "a string")
        if prominence is not None and prominence not in GUEST_CHECKOUT:
            raise self.error(
                "account.guest_prominence",
                f"{prominence!r} is not one of {', '.join(GUEST_CHECKOUT)}",
            )
        if required is None and guest is not None:
            required = not guest
        required_fact = None
        if required is not None:
            key = (
                "account.account_required"
                if "account_required" in self.table.get("account", {})
                else "account.guest_checkout"
            )
            required_fact = Fact(required, (self.evidence(key, required),))
        if prominence is not None:
            return required_fact, Fact(
                prominence, (self.evidence("account.guest_prominence", prominence),)
            )
        if required is None:
            return None, None
        value = "none" if required else "default"
        return required_fact, Fact(value, required_fact.evidence if required_fact else ())

    def delivery_estimate(self) -> Fact[bool] | None:
        first = self.stage("delivery_estimate.first_shown")
        if first is not None:
            return Fact(first.value != "never", first.evidence)
        options = self.table.get("delivery_options") or []
        estimates = [o for o in options if o.get("estimate")]
        if options:
            evidence = tuple(
                self.evidence(
                    "delivery_options", f"{o.get('label', o.get('id'))}: {o.get('estimate')}"
                )
                for o in estimates[:3]
            ) or (self.evidence("delivery_options", "no estimate"),)
            return Fact(bool(estimates), evidence)
        return None

    def free_shipping(self) -> tuple[Fact[bool] | None, Fact[bool] | None]:
        threshold = self.value(
            "costs.free_shipping_threshold", (str, int, float, bool), "an amount or false"
        )
        threshold_fact = None
        if threshold is not None:
            has = threshold is not False and str(threshold).lower() not in ("", "none", "0")
            threshold_fact = Fact(has, (self.evidence("costs.free_shipping_threshold", threshold),))
        message = self.value("costs.free_shipping_message", (str, bool), "a message or false")
        steps = self.names("costs.free_shipping_message_steps")
        message_fact = None
        if message is not None or steps is not None:
            shown = bool(message) and (
                steps is None or any(stage_of(s, self.step_list) != "never" for s in steps)
            )
            key = (
                "costs.free_shipping_message"
                if message is not None
                else "costs.free_shipping_message_steps"
            )
            message_fact = Fact(
                shown, (self.evidence(key, message if message is not None else steps),)
            )
        return threshold_fact, message_fact

    def payment_methods(self) -> Fact[frozenset[str]] | None:
        methods: list[str] = []
        evidence: list[Evidence] = []
        for key in ("payment.methods", "payment.card_brands", "payment.wallets"):
            found = self.names(key)
            if found is None:
                continue
            for method in found:
                if method not in PAYMENT_METHODS:
                    raise self.error(
                        key,
                        f"unknown payment method {method!r}; known: {', '.join(PAYMENT_METHODS)}",
                    )
            methods += found
            evidence.append(self.evidence(key, ", ".join(found)))
        return Fact(frozenset(methods), tuple(evidence)) if evidence else None

    def return_policy(self) -> Fact[bool] | None:
        url = self.value("returns.policy_url", (str,), "a URL or path")
        steps = self.names("returns.link_steps")
        if url is None and steps is None:
            return None
        visible = bool(url) and (
            steps is None or any(stage_of(s, self.step_list) != "never" for s in steps)
        )
        key = "returns.link_steps" if steps is not None else "returns.policy_url"
        return Fact(visible, (self.evidence(key, steps if steps is not None else url),))

    def trust(self) -> Fact[tuple[str, ...]] | None:
        signals = self.names("trust.signals")
        if signals is None:
            return None
        return Fact(tuple(signals), (self.evidence("trust.signals", ", ".join(signals)),))

    def live_help(self) -> Fact[tuple[str, ...]] | None:
        chat = self.flag("help.live_chat")
        phone = self.value("help.phone", (str, bool), "a phone number or false")
        if chat is None and phone is None:
            return None
        channels = tuple(name for name, on in (("chat", chat), ("phone", phone)) if on)
        evidence = [self.evidence("help.live_chat", chat)] if chat is not None else []
        if phone is not None:
            evidence.append(self.evidence("help.phone", phone))
        return Fact(channels, tuple(evidence))

    def emails(self) -> tuple[Fact[bool] | None, Fact[bool] | None]:
        confirmation = self.flag("emails.order_confirmation")
        tracking_key = "emails.tracking_link"
        tracking = self.flag(tracking_key)
        if tracking is None:
            tracking_key = "emails.shipping_confirmation"
            tracking = self.flag(tracking_key)
        return (
            None
            if confirmation is None
            else Fact(confirmation, (self.evidence("emails.order_confirmation", confirmation),)),
            None if tracking is None else Fact(tracking, (self.evidence(tracking_key, tracking),)),
        )

    def add_ons(self) -> Fact[tuple[str, ...]] | None:
        """Paid add-ons selected for the shopper in advance (``[[costs.add_ons]]``)."""
        entries = self.value("costs.add_ons", (list,), "a list of tables ([[costs.add_ons]])")
        if entries is None:
            return None
        preselected = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise self.error("costs.add_ons", f"{entry!r} is not a table")
            price = str(entry.get("price", "0")).strip()
            if entry.get("preselected") is True and price not in ("", "0", "0.0", "0.00"):
                preselected.append(str(entry.get("label") or entry.get("name") or "add-on"))
        shown = ", ".join(preselected) or "none preselected"
        return Fact(tuple(preselected), (self.evidence("costs.add_ons", shown),))

    def sold_out(self) -> Fact[str] | None:
        policy = self.value("stock.sold_out", (str,), "a policy")
        if policy is None:
            return None
        if policy not in SOLD_OUT_POLICIES:
            raise self.error(
                "stock.sold_out", f"{policy!r} is not one of {', '.join(SOLD_OUT_POLICIES)}"
            )
        return Fact(policy, (self.evidence("stock.sold_out", policy),))

    def facts(self) -> CheckoutFacts:
        self.check_layout()
        steps, fields = self.steps()
        account_required, guest = self.account()
        confirmation, tracking = self.emails()
        threshold, message = self.free_shipping()
        inline = self.flag("form.inline_errors")
        return CheckoutFacts(
            steps=steps,
            fields=fields,
            account_required=account_required,
            guest_checkout=guest,
            shipping_cost_stage=self.stage("costs.shipping_cost_first_shown"),
            total_stage=self.stage("costs.total_first_shown"),
            delivery_estimate=self.delivery_estimate(),
            free_shipping_threshold=threshold,
            free_shipping_message=message,
            payment_methods=self.payment_methods(),
            return_policy=self.return_policy(),
            trust_signals=self.trust(),
            live_help=self.live_help(),
            inline_errors=None
            if inline is None
            else Fact(inline, (self.evidence("form.inline_errors", inline),)),
            confirmation_email=confirmation,
            tracking_email=tracking,
            sold_out_policy=self.sold_out(),
            preselected_add_ons=self.add_ons(),
            notes=tuple(self.notes),
        )

    def pages(self) -> list[Path]:
        base = self.path.parent
        named = self.names("pages") or []
        pages = [base / page for page in named]
        for step in self.table.get("steps") or []:
            if isinstance(step.get("page"), str):
                pages.append(base / step["page"])
        return list(dict.fromkeys(pages))


def parse_spec(text: str, path: str | Path) -> CheckoutSpec:
    """Parse spec text: a ``[checkout]`` table (as in ``opsctl.toml``), or a whole file."""
    path = Path(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(match.group(1)) if match else None
        raise ConfigError(f"invalid TOML: {reason}", path=str(path), line=line) from None
    if isinstance(document.get("checkout"), dict):
        table, prefix = document["checkout"], "checkout."
    else:
        table, prefix = document, ""
    reader = _Reader(table, path, _Locator(text, prefix))
    facts = reader.facts()
    name = reader.value("shop", (str,), "a string")
    return CheckoutSpec(source=path, name=name, facts=facts, pages=reader.pages())


def load_spec(path: str | Path) -> CheckoutSpec:
    """Read and parse the spec file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("checkout spec not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the checkout spec: {exc}", path=str(path)) from None
    return parse_spec(text, path)
