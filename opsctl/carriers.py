"""The carriers of one run: registered by plugins, configured from ``[plugins.<plugin>]``.

``opsctl track sync`` and ``opsctl carriers`` both ask "which carrier tracks
the shipments whose ``carrier`` column says ``royalmail``?". The answer is:

1. a configured carrier that lists that name in its ``serves`` (the file
   carrier with ``carriers = ["royalmail", "dpd"]``), else
2. the carrier registered under that name (``dhl`` tracks ``dhl``).

Each carrier is configured from the settings table of the plugin that
registered it (``[plugins.dhl]``, ``[plugins.files]``), with secrets resolved
through :meth:`opsctl.config.Config.resolve` when a request needs them.

Besides :class:`opsctl.tracking.Carrier`, a carrier object may declare:

* ``serves``: the other carrier names whose shipments it tracks (read after
  ``configure``);
* ``batch_size``: how many tracking numbers ``track sync`` passes to one
  ``track`` call (default ``[track] batch_size``, or ``numbers_per_request``
  of a batch API when that is more);
* ``path_settings``: names of settings that are file paths, made absolute
  against the config file's folder before ``configure``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from opsctl.errors import ConfigError, OpsctlError, PluginError

if TYPE_CHECKING:
    from opsctl.app import App
    from opsctl.config import Config
    from opsctl.plugins import Registration
    from opsctl.tracking import Carrier


@dataclass(frozen=True)
class Tracker:
    """A configured carrier and where it comes from."""

    #: The name the carrier is registered under (``file`` for the file carrier).
    name: str
    plugin: str
    carrier: Carrier

    def batch_size(self, default: int) -> int:
        """How many numbers ``track sync`` passes to one ``track`` call.

        The carrier's ``batch_size`` when it declares one, else ``default``, but
        at least one full request of a batch API (its ``numbers_per_request``).
        """
        size = getattr(self.carrier, "batch_size", None)
        if isinstance(size, int) and size > 0:
            return size
        per_request = getattr(self.carrier, "numbers_per_request", 1)
        return max(default, per_request if isinstance(per_request, int) else 1)


class RunCarriers:
    """The registered carriers, configured once for this run."""

    def __init__(self, registrations: list[Registration], config: Config) -> None:
        self.registrations = {r.name: r for r in registrations}
        self.config = config

    @classmethod
    def of(cls, app: App) -> RunCarriers:
        return cls(app.plugins.registry.registrations("carriers"), app.config)

    def settings(self, registration: Registration) -> dict[str, Any]:
        """The plugin's settings table, with its path settings made absolute."""
        settings = self.config.plugin_settings(registration.plugin)
        for key in getattr(registration.obj, "path_settings", ()):
            if settings.get(key):
                settings[key] = str(self.config.path_for(f"plugins.{registration.plugin}.{key}"))
        return settings

    @cached_property
    def configured(self) -> dict[str, Carrier | OpsctlError]:
        """Every carrier configured, or the error its settings gave, by registered name."""
        configured: dict[str, Carrier | OpsctlError] = {}
        for name, registration in self.registrations.items():
            configure = getattr(registration.obj, "configure", None)
            if configure is None:  # a carrier without settings
                configured[name] = registration.obj
                continue
            try:
                configured[name] = configure(
                    self.settings(registration), resolve=self.config.resolve
                )
            except OpsctlError as error:
                configured[name] = error
            except Exception as error:  # a plugin's bug must not stop the other carriers
                configured[name] = PluginError(
                    f"plugin {registration.plugin!r} failed to configure carrier {name!r}: "
                    f"{type(error).__name__}: {error}"
                )
        return configured

    @cached_property
    def served(self) -> dict[str, str]:
        """Carrier names tracked by a carrier of another name (``royalmail`` -> ``file``)."""
        served: dict[str, str] = {}
        for name, carrier in self.configured.items():
            if isinstance(carrier, OpsctlError):
                continue
            for other in getattr(carrier, "serves", ()):
                if other in served and served[other] != name:
                    plugin = self.registrations[name].plugin
                    raise ConfigError(
                        f"carrier {other!r} is served by both {served[other]!r} and {name!r}",
                        key=f"plugins.{plugin}",
                    )
                served[other] = name
        return served

    def carrier(self, name: str) -> Carrier:
        """The configured carrier registered as ``name``; raises its settings' error."""
        carrier = self.configured[name]
        if isinstance(carrier, OpsctlError):
            raise carrier
        return carrier

    def tracker(self, carrier_name: str) -> Tracker | None:
        """The carrier that tracks shipments of ``carrier_name``, or ``None`` if none does.

        Raises the carrier's :class:`ConfigError` when its settings are wrong.
        """
        name = self.served.get(carrier_name, carrier_name)
        if name not in self.registrations:
            return None
        return Tracker(name, self.registrations[name].plugin, self.carrier(name))

    def serves(self, name: str) -> tuple[str, ...]:
        """The other carrier names the registered carrier ``name`` tracks, once configured."""
        carrier = self.configured.get(name)
        if carrier is None or isinstance(carrier, OpsctlError):
            return ()
        return tuple(getattr(carrier, "serves", ()))
