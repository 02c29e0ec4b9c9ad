"""The ``opsctl`` command line: global options, lazy commands, errors and exit codes.

Built-in commands are imported only when they run: the table below names each
command's module and its one-line help, so ``opsctl --help`` lists them
without importing any of them. ``tests/test_cli.py`` checks that these
help lines match the commands' own docstrings.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from opsctl import __version__
from opsctl.errors import ExitCode, OpsctlError

log = logging.getLogger("opsctl")

#: name -> ("module:attribute", one-line help shown by ``opsctl --help``)
BUILTIN_COMMANDS: dict[str, tuple[str, str]] = {
    "carriers": (
        "opsctl.commands.carriers:carriers",
        "Show the carriers plugins provide, their status codes and unmapped codes.",
    ),
    "checkout": (
        "opsctl.commands.checkout:checkout",
        "Audit a checkout's friction the way Lighthouse audits a page.",
    ),
    "completion": ("opsctl.commands.completion:completion", "Print the shell completion script."),
    "config": ("opsctl.commands.config:config", "Show and check the configuration."),
    "db": ("opsctl.commands.db:db", "Create, migrate and inspect the state store."),
    "ingest": (
        "opsctl.commands.ingest:ingest",
        "Load data files into the state store, upserting records by natural key.",
    ),
    "kpi": ("opsctl.commands.kpi:kpi", "Compute, export and track fulfilment KPIs."),
    "plugins": ("opsctl.commands.plugins:plugins", "List plugins and what each one provides."),
    "report": (
        "opsctl.commands.report:report",
        "Write a one-file HTML report of fulfilment KPIs that people can read.",
    ),
    "route": (
        "opsctl.commands.route:route",
        "Route orders to locations and carrier services by rules, keeping promises.",
    ),
    "sla": ("opsctl.commands.sla:sla", "Watch shipments against their delivery promises."),
    "track": (
        "opsctl.commands.track:track",
        "Keep the state store's tracking events up to date from the carriers.",
    ),
}


class OpsctlGroup(click.Group):
    """A group whose built-in commands load on use and whose plugins add commands.

    It also turns every :class:`~opsctl.errors.OpsctlError` into a one-line
    message on stderr and the error's exit code (a traceback only with
    ``--debug``).
    """

    def __init__(self, *args: Any, lazy_commands: dict[str, tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    # -- commands ----------------------------------------------------------------

    def _plugin_commands(self, ctx: click.Context) -> dict[str, Any]:
        from opsctl.app import get_app

        return get_app(ctx).plugins.commands(self.lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self.lazy_commands) | set(self.commands)
        names |= set(self._plugin_commands(ctx))
        return sorted(names)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        if name in self.lazy_commands:
            return load_builtin(name)
        registration = self._plugin_commands(ctx).get(name)
        return registration.obj if registration else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with their short help without importing built-in ones."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands:
                rows.append((name, self.lazy_commands[name][1]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append(
                    (name, command.get_short_help_str(limit=formatter.width - 6 - len(name)))
                )
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    # -- errors and exit codes -------------------------------------------------------

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv or os.environ.get("OPSCTL_DEBUG", "") not in ("", "0")
        from opsctl import logs

        json_logs = "--log-format=json" in argv or any(
            pair == ("--log-format", "json") for pair in itertools.pairwise(argv)
        )
        quiet = "-q" in argv or "--quiet" in argv
        logs.configure(-1 if quiet else 0, "json" if json_logs else "text")
        code = run_guarded(
            lambda: super(OpsctlGroup, self).main(
                argv, prog_name or "opsctl", complete_var, standalone_mode=False, **extra
            ),
            debug=debug,
        )
        if standalone_mode:
            sys.exit(code)
        return code


def run_guarded(invoke: Callable[[], Any], *, debug: bool) -> int:
    """Run the CLI and map every way it can end to an exit code."""
    try:
        result = invoke()
        return result if isinstance(result, int) else ExitCode.OK
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("opsctl: aborted", err=True)
        return 130
    except OpsctlError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        log.error("%s", exc.message, extra={"exit_code": int(exc.exit_code)})
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("opsctl: interrupted", err=True)
        return 130
    except BrokenPipeError:
        # The reader went away (``opsctl ... | head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug: say so, briefly, unless debugging
        if debug:
            import traceback

            traceback.print_exc()
        else:
            log.error(
                "internal error: %s: %s (run again with --debug for the traceback, "
                "and please report it)",
                type(exc).__name__,
                exc,
            )
        return ExitCode.INTERNAL


def load_builtin(name: str) -> click.Command:
    """Import the built-in command ``name`` (see :data:`BUILTIN_COMMANDS`)."""
    module_name, attribute = BUILTIN_COMMANDS[name][0].split(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if command.name != name:
        command.name = name
    return command


def resolve_color(choice: str, environ: dict[str, str] | os._Environ[str]) -> bool | None:
    """Whether to colour output: ``--color`` wins, then NO_COLOR, FORCE_COLOR, TERM=dumb.

    ``None`` lets click decide per stream (colour only on a terminal).
    """
    if choice == "always":
        return True
    if choice == "never":
        return False
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return None


@click.group(
    cls=OpsctlGroup,
    lazy_commands=BUILTIN_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(
    __version__, "-V", "--version", prog_name="opsctl", message="%(prog)s %(version)s"
)
@click.option(
    "--config",
    "-c",
    "config_path",
    metavar="PATH",
    envvar="OPSCTL_CONFIG",
    show_envvar=True,
    help="Config file (default: opsctl.toml here or in a parent folder, else the user config dir).",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Only errors on stderr.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Format of messages on stderr; json gives one object a line, for cron logs.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour output; auto honours NO_COLOR and FORCE_COLOR and uses colour only on a terminal.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    verbose: int,
    quiet: int,
    log_format: str,
    color: str,
    debug: bool,
) -> None:
    """opsctl runs and watches an online shop's operations after the buy button.

    Route orders to warehouses and carriers, watch deliveries against their
    promises, audit checkout friction and export fulfilment KPIs, from files or
    the state store, in a shell, in CI or from cron.

    Data goes to stdout and messages to stderr. Exit codes: 0 success, 1 a check
    found problems, 2 usage or config error, 3 bad input data, 4 an external
    service failed, 5 another run holds the lock.
    """
    from opsctl import logs
    from opsctl.app import get_app

    app = get_app(ctx)
    if config_path:
        app.config_path = config_path
    app.verbosity = -1 if quiet else verbose
    app.debug = debug
    app.color = resolve_color(color, app.environ)
    ctx.color = app.color
    logs.configure(app.verbosity, log_format)


def lockable(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--lock/--no-lock``: hold a per-command file lock while the command runs.

    The default comes from ``[lock] enabled`` in the config. Another run
    holding the lock ends this one at once with exit code 5.
    """

    @click.option(
        "--lock/--no-lock",
        "use_lock",
        default=None,
        help="Hold a lock so two runs of this command never overlap (default: [lock] enabled).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, use_lock: bool | None, **kwargs: Any) -> Any:
        from opsctl.app import get_app

        ctx = click.get_current_context()
        config = get_app(ctx).config
        if use_lock is None:
            use_lock = bool(config.get("lock.enabled", False))
        if not use_lock:
            return func(*args, **kwargs)
        from opsctl.locking import command_lock

        name = ctx.command_path.split(" ", 1)[-1]
        with command_lock(name, config.path_for("lock.dir")):
            return func(*args, **kwargs)

    return wrapper


#: What commands asked to keep until the process ends (:func:`outlive`); a list only
#: while the console script runs.
_outliving: list[Any] | None = None


def outlive(*objects: Any) -> None:
    """Keep ``objects`` (a command's big results) alive until the process ends.

    When the console script ran the command, the process then ends at once
    (:func:`main`): the operating system takes their memory back in one go,
    where Python would free them object by object (0.4 s for a routed batch of
    100,000 orders). Anywhere else (tests, a program calling the CLI) this does
    nothing.
    """
    if _outliving is not None:
        _outliving.extend(objects)


def main(args: Sequence[str] | None = None, **extra: Any) -> None:
    """Console-script entry point.

    When a command kept objects with :func:`outlive`, the process ends right after
    what it wrote is flushed, without Python's teardown (as mypy does); the exit
    code is the same.
    """
    global _outliving
    _outliving = []
    code = cli.main(args, prog_name="opsctl", standalone_mode=False, **extra)
    if _outliving:
        _exit_at_once(code)
    sys.exit(code)


def _exit_at_once(code: int) -> None:
    """Flush the output and the logs, then end the process without freeing its objects."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe, say: the normal exit deals with it
        return
    logging.shutdown()
    os._exit(code)
