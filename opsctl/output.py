"""The output contract every command shares: ``--format`` and ``--output``.

Data goes to stdout (or to ``--output FILE``, written atomically); messages go
to stderr. A command builds its result as rows (one dict per row) plus, when
its JSON shape is richer than a list of rows, a ``document``:

* ``table`` and ``markdown`` show the rows, for people;
* ``csv`` and ``ndjson`` write one record per row, for scripts;
* ``json`` writes ``document`` when given, else the list of rows.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import click

from opsctl.config import OUTPUT_FORMATS


def to_jsonable(value: Any) -> Any:
    """Turn opsctl values (Decimal, datetimes, enums, paths, sets) into JSON values.

    Money stays exact: a Decimal becomes a string in JSON.
    """
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [to_jsonable(v) for v in items]
    return value


def to_cell(value: Any) -> str:
    """How a value reads in a table or CSV cell."""
    kind = type(value)
    if kind is str:  # most cells: the checks below are for the other kinds
        return value
    if kind is int:  # not a bool, whose type is bool
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(
            to_cell(v)
            for v in (sorted(value, key=str) if isinstance(value, set | frozenset) else value)
        )
    if isinstance(value, dict):
        return json.dumps(to_jsonable(value), sort_keys=True)
    jsonable = to_jsonable(value)
    return jsonable if isinstance(jsonable, str) else str(jsonable)


def dumps_json(document: Any) -> str:
    """``document`` as indented JSON (2 spaces, UTF-8 text) and a newline.

    Written by orjson, in C: the json module's indenting encoder is pure Python
    and takes seconds for 100,000 rows. Values orjson does not know go through
    :func:`to_jsonable` (money stays an exact string); what orjson refuses
    (integers beyond 64 bits) falls back to the json module.
    """
    import orjson

    try:
        return orjson.dumps(document, default=_jsonable_one, option=_orjson_options()).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(to_jsonable(document), indent=2, ensure_ascii=False) + "\n"


def _jsonable_one(value: Any) -> Any:
    """orjson's ``default``: a value it leaves to us, turned as :func:`to_jsonable` turns it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    jsonable = to_jsonable(value)
    if jsonable is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return jsonable


def _orjson_options() -> int:
    import orjson

    return (
        orjson.OPT_INDENT_2
        | orjson.OPT_APPEND_NEWLINE
        | orjson.OPT_NON_STR_KEYS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_SUBCLASS
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )


def render(
    fmt: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None = None,
    document: Any = None,
) -> str:
    """Render a command's result in one of :data:`OUTPUT_FORMATS`."""
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    if fmt == "json":
        return dumps_json(rows if document is None else document)
    if fmt == "ndjson":
        return "".join(
            json.dumps(to_jsonable(row), ensure_ascii=False, sort_keys=False) + "\n" for row in rows
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([to_cell(row.get(c)) for c in columns])
        return buffer.getvalue()
    if fmt in ("table", "markdown"):
        if not rows:
            return "(no rows)\n" if fmt == "table" else ""
        from tabulate import tabulate

        table = [[to_cell(row.get(c)) for c in columns] for row in rows]
        return (
            tabulate(
                table,
                headers=list(columns),
                tablefmt="github" if fmt == "markdown" else "simple",
                disable_numparse=True,
            )
            + "\n"
        )
    raise click.UsageError(f"unknown format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}")


#: Formats that write one line per row (CSV after its header): their rows may be rendered
#: one by one as they are made (:class:`RowLines`), and written with :func:`emit_lines`.
LINE_FORMATS = ("csv", "ndjson")


class RowLines:
    """Renders rows one at a time as lines of a :data:`LINE_FORMATS` format, exactly as
    :func:`render` writes them: for a command that makes many rows, in several
    processes, and keeps only their text.

    A row is given as its values in the order of ``keys``; CSV writes those of
    ``columns`` (the header, which :func:`emit_lines` adds), NDJSON every key.
    """

    def __init__(self, fmt: str, keys: Sequence[str], columns: Sequence[str]):
        if fmt not in LINE_FORMATS:
            raise ValueError(f"{fmt!r} is not a line format ({', '.join(LINE_FORMATS)})")
        self.fmt, self.keys = fmt, tuple(keys)
        self._picks = [self.keys.index(column) for column in columns]
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def __call__(self, values: Sequence[Any]) -> str:
        """The line (with its newline) of one row."""
        if self.fmt == "ndjson":
            row = dict(zip(self.keys, values, strict=True))
            return json.dumps(to_jsonable(row), ensure_ascii=False, sort_keys=False) + "\n"
        buffer = self._buffer
        self._writer.writerow([to_cell(values[index]) for index in self._picks])
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line


def emit_lines(lines: str, columns: Sequence[str]) -> None:
    """Write rows rendered by :class:`RowLines` (in the chosen format, one of
    :data:`LINE_FORMATS`) where :func:`emit` would: CSV gets its header first."""
    ctx = click.get_current_context()
    header = render("csv", [], columns) if current_format() == "csv" else ""
    write_output(header + lines, ctx.meta.get("opsctl.output"))


def write_output(text: str, output: str | None) -> None:
    """Write rendered data to ``output`` atomically, or to stdout."""
    if output and output != "-":
        from opsctl.atomic import atomic_write_text

        atomic_write_text(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def output_options(
    func: Callable[..., Any] | None = None, *, formats: Sequence[str] = OUTPUT_FORMATS
) -> Callable[..., Any]:
    """Add ``--format`` and ``--output`` to a command (see ``docs/cli.md``).

    The command receives neither: it calls :func:`emit`, which reads them.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @click.option(
            "--format",
            "-f",
            "output_format",
            type=click.Choice(list(formats)),
            default=None,
            help="Output format (default: [defaults] format in the config, else table).",
        )
        @click.option(
            "--output",
            "-o",
            "output_path",
            type=click.Path(dir_okay=False, writable=True, allow_dash=True),
            default=None,
            help="Write the data to FILE atomically instead of stdout.",
        )
        @functools.wraps(command)
        def wrapper(*args: Any, output_format: str | None, output_path: str | None, **kwargs: Any):
            ctx = click.get_current_context()
            ctx.meta["opsctl.format"] = output_format
            ctx.meta["opsctl.output"] = output_path
            return command(*args, **kwargs)

        return wrapper

    return decorate(func) if func is not None else decorate


def current_format(default: str = "table") -> str:
    """The format asked for on the command line, else the config's, else ``default``."""
    ctx = click.get_current_context()
    fmt = ctx.meta.get("opsctl.format")
    if fmt:
        return fmt
    from opsctl.app import get_app

    configured = get_app(ctx).config.get("defaults.format")
    return configured if configured in OUTPUT_FORMATS else default


Section = tuple[str, Sequence[dict[str, Any]], Sequence[str]]


def emit(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    document: Any = None,
    sections: Sequence[Section] = (),
    title: str | None = None,
) -> None:
    """Render ``rows`` (or ``document`` for JSON) in the chosen format, to the chosen place.

    ``sections`` are ``(title, rows, columns)`` tables shown before ``rows``
    (under ``title``) in the formats for people, table and markdown; scripts
    get them in ``document`` instead.
    """
    ctx = click.get_current_context()
    fmt = current_format()
    rows = list(rows)
    if fmt in ("table", "markdown") and sections:
        heading = "## {}\n\n" if fmt == "markdown" else "{}\n"
        parts = [
            heading.format(name) + render(fmt, list(body), cols)
            for name, body, cols in [*sections, (title or "", rows, columns)]
            if body or name == (title or "")
        ]
        text = "\n".join(parts)
    else:
        text = render(fmt, rows, columns, document)
    write_output(text, ctx.meta.get("opsctl.output"))
