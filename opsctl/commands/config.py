"""``opsctl config show`` and ``opsctl config validate``."""

from __future__ import annotations

import click

from opsctl.app import App, pass_app
from opsctl.output import emit, output_options


@click.group()
def config() -> None:
    """Show and check the configuration."""


@config.command()
@output_options
@pass_app
def show(app: App) -> None:
    """Print the effective configuration and where each value comes from.

    Values come from the config file (shown as FILE:LINE) or from opsctl's
    defaults. Secrets are shown as the ${ENV_VAR} reference written in the
    file, never as their value.

    JSON shape: {"path": file or null, "values": [{"key", "value", "source"}]}.
    """
    cfg = app.config
    rows = [
        {"key": key, "value": cfg.redacted(key, value), "source": cfg.source(key)}
        for key, value in cfg.flat()
    ]
    emit(rows, ["key", "value", "source"], document={"path": cfg.path, "values": rows})


@config.command()
@click.option(
    "--quiet", "-q", "silent", is_flag=True, help="Print nothing; only set the exit code."
)
@pass_app
def validate(app: App, silent: bool) -> None:
    """Check the configuration; exit 2 and list every problem if it is invalid.

    Each problem names the file, line and key, and what was expected.
    """
    from opsctl.config import load_config
    from opsctl.errors import ConfigError

    cfg = load_config(app.config_path, app.environ)
    problems = cfg.validate()
    for problem in problems:
        click.echo(f"opsctl: error: {problem}", err=True)
    if problems:
        raise ConfigError(f"{len(problems)} problem(s) in the configuration", path=str(cfg.path))
    if not silent:
        where = cfg.path or "no config file (built-in defaults)"
        click.echo(f"configuration is valid: {where}")
