"""physical_lines reads blocks but must cut, decode and refuse lines as readline would."""

from __future__ import annotations

import codecs
import csv
import io
import random

import pytest

from opsctl.loaders import lines as lines_module
from opsctl.loaders.csvfile import CsvReader
from opsctl.loaders.lines import (
    DEFAULT_MAX_LINE_BYTES,
    LineTooLong,
    line_blocks,
    physical_lines,
    undecodable,
)


def readline_lines(data: bytes, max_line_bytes: int):
    """The reference: one ``readline`` a line, as physical_lines read before it read blocks.

    (That read the BOM within the first line's bound: a first line within 3 bytes of the
    bound was cut in two. Here, as now, the bound applies to the line after the BOM.)
    """
    offset = 3 if data.startswith(codecs.BOM_UTF8) else 0
    stream, problems, out = io.BytesIO(data[offset:]), [], []
    limit, number = max_line_bytes + 1, 0
    raw = stream.readline(limit)
    while raw:
        number += 1
        if len(raw) == limit:
            return out, ("too long", number)
        try:
            line = raw.decode()
        except UnicodeDecodeError as error:
            problems.append((number, undecodable(raw, error, offset)))
            line = raw.decode(errors="replace")
        out.append((line, list(problems)))
        offset += len(raw)
        raw = stream.readline(limit)
    return out, None


def block_lines(data: bytes, max_line_bytes: int):
    problems: list = []
    out = []
    try:
        for line in physical_lines(io.BytesIO(data), "f.csv", max_line_bytes, problems):
            out.append((line, list(problems)))
    except LineTooLong as error:
        return out, ("too long", error.line)
    return out, None


PIECES = [
    b"\x1c",
    b"\xc2\x85",
    b"\x0b",
    b"a,b",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xc3\xa9",
    b"\xff",
    b"\xe2\x80\xa8",
    b'"x\ny"',
    b"",
    b"z" * 40,
]


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64, 1 << 18])
def test_blocks_cut_lines_as_readline_does(monkeypatch, block):
    monkeypatch.setattr(lines_module, "BLOCK_BYTES", block)
    rng = random.Random(block)
    for _ in range(300):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 30)))
        if rng.random() < 0.3:
            data = codecs.BOM_UTF8 + data
        limit = rng.choice([8, 30, 100, 10_000])
        expected, got = readline_lines(data, limit), block_lines(data, limit)
        assert got == expected, (data, limit)


def test_a_too_long_line_after_good_ones_is_refused_at_its_number():
    data = b"a\nb\n" + b"x" * 50 + b"\nc\n"
    out, fault = block_lines(data, 20)
    assert [line for line, _ in out] == ["a\n", "b\n"]
    assert fault == ("too long", 3)


CSV_PIECES = [b"a", b",", b"\n", b"\r\n", b"\r", b'"', b'""', b"\xc3\xa9", b"\xff", b"\x00", b" "]
CSV_PIECES += [b"\x1c", b"\xc2\x85", b"\xe2\x80\xa8", b"xyz" * 5]


def csv_module_rows(data: bytes, max_line_bytes: int):
    """Rows, line numbers and the fault of ``csv.reader`` over physical_lines."""
    problems: list = []
    lines = physical_lines(io.BytesIO(data), "f", max_line_bytes, problems)
    reader = csv.reader(lines, strict=True)
    return read_all(reader, problems)


def read_all(reader, problems):
    out = []
    try:
        for row in reader:
            out.append((row, reader.line_num, list(problems)))
    except (csv.Error, LineTooLong) as error:
        return out, (type(error).__name__, str(error))
    return out, None


@pytest.mark.parametrize("block", [1, 4, 16, 64, 1 << 18])
def test_csv_reader_reads_as_the_csv_module(monkeypatch, block):
    monkeypatch.setattr(lines_module, "BLOCK_BYTES", block)
    rng = random.Random(block)
    csv.field_size_limit(1000)
    try:
        for _ in range(400):
            weights = [1] * len(CSV_PIECES)
            weights[0] = weights[1] = weights[2] = 12
            chosen = rng.choices(CSV_PIECES, weights, k=rng.randrange(0, 60))
            data = b"".join(chosen)
            limit = rng.choice([20, 1000])
            problems: list = []
            reader = CsvReader(line_blocks(io.BytesIO(data), "f", limit, problems))
            got = read_all(reader, problems)
            assert got == csv_module_rows(data, limit), (data, limit)
    finally:
        csv.field_size_limit(DEFAULT_MAX_LINE_BYTES)
