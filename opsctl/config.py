"""Finding, reading and validating ``opsctl.toml``.

The config file is found by, in order: ``--config PATH``; the ``OPSCTL_CONFIG``
environment variable; ``opsctl.toml`` in the current directory or the nearest
parent; ``opsctl.toml`` in the user config directory (``~/.config/opsctl`` on
Linux). Without one, built-in defaults apply.

Secrets never appear in the file: a value such as ``"${DHL_API_KEY}"`` is a
reference to an environment variable, resolved only when a plugin uses it
(:meth:`Config.resolve`), and shown as the reference, never the value.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsctl.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_NAME = "opsctl.toml"
OUTPUT_FORMATS = ("table", "json", "ndjson", "csv", "markdown")
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_KEY = re.compile(r"(key|token|secret|password|passwd|credential)s?$", re.IGNORECASE)

#: Built-in defaults, shown by ``opsctl config show`` with the source "default".
DEFAULTS: dict[str, dict[str, Any]] = {
    "defaults": {
        "timezone": "UTC",
        "currency": "EUR",
        "format": "table",
        "on_bad_rows": "error",
    },
    "lock": {"enabled": False},
}


# -- validators -------------------------------------------------------------------
# A validator returns None when the value is fine, else what was expected.

Validator = Callable[[Any], "str | None"]


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _one_of(*choices: str) -> Validator:
    def check(value: Any) -> str | None:
        return None if value in choices else "one of " + ", ".join(choices)

    return check


def _timezone(value: Any) -> str | None:
    if not isinstance(value, str):
        return "an IANA timezone name such as 'Europe/London'"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "an IANA timezone name such as 'Europe/London'"
    return None


def _currency(value: Any) -> str | None:
    ok = isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()
    return None if ok else "an ISO 4217 currency code such as 'EUR'"


def _table(value: Any) -> str | None:
    return None if isinstance(value, dict) else "a table"


#: Known sections and the keys each may hold. ``None`` as the key map means
#: "any keys" (checked by the validator of the values instead).
SECTIONS: dict[str, dict[str, Validator] | None] = {
    "defaults": {
        "timezone": _timezone,
        "currency": _currency,
        "format": _one_of(*OUTPUT_FORMATS),
        "on_bad_rows": _one_of("error", "skip"),
    },
    "state": {"path": _string},
    "lock": {"enabled": _boolean, "dir": _string},
    "data": None,  # entity name -> file path
    "plugins": None,  # plugin name -> that plugin's own table
}
#: How the values of a free-form section are checked.
SECTION_VALUES: dict[str, Validator] = {"data": _string, "plugins": _table}


#: Capability sections, declared by a ``settings`` module imported only when the
#: section is present (so that ``opsctl --help`` never imports a capability).
SECTION_MODULES: dict[str, str] = {
    "checkout": "opsctl.checkout.settings",
    "kpi": "opsctl.kpi.settings",
    "notify": "opsctl.sla.settings",
    "routing": "opsctl.routing.settings",
    "sla": "opsctl.sla.settings",
    "track": "opsctl.sync.settings",
}


def register_section(name: str, keys: dict[str, Validator] | None, values: Validator | None = None):
    """Let a capability's ``settings`` module declare its ``[section]`` of the config.

    The module must also be named in :data:`SECTION_MODULES`.
    """
    SECTIONS[name] = keys
    if values is not None:
        SECTION_VALUES[name] = values


# -- locating keys in the file ---------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)


def _split_dotted(text: str) -> list[str]:
    found = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', text)
    return [double or single or bare for double, single, bare in found]


def key_lines(text: str) -> dict[str, int]:
    """Map each dotted key (and table) of a TOML document to its line number.

    Good enough for error messages: keys inside multi-line arrays or inline
    tables are attributed to the line of the key that holds them.
    """
    lines: dict[str, int] = {}
    table: list[str] = []
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header.group(1))
            lines.setdefault(".".join(table), number)
            continue
        key = _KEY.match(line)
        if key:
            dotted = ".".join([*table, *_split_dotted(key.group(1))])
            lines.setdefault(dotted, number)
            rest = line[key.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
    return lines


# -- the config object -----------------------------------------------------------


@dataclass
class Config:
    """The effective configuration: built-in defaults overlaid by one file."""

    values: dict[str, Any]
    path: Path | None = None
    lines: dict[str, int] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @property
    def base_dir(self) -> Path:
        """Relative paths in the config are relative to the config file's folder."""
        return self.path.parent if self.path else Path.cwd()

    def get(self, dotted: str, default: Any = None) -> Any:
        """The value at a dotted key such as ``"defaults.timezone"``, or ``default``."""
        node: Any = self.values
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def section(self, name: str) -> dict[str, Any]:
        value = self.values.get(name, {})
        return value if isinstance(value, dict) else {}

    def plugin_settings(self, plugin: str) -> dict[str, Any]:
        """The ``[plugins.<plugin>]`` table (secrets unresolved: see :meth:`resolve`)."""
        return dict(self.section("plugins").get(plugin, {}))

    def source(self, dotted: str) -> str:
        """Where a value comes from: ``FILE:LINE`` or ``default``."""
        if dotted in self.lines and self.path:
            return f"{self.path}:{self.lines[dotted]}"
        return "default"

    def error(self, dotted: str, message: str) -> ConfigError:
        """A :class:`ConfigError` pointing at the file and line of ``dotted``."""
        path = str(self.path) if self.path else None
        return ConfigError(message, path=path, line=self.lines.get(dotted), key=dotted)

    def resolve(self, dotted: str, value: Any = None) -> Any:
        """The value of ``dotted`` with ``${ENV_VAR}`` references replaced.

        An unset variable is a config error naming the key and the variable
        (never a value). Call this at the moment a secret is needed.
        """
        value = self.get(dotted) if value is None else value
        if not isinstance(value, str):
            return value

        def substitute(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable not in self.environ:
                raise self.error(dotted, f"environment variable {variable} is not set")
            return self.environ[variable]

        return ENV_REFERENCE.sub(substitute, value)

    def path_for(self, dotted: str, default: str | None = None) -> Path | None:
        """A path value of the config, made absolute against :attr:`base_dir`."""
        value = self.get(dotted, default)
        if value is None:
            return None
        return (self.base_dir / Path(os.path.expanduser(str(value)))).resolve()

    def flat(self) -> Iterator[tuple[str, Any]]:
        """Every leaf value as ``(dotted key, value)``, in file order."""

        def walk(prefix: str, node: Any) -> Iterator[tuple[str, Any]]:
            if isinstance(node, dict):
                for key, value in node.items():
                    yield from walk(f"{prefix}.{key}" if prefix else key, value)
            else:
                yield prefix, node

        yield from walk("", self.values)

    def redacted(self, dotted: str, value: Any) -> Any:
        """What ``config show`` prints: references as written, literal secrets hidden."""
        if isinstance(value, str) and SECRET_KEY.search(dotted.rsplit(".", 1)[-1]):
            return value if ENV_REFERENCE.fullmatch(value) else "***"
        return value

    def validate(self) -> list[ConfigError]:
        """Every problem of the configuration (empty when it is valid)."""
        problems: list[ConfigError] = []
        for section, body in self.values.items():
            if section not in SECTIONS and section in SECTION_MODULES:
                import importlib

                importlib.import_module(SECTION_MODULES[section])
            if section not in SECTIONS:
                expected = ", ".join(f"[{s}]" for s in sorted(SECTIONS))
                problems.append(self.error(section, f"unknown section; expected one of {expected}"))
                continue
            if not isinstance(body, dict):
                problems.append(self.error(section, "expected a table ([section])"))
                continue
            keys = SECTIONS[section]
            for key, value in body.items():
                dotted = f"{section}.{key}"
                if keys is None:
                    check = SECTION_VALUES.get(section)
                elif key not in keys:
                    expected = ", ".join(sorted(keys))
                    problems.append(self.error(dotted, f"unknown key; expected one of {expected}"))
                    continue
                else:
                    check = keys[key]
                expected = check(value) if check else None
                if expected:
                    problems.append(self.error(dotted, f"{value!r} is not {expected}"))
        for dotted, value in self.flat():
            leaf = dotted.rsplit(".", 1)[-1]
            if (
                isinstance(value, str)
                and SECRET_KEY.search(leaf)
                and not ENV_REFERENCE.fullmatch(value)
            ):
                problems.append(
                    self.error(
                        dotted,
                        'secrets must be environment references such as "${MY_API_KEY}", '
                        "not literal values",
                    )
                )
        return problems

    def check(self) -> Config:
        """Raise the first validation problem, if any."""
        problems = self.validate()
        if problems:
            raise problems[0]
        return self


# -- loading ------------------------------------------------------------------------


def user_config_dir() -> Path:
    from platformdirs import user_config_dir as platform_config_dir

    return Path(platform_config_dir("opsctl", appauthor=False))


def find_config(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Path | None:
    """The config file to use, following the documented search order."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError("config file not found", path=str(path))
        return path
    if environ.get("OPSCTL_CONFIG"):
        path = Path(environ["OPSCTL_CONFIG"])
        if not path.is_file():
            raise ConfigError("config file named by OPSCTL_CONFIG not found", path=str(path))
        return path
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    candidate = user_config_dir() / CONFIG_NAME
    return candidate if candidate.is_file() else None


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Find and parse the config file; a TOML syntax error names file, line and column."""
    environ = os.environ if environ is None else environ
    path = find_config(explicit, environ)
    if path is None:
        return Config(values=_merge({}, DEFAULTS), environ=environ)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(match.group(1)) if match else None
        column = f", column {match.group(2)}" if match else ""
        raise ConfigError(f"invalid TOML{column}: {reason}", path=str(path), line=line) from None
    return Config(
        values=_merge(DEFAULTS, parsed), path=path, lines=key_lines(text), environ=environ
    )
