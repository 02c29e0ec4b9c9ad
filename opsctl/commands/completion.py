"""``opsctl completion SHELL``: shell completion, from click's own machinery."""

from __future__ import annotations

import click


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script.

    Load it from your shell's start-up file. For bash (~/.bashrc) and zsh
    (~/.zshrc): eval "$(opsctl completion bash)" (or zsh); for fish:
    opsctl completion fish | source.
    """
    from click.shell_completion import get_completion_class

    from opsctl.cli import cli

    completion_class = get_completion_class(shell)
    script = completion_class(cli, {}, "opsctl", "_OPSCTL_COMPLETE").source()
    click.echo(script)
