"""The state one opsctl invocation shares between its commands: config, plugins, terminal."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from opsctl.config import Config
    from opsctl.plugins import PluginHost


@dataclass
class App:
    """Per-invocation state, created lazily so that ``--help`` stays cheap.

    Tests and the pytest plugin pass one in as ``obj`` to run opsctl with
    extra plugins or a given environment.
    """

    config_path: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    extra_plugins: Iterable[tuple[str, object]] = ()
    verbosity: int = 0
    debug: bool = False
    color: bool | None = None
    _config: Config | None = None
    _host: PluginHost | None = None

    @property
    def config(self) -> Config:
        """The effective configuration (loaded and validated on first use)."""
        if self._config is None:
            from opsctl.config import load_config

            self._config = load_config(self.config_path, self.environ).check()
        return self._config

    @property
    def plugins(self) -> PluginHost:
        """The plugin host: loaded plugins, their problems, and what they registered."""
        if self._host is None:
            from opsctl.plugins import PluginHost

            self._host = PluginHost(environ=self.environ, extra_plugins=self.extra_plugins)
        return self._host


def get_app(ctx: click.Context | None = None) -> App:
    """The :class:`App` of the running invocation (created on first use)."""
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, App):
        root.obj = App()
    return root.obj


pass_app = click.make_pass_decorator(App, ensure=True)
