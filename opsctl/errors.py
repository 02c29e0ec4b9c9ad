"""Errors that end a command, and the exit code each one means.

Every user-facing failure is an :class:`OpsctlError`. The CLI prints its
message on one line on stderr (no traceback unless ``--debug``) and exits with
its :attr:`~OpsctlError.exit_code`. The codes are part of opsctl's contract
(see ``docs/cli.md``) and never change meaning.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """opsctl's documented exit codes."""

    OK = 0
    #: A check found what it looks for (SLA breaches, a failed audit, a KPI alert).
    CHECK_FAILED = 1
    #: Wrong usage of the command line, or an invalid configuration.
    USAGE = 2
    #: Input data that breaks the data contract (docs/formats.md).
    BAD_INPUT = 3
    #: An external service (carrier API, SMTP server, ...) failed.
    SERVICE = 4
    #: Another run of the same command holds the lock.
    LOCKED = 5
    #: A bug in opsctl or a plugin: please report it.
    INTERNAL = 70


class OpsctlError(Exception):
    """Base class of every error a user can cause or fix."""

    exit_code: int = ExitCode.USAGE

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(OpsctlError):
    """The command line asks for something impossible."""

    exit_code = ExitCode.USAGE


class ConfigError(OpsctlError):
    """The configuration is invalid: names the file, line and key."""

    exit_code = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ):
        self.path, self.line, self.key = path, line, key
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        if key:
            where += f"{key}: "
        super().__init__(where + message)


class PluginError(OpsctlError):
    """A plugin is broken or two plugins clash."""

    exit_code = ExitCode.USAGE


class DataError(OpsctlError):
    """A row or document breaks the data contract.

    The message reads ``FILE:LINE: COLUMN: 'VALUE' is not EXPECTED`` so that
    editors and CI logs can jump to the spot. ``line`` may be a JSON pointer
    for JSON input.
    """

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | str | None = None,
        column: str | None = None,
        value: object = None,
    ):
        self.reason, self.source, self.line = reason, source, line
        self.column, self.value = column, value
        parts = []
        if source is not None:
            parts.append(f"{source}:{line}" if line is not None else source)
        if column is not None:
            parts.append(column)
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {reason}" if prefix else reason)


class ServiceError(OpsctlError):
    """An external service (a carrier API, an SMTP server) failed."""

    exit_code = ExitCode.SERVICE


class LockHeldError(OpsctlError):
    """Another run holds the lock of this command."""

    exit_code = ExitCode.LOCKED


class CheckFailed(OpsctlError):
    """A check found what it looks for; the command's output says what."""

    exit_code = ExitCode.CHECK_FAILED
