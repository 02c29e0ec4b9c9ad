"""Diagnostics on stderr: plain lines for people, JSON lines for cron and log shippers."""

from __future__ import annotations

import json
import logging
import sys
import time

LEVELS = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and error type if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("command", "exit_code", "error"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname.lower()
        prefix = "opsctl: " if level in ("info", "debug") else f"opsctl: {level}: "
        return prefix + record.getMessage()


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (tests swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure(verbosity: int = 0, log_format: str = "text") -> None:
    """Send opsctl's log records to stderr at the level ``-v``/``-q`` asked for."""
    logger = logging.getLogger("opsctl")
    logger.handlers.clear()
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else PlainFormatter())
    logger.addHandler(handler)
    logger.setLevel(LEVELS.get(verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR))
    logger.propagate = False


def is_json() -> bool:
    """Whether the active handler writes JSON lines."""
    handlers = logging.getLogger("opsctl").handlers
    return bool(handlers) and isinstance(handlers[0].formatter, JsonFormatter)
