"""Readers: files (JSONL, CSV, Parquet; gzip too) streamed as bounded batches of raw records.

Every reader yields :class:`~cxloop.ingest.validate.RawBatch` objects whose records are JSON
object texts numbered by their line (JSONL), data row (CSV, header excluded) or row (Parquet), so
a reject can always be traced back to its place in the file. Records a reader cannot even read —
invalid UTF-8, a CSV row with the wrong number of fields — come back as ``pre_rejected``.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal, cast

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxloop.ingest.validate import KNOWN_FIELDS, RawBatch
from cxloop.schema import IDENTIFIER_TYPES

Format = Literal["jsonl", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
DEFAULT_BATCH_BYTES = 32 * 1024 * 1024
DEFAULT_BATCH_ROWS = 100_000

_SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class ReaderError(ValueError):
    """A source that cannot be read at all (missing file, unknown format)."""


def detect_format(path: Path) -> Format:
    """The format of ``path`` from its suffix (``.jsonl``, ``.csv``, ``.parquet``, plus ``.gz``)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    raise ReaderError(
        f"{path}: cannot tell the format from the name; pass --format jsonl|csv|parquet"
    )


def discover_sources(paths: list[Path], fmt: Format | None = None) -> list[tuple[Path, Format]]:
    """Expand files and folders (recursively, sorted) into ``(file, format)`` pairs."""
    found: list[tuple[Path, Format]] = []
    for path in paths:
        if not path.exists():
            raise ReaderError(f"{path}: no such file or folder")
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                try:
                    found.append((child, fmt or detect_format(child)))
                except ReaderError:
                    continue  # a folder may hold READMEs and the like; only data files count
        else:
            found.append((path, fmt or detect_format(path)))
    return found


def _open_binary(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """The decompressed stream and the raw file (whose position measures progress)."""
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw)), raw
    return raw, raw


def _utf8_lines(raw: pa.Array, numbers: np.ndarray) -> tuple[pa.Array, list[tuple[int, str]]]:
    """Binary lines as UTF-8 strings; lines that are not UTF-8 become null plus a reason."""
    try:
        return pc.cast(raw, pa.string()), []
    except pa.ArrowInvalid:
        out: list[str | None] = []
        bad: list[tuple[int, str]] = []
        for no, line in zip(numbers.tolist(), raw.to_pylist(), strict=True):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                out.append(None)
                bad.append(
                    (
                        no,
                        f"line is not valid UTF-8 (byte 0x{line[exc.start]:02x} at "
                        f"position {exc.start})",
                    )
                )
        return pa.array(out, type=pa.string()), bad


class _LineNumbers:
    """Gives each line of a JSONL file its 1-based number, around the lines Arrow skipped."""

    def __init__(self) -> None:
        self.next_line = 1
        self.skipped: list[tuple[int, str]] = []

    def on_invalid_row(self, row: pacsv.InvalidRow) -> str:
        self.skipped.append((int(row.number), row.text))
        return "skip"

    def batch(self, source: str, raw: pa.Array, position: int) -> RawBatch:
        """Number a batch's lines, reject skipped and non-UTF-8 lines, drop blank lines."""
        n = len(raw)
        first = self.next_line
        skip_numbers = sorted(no for no, _ in self.skipped if no >= first)
        candidates = np.arange(first, first + n + len(skip_numbers), dtype=np.int64)
        numbers = candidates[~np.isin(candidates, skip_numbers)][:n]
        last = int(numbers[-1]) if n else max(skip_numbers, default=first - 1)
        mine = [(no, text) for no, text in self.skipped if first <= no <= last]
        self.skipped = [item for item in self.skipped if item[0] > last]
        self.next_line = last + 1
        records, bad_utf8 = _utf8_lines(raw, numbers)
        # blank = empty or only white space; checked without copying the lines
        blank = pc.or_kleene(pc.equal(pc.binary_length(records), 0), pc.utf8_is_space(records))
        keep = pc.fill_null(pc.and_kleene(pc.is_valid(records), pc.invert(blank)), False)
        table = pa.table({"record_no": numbers, "record": records})
        if not pc.all(keep).as_py():  # a copy of the batch only when there is a line to drop
            table = table.filter(keep)
        raw_by_no = dict(zip(numbers.tolist(), raw.to_pylist(), strict=True)) if bad_utf8 else {}
        pre: list[tuple[int, str, str, str | None]] = [
            (no, "(record)", "not valid JSON (a raw control character in the line)", text)
            for no, text in mine
        ] + [
            (no, "(record)", reason, raw_by_no[no].decode("utf-8", "replace"))
            for no, reason in bad_utf8
        ]
        return RawBatch(source=source, records=table, pre_rejected=sorted(pre), position=position)


def read_jsonl(path: Path, batch_bytes: int = DEFAULT_BATCH_BYTES) -> Iterator[RawBatch]:
    """Stream a JSON Lines file (optionally gzipped) in batches of about ``batch_bytes``.

    Lines are split by Arrow's C++ reader (one text column, no quoting, one thread so skipped
    lines keep their numbers). Every line keeps its 1-based number; blank lines count but are
    not records. A line Arrow cannot take as one field holds a raw control character, which
    JSON forbids: it is rejected as not valid JSON, with its number.
    """
    if path.stat().st_size == 0:
        return
    lines = _LineNumbers()
    raw_file = path.open("rb")
    magic = raw_file.read(2)
    raw_file.seek(0)
    stream: pa.NativeFile = pa.PythonFile(raw_file, mode="r")
    if magic == b"\x1f\x8b":
        stream = pa.CompressedInputStream(stream, "gzip")
    with raw_file:
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    column_names=["record"], block_size=batch_bytes, use_threads=False
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter="\x1e",
                    quote_char=False,
                    escape_char=False,
                    newlines_in_values=False,
                    ignore_empty_lines=False,
                    invalid_row_handler=lines.on_invalid_row,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={"record": pa.binary()},
                    check_utf8=False,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                yield lines.batch(str(path), batch.column(0), raw_file.tell())
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):
                raise
            # a line longer than two blocks: the Python reader takes over where Arrow stopped
            yield from _read_jsonl_python(path, batch_bytes, from_line=lines.next_line)
            return
        if lines.skipped:  # rejected lines after the last record
            yield lines.batch(str(path), pa.array([], pa.binary()), raw_file.tell())


def _decode_lines(chunk: bytes, first_no: int) -> tuple[list[str | None], list[tuple[int, str]]]:
    """Split a chunk of whole lines; lines that are not UTF-8 become ``None`` plus a reason."""
    try:
        return list(chunk.decode("utf-8").split("\n")), []
    except UnicodeDecodeError:
        lines: list[str | None] = []
        bad: list[tuple[int, str]] = []
        for offset, line in enumerate(chunk.split(b"\n")):
            try:
                lines.append(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                lines.append(None)
                bad.append(
                    (
                        first_no + offset,
                        f"line is not valid UTF-8 (byte 0x{line[exc.start]:02x} at position "
                        f"{exc.start})",
                    )
                )
        return lines, bad


def _read_jsonl_python(path: Path, batch_bytes: int, from_line: int = 1) -> Iterator[RawBatch]:
    """The line reader in Python: slower, but takes lines of any length. Used from
    ``from_line`` on when Arrow cannot (a line longer than two blocks)."""
    stream, raw = _open_binary(path)
    source = str(path)
    next_no = 1
    leftover = b""
    with stream, raw:
        while True:
            block = stream.read(batch_bytes)
            data = leftover + block
            if not block:
                chunk, leftover = data, b""
            else:
                cut = data.rfind(b"\n")
                if cut < 0:
                    leftover = data
                    continue
                chunk, leftover = data[: cut + 1], data[cut + 1 :]
                if chunk.endswith(b"\n"):
                    chunk = chunk[:-1]
            if chunk or block:
                if next_no + chunk.count(b"\n") >= from_line:
                    batch = _jsonl_batch(source, chunk, next_no, raw.tell())
                    yield _from_line(batch, from_line) if next_no < from_line else batch
                next_no += chunk.count(b"\n") + 1
            if not block:
                return


def _jsonl_batch(source: str, chunk: bytes, first_no: int, position: int) -> RawBatch:
    lines, bad = _decode_lines(chunk, first_no)
    numbers = np.arange(first_no, first_no + len(lines), dtype=np.int64)
    records = pa.array(lines, type=pa.string())
    keep = pc.and_kleene(pc.is_valid(records), pc.not_equal(pc.utf8_trim_whitespace(records), ""))
    table = pa.table({"record_no": numbers, "record": records}).filter(keep)
    pre: list[tuple[int, str, str, str | None]] = [
        (no, "(record)", reason, chunk.split(b"\n")[no - first_no].decode("utf-8", "replace"))
        for no, reason in bad
    ]
    return RawBatch(source=source, records=table, pre_rejected=pre, position=position)


def _from_line(batch: RawBatch, from_line: int) -> RawBatch:
    """The part of a batch from line ``from_line`` on."""
    keep = pc.greater_equal(batch.records["record_no"], from_line)
    return RawBatch(
        source=batch.source,
        records=batch.records.filter(keep),
        pre_rejected=[r for r in batch.pre_rejected if r[0] >= from_line],
        position=batch.position,
    )


def _csv_record_sql(columns: list[str]) -> str:
    """SQL turning a table of CSV string columns into canonical JSON record texts."""

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def key(name: str) -> str:
        return "'" + name.replace("'", "''") + "'"

    lowered = {c: c.strip().lower() for c in columns}
    id_cols = [
        c for c in columns if lowered[c] in IDENTIFIER_TYPES or lowered[c].startswith("external:")
    ]
    parts: list[str] = []
    for col in columns:
        if col in id_cols or lowered[col] == "identifiers":
            continue
        parts.append(f"{key(lowered[col])}, {q(col)}")
    id_object = "json_object(" + ", ".join(f"{key(lowered[c])}, {q(c)}" for c in id_cols) + ")"
    if "identifiers" in lowered.values():
        ident_col = next(c for c in columns if lowered[c] == "identifiers")
        ids = f"json_merge_patch(coalesce(try(json({q(ident_col)})), '{{}}'::JSON), {id_object})"
        if not id_cols:
            ids = f"coalesce(try(json({q(ident_col)})), to_json({q(ident_col)}))"
    else:
        ids = id_object if id_cols else "NULL"
    parts.append(f"'identifiers', {ids}")
    return "SELECT record_no, json_object(" + ", ".join(parts) + ")::VARCHAR AS record FROM _cx_csv"


def read_csv(path: Path, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[RawBatch]:
    """Stream a CSV file with a header row (optionally gzipped).

    Identifier columns are named by their type (``email``, ``phone``, ``cookie``,
    ``external:crm``…) or given as one ``identifiers`` JSON column; scores as ``csat``, ``nps``,
    ``ces``; ``attributes`` as JSON text. Empty cells are missing values. Other columns are kept
    under ``attributes._extra``.
    """
    stream, raw = _open_binary(path)
    source = str(path)
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
    con = duckdb.connect(":memory:")
    try:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            return
        header = [h.strip() for h in header]
        sql = _csv_record_sql(header)
        width = len(header)
        cols: list[list[str | None]] = [[] for _ in header]
        numbers: list[int] = []
        pre: list[tuple[int, str, str, str | None]] = []
        row_no = 0
        for row in reader:
            row_no += 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                pre.append(
                    (
                        row_no,
                        "(record)",
                        f"row has {len(row)} fields; the header has {width}",
                        ",".join(row).encode("utf-8", "replace").decode("utf-8", "replace"),
                    )
                )
                continue
            try:
                "\x1f".join(row).encode("utf-8")
            except UnicodeEncodeError:
                pre.append(
                    (
                        row_no,
                        "(record)",
                        "row is not valid UTF-8",
                        ",".join(row).encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                    )
                )
                continue
            numbers.append(row_no)
            for i, cell in enumerate(row):
                cols[i].append(cell if cell != "" else None)
            if len(numbers) >= batch_rows:
                yield _csv_batch(con, sql, source, header, cols, numbers, pre, raw.tell())
                cols, numbers, pre = [[] for _ in header], [], []
        if numbers or pre:
            yield _csv_batch(con, sql, source, header, cols, numbers, pre, raw.tell())
    finally:
        con.close()
        text.close()
        raw.close()


def _csv_batch(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    source: str,
    header: list[str],
    cols: list[list[str | None]],
    numbers: list[int],
    pre: list[tuple[int, str, str, str | None]],
    position: int,
) -> RawBatch:
    arrays = {"record_no": pa.array(numbers, type=pa.int64())}
    for name, values in zip(header, cols, strict=True):
        arrays[name] = pa.array(values, type=pa.string())
    con.register("_cx_csv", pa.table(arrays))
    try:
        records = con.execute(sql).to_arrow_table()
    finally:
        con.unregister("_cx_csv")
    return RawBatch(source=source, records=records, pre_rejected=pre, position=position)


def read_parquet(path: Path, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[RawBatch]:
    """Stream a Parquet file whose columns follow the canonical event (nested or flat)."""
    parquet = pq.ParquetFile(path)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    first = 1
    done_rows = 0
    total = max(parquet.metadata.num_rows, 1)
    size = path.stat().st_size
    try:
        for batch in parquet.iter_batches(batch_size=batch_rows):
            table = pa.Table.from_batches([batch])
            con.register("_cx_pq", table)
            try:
                records = con.execute(
                    f"SELECT ({first} + row_number() OVER () - 1)::BIGINT AS record_no, "
                    "to_json(_cx_pq)::VARCHAR AS record FROM _cx_pq"
                ).to_arrow_table()
            finally:
                con.unregister("_cx_pq")
            first += table.num_rows
            done_rows += table.num_rows
            yield RawBatch(
                source=str(path),
                records=records,
                pre_rejected=[],
                position=int(size * done_rows / total),
            )
    finally:
        con.close()


def read_source(
    path: Path,
    fmt: Format,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[RawBatch]:
    """Stream one file in the given format."""
    if fmt == "jsonl":
        return read_jsonl(path, batch_bytes)
    if fmt == "csv":
        return read_csv(path, batch_rows)
    if fmt == "parquet":
        return read_parquet(path, batch_rows)
    raise ReaderError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


__all__ = [
    "DEFAULT_BATCH_BYTES",
    "FORMATS",
    "KNOWN_FIELDS",
    "Format",
    "ReaderError",
    "detect_format",
    "discover_sources",
    "read_csv",
    "read_jsonl",
    "read_parquet",
    "read_source",
]
