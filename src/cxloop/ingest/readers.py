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


_BLANK_CANDIDATE = np.zeros(256, dtype=bool)
_BLANK_CANDIDATE[list(b" \t\n\r\x0b\x0c")] = True
_BLANK_CANDIDATE[0x80:] = True
"""First bytes of a line that may be blank (white space only): ASCII white space, the newline
of an empty line, and the lead bytes of the other Unicode spaces."""


_SCAN_BYTES = 256 * 1024
"""Bytes compared with the newline at a time: the comparison's mask stays in the core's cache,
instead of a fresh mask as large as the block (whose pages the kernel zeroes every block)."""


def _line_ends(data: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The position just after each newline of ``data``, in order; ``mask`` is scratch space
    (a boolean array) reused from one call to the next."""
    step = len(mask)
    found: list[np.ndarray] = []
    for start in range(0, len(data), step):
        part = data[start : start + step]
        scratch = mask[: len(part)]
        np.equal(part, 10, out=scratch)
        ends = np.flatnonzero(scratch)
        if len(ends):
            found.append(ends + (start + 1))
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _lines_batch(
    source: str, data: np.ndarray, ends: np.ndarray, first_no: int, position: int
) -> RawBatch:
    """One batch of whole lines: ``data`` holds them back to back, line ``i`` ending before
    ``ends[i]`` (its newline, if it has one, included). The records are views of ``data``: each
    keeps its newline, which JSON takes as white space (the dead letter strips it). Blank lines
    count but are not records; a line that is not UTF-8 is rejected with its number."""
    offsets = np.zeros(len(ends) + 1, dtype=np.int32)
    offsets[1:] = ends
    lines = pa.BinaryArray.from_buffers(
        pa.binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    numbers = np.arange(first_no, first_no + len(ends), dtype=np.int64)
    keep = np.ones(len(ends), dtype=bool)
    for i in np.flatnonzero(_BLANK_CANDIDATE[data[offsets[:-1]]]).tolist():
        if not bytes(data[offsets[i] : offsets[i + 1]]).decode("utf-8", "replace").strip():
            keep[i] = False
    pre: list[tuple[int, str, str, str | None]] = []
    try:
        records = pc.cast(lines, pa.string())
    except pa.ArrowInvalid:
        texts: list[str | None] = []
        for i, line in enumerate(lines.to_pylist()):
            try:
                texts.append(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                texts.append(None)
                if keep[i]:
                    keep[i] = False
                    text = line.rstrip(b"\r\n").decode("utf-8", "replace")
                    reason = (
                        f"line is not valid UTF-8 (byte 0x{line[exc.start]:02x} at position "
                        f"{exc.start})"
                    )
                    pre.append((int(numbers[i]), "(record)", reason, text))
        records = pa.array(texts, type=pa.string())
    table = pa.table({"record_no": numbers, "record": records})
    if not keep.all():  # a copy of the batch only when there is a line to drop
        table = table.filter(pa.array(keep))
    return RawBatch(source=source, records=table, pre_rejected=pre, position=position)


def read_jsonl(path: Path, batch_bytes: int = DEFAULT_BATCH_BYTES) -> Iterator[RawBatch]:
    """Stream a JSON Lines file (optionally gzipped) in batches of about ``batch_bytes``.

    The file is read in blocks; each batch is the block's whole lines, found with one vectorized
    search for newlines, and a line longer than a block is read whole. Every line keeps its
    1-based number; blank lines count but are not records.
    """
    raw_file = path.open("rb", buffering=0)
    magic = raw_file.read(2)
    raw_file.seek(0)
    stream: io.RawIOBase | pa.NativeFile = raw_file
    if magic == b"\x1f\x8b":
        stream = pa.CompressedInputStream(pa.PythonFile(raw_file, mode="r"), "gzip")
    source = str(path)
    next_no = 1
    left = np.empty(0, dtype=np.uint8)
    mask = np.empty(_SCAN_BYTES, dtype=bool)
    with raw_file:
        while True:
            # a new buffer per block: the records of a batch are views of it
            data = np.empty(len(left) + batch_bytes, dtype=np.uint8)
            data[: len(left)] = left
            got = stream.readinto(data[len(left) :].data)
            if not got:  # the end: a last line without a newline
                if len(left):
                    yield _lines_batch(
                        source, left, np.array([len(left)]), next_no, raw_file.tell()
                    )
                return
            data = data[: len(left) + got]
            ends = _line_ends(data, mask)
            if not len(ends):
                left = data
                continue
            left = data[ends[-1] :].copy()
            yield _lines_batch(source, data[: ends[-1]], ends, next_no, raw_file.tell())
            next_no += len(ends)


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
