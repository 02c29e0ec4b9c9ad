"""Loading plugins from the ``opsctl`` entry-point group and collecting what they register.

First-party plugins (under ``plugins/``) and third-party ones load the same way:
through :func:`importlib.metadata.entry_points`. A plugin that fails to import,
implements a hook opsctl does not define, or raises inside a hook is reported
on stderr and skipped, so the rest of opsctl keeps working;
``OPSCTL_STRICT_PLUGINS=1`` makes such problems fatal.

Environment:

``OPSCTL_LOAD_PLUGINS=a,b``
    load only these plugins (set but empty: load none);
``OPSCTL_DISABLE_PLUGINS=a,b``
    never load these;
``OPSCTL_STRICT_PLUGINS=1``
    a broken plugin is an error (exit code 2) instead of a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from opsctl import hookspecs
from opsctl.errors import PluginError, UsageError

log = logging.getLogger("opsctl.plugins")

ENTRY_POINT_GROUP = "opsctl"

#: Hooks that take a ``register`` callback, and the kind of thing each registers.
REGISTER_HOOKS: dict[str, str] = {
    "register_carriers": "carriers",
    "register_marketplaces": "marketplaces",
    "register_review_sources": "review_sources",
    "register_notifiers": "notifiers",
    "register_checkout_audits": "checkout_audits",
    "register_kpis": "kpis",
    "register_routing_strategies": "routing_strategies",
}

#: The hook of each kind.
HOOK_OF_KIND: dict[str, str] = {kind: hook for hook, kind in REGISTER_HOOKS.items()}
#: What each kind is called in messages ("two plugins register the carrier 'dhl'").
KIND_NOUNS: dict[str, str] = {
    "carriers": "carrier",
    "marketplaces": "marketplace",
    "review_sources": "review source",
    "notifiers": "notifier",
    "checkout_audits": "checkout audit",
    "kpis": "KPI",
    "routing_strategies": "routing strategy",
    "commands": "command",
}


@dataclass(frozen=True)
class Registration:
    """One thing a plugin registered, and which plugin registered it."""

    kind: str
    name: str
    obj: Any
    plugin: str


@dataclass
class PluginInfo:
    """What ``opsctl plugins`` shows about one loaded plugin."""

    name: str
    version: str | None
    module: str
    hooks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that was skipped, and why."""

    plugin: str
    reason: str


def _env_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


class Registry:
    """Everything plugins registered, by kind and name, with provenance.

    With ``collect``, each kind of :data:`REGISTER_HOOKS` is collected the first
    time it is asked for (``collect(kind)`` calls its hook), so a command imports
    only what the plugins register for the kinds it uses: ``opsctl route`` never
    loads a carrier's or a checkout audit's module.
    """

    def __init__(self, collect: Callable[[Registry, str], None] | None = None) -> None:
        self._by_kind: dict[str, dict[str, Registration]] = {}
        self._collect = collect
        self._pending = set(REGISTER_HOOKS.values()) if collect is not None else set()

    def _entries(self, kind: str) -> dict[str, Registration]:
        """The registrations of ``kind``, by name, collected first if they are not yet."""
        if kind in self._pending:
            try:
                self._collect(self, kind)  # type: ignore[misc]
            except BaseException:
                self._by_kind.pop(kind, None)  # a clash: the next use meets it again
                raise
            self._pending.discard(kind)
        return self._by_kind.get(kind, {})

    def add(self, kind: str, name: str, obj: Any, plugin: str) -> None:
        """Record ``obj`` as ``kind``/``name``; a name already taken is a :class:`PluginError`."""
        if not isinstance(name, str) or not name:
            raise PluginError(
                f"plugin {plugin!r} registered a {KIND_NOUNS.get(kind, kind)} without a name "
                f"(give the object a 'name' attribute or call register(obj, name=...))"
            )
        entries = self._by_kind.setdefault(kind, {})
        if name in entries:
            first = entries[name].plugin
            raise PluginError(
                f"{KIND_NOUNS.get(kind, kind)} {name!r} is registered by both plugin "
                f"{first!r} and plugin {plugin!r}; disable one with "
                f"OPSCTL_DISABLE_PLUGINS={plugin}"
            )
        entries[name] = Registration(kind, name, obj, plugin)

    def get(self, kind: str, name: str) -> Any:
        """The object registered as ``kind``/``name``; an unknown name is a usage error."""
        entries = self._entries(kind)
        if name not in entries:
            known = ", ".join(sorted(entries)) or "none"
            raise UsageError(f"unknown {KIND_NOUNS.get(kind, kind)} {name!r} (known: {known})")
        return entries[name].obj

    def registrations(self, kind: str) -> list[Registration]:
        """All registrations of one kind, sorted by name."""
        return sorted(self._entries(kind).values(), key=lambda r: r.name)

    def names(self, kind: str) -> list[str]:
        return [r.name for r in self.registrations(kind)]

    def by_plugin(self, plugin: str) -> dict[str, list[str]]:
        """What one plugin registered: kind -> sorted names."""
        found: dict[str, list[str]] = {}
        for kind in dict.fromkeys([*REGISTER_HOOKS.values(), *self._by_kind]):
            entries = self._entries(kind)
            names = sorted(n for n, r in entries.items() if r.plugin == plugin)
            if names:
                found[kind] = names
        return found


class PluginHost:
    """Loads plugins and builds the :class:`Registry` of what they provide.

    ``extra_plugins`` are ``(name, object)`` pairs registered as if they came
    from an entry point: the pytest fixtures use them to run opsctl with a
    plugin under test that is not installed.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        extra_plugins: Iterable[tuple[str, object]] = (),
        discover: bool = True,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        self.pm = pluggy.PluginManager("opsctl")
        self.pm.add_hookspecs(hookspecs)
        self.problems: list[PluginProblem] = []
        self.plugins: dict[str, PluginInfo] = {}
        self.strict = self.environ.get("OPSCTL_STRICT_PLUGINS", "") not in ("", "0", "false")
        self._only = _env_list(self.environ.get("OPSCTL_LOAD_PLUGINS"))
        self._blocked = set(_env_list(self.environ.get("OPSCTL_DISABLE_PLUGINS")) or [])
        self._registry: Registry | None = None
        self._commands: dict[str, Registration] | None = None
        if discover:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if self._wanted(ep.name):
                    self._load_entry_point(ep)
        for name, plugin in extra_plugins:  # given explicitly: only the blocklist applies
            if name not in self._blocked:
                self._register(name, plugin, version=None)

    # -- loading -------------------------------------------------------------

    def _wanted(self, name: str) -> bool:
        if name in self._blocked:
            return False
        return self._only is None or name in self._only

    def _load_entry_point(self, ep: EntryPoint) -> None:
        if ep.name in self.plugins:
            dist_name = ep.dist.name if ep.dist else "?"
            self._problem(ep.name, f"a second plugin of this name (in {dist_name}) was ignored")
            return
        try:
            plugin = ep.load()
        except Exception as exc:  # a plugin's import can fail in any way
            self._problem(ep.name, f"failed to import {ep.value!r}: {type(exc).__name__}: {exc}")
            return
        self._register(ep.name, plugin, version=ep.dist.version if ep.dist else None)

    def _register(self, name: str, plugin: object, version: str | None) -> None:
        unknown = [
            attr
            for attr in dir(plugin)
            if self.pm.parse_hookimpl_opts(plugin, attr) is not None
            and not hasattr(self.pm.hook, attr)
        ]
        if unknown:
            self._problem(name, f"implements unknown hook(s): {', '.join(sorted(unknown))}")
            return
        try:
            self.pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            self._problem(name, str(exc))
            return
        hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
        module = getattr(plugin, "__name__", type(plugin).__name__)
        self.plugins[name] = PluginInfo(name=name, version=version, module=module, hooks=hooks)

    def _problem(self, plugin: str, reason: str) -> None:
        problem = PluginProblem(plugin, reason)
        if self.strict:
            raise PluginError(f"plugin {plugin!r}: {reason}")
        self.problems.append(problem)
        log.warning("plugin %r skipped: %s", plugin, reason)

    # -- what plugins provide ----------------------------------------------------

    def _call_each(self, hook_name: str, **kwargs: Callable[..., Any]) -> None:
        """Call one hook plugin by plugin, so each registration knows its plugin.

        A plugin whose hook raises is reported and skipped (fatal when strict);
        a :class:`PluginError` (a clash) always propagates.
        """
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():  # in registration order
            plugin = impl.plugin_name
            if plugin in {p.plugin for p in self.problems}:
                continue
            args = {name: kwargs[name](plugin) for name in impl.argnames}
            try:
                impl.function(**args)
            except PluginError:
                raise
            except Exception as exc:
                self._problem(plugin, f"hook {hook_name} failed: {type(exc).__name__}: {exc}")

    @property
    def registry(self) -> Registry:
        """Carriers, marketplaces, review sources, notifiers... each kind collected on its
        first use (see :class:`Registry`)."""
        if self._registry is None:
            self._registry = Registry(collect=self._collect)
        return self._registry

    def _collect(self, registry: Registry, kind: str) -> None:
        """Call the hook of ``kind`` of every plugin, adding what each registers."""
        hook_name = HOOK_OF_KIND[kind]

        def make_register(plugin: str) -> Callable[..., None]:
            def register(obj: Any, name: str | None = None) -> None:
                registry.add(kind, name or getattr(obj, "name", None), obj, plugin)

            return register

        self._call_each(hook_name, register=make_register)

    def commands(self, builtin_names: Iterable[str]) -> dict[str, Registration]:
        """Commands added by plugins, checked against built-ins and each other."""
        if self._commands is None:
            import click

            builtins = set(builtin_names)
            commands: dict[str, Registration] = {}
            groups: dict[str, click.Group] = {}

            def make_group(plugin: str) -> click.Group:
                groups[plugin] = click.Group(name=plugin)
                return groups[plugin]

            caller = self.pm.hook.register_commands
            for impl in caller.get_hookimpls():
                plugin = impl.plugin_name
                group = make_group(plugin)
                try:
                    impl.function(**({"cli": group} if "cli" in impl.argnames else {}))
                except Exception as exc:
                    self._problem(plugin, f"hook register_commands failed: {exc}")
                    continue
                for name, command in group.commands.items():
                    if name in builtins:
                        raise PluginError(
                            f"command {name!r} of plugin {plugin!r} clashes with the built-in "
                            f"command {name!r} of opsctl; disable the plugin with "
                            f"OPSCTL_DISABLE_PLUGINS={plugin}"
                        )
                    if name in commands:
                        raise PluginError(
                            f"command {name!r} is registered by both plugin "
                            f"{commands[name].plugin!r} and plugin {plugin!r}; disable one with "
                            f"OPSCTL_DISABLE_PLUGINS={plugin}"
                        )
                    commands[name] = Registration("commands", name, command, plugin)
            self._commands = commands
        return self._commands
