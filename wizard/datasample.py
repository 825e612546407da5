"""Read a bounded sample of the input data: the header plus at most ``MAX_ROWS`` rows or
``MAX_BYTES`` bytes (fewer rows for very wide files), whichever comes first.

Pure Python: CSV and JSON lines are read with the standard library; Parquet needs pyarrow,
imported only when a Parquet file is read. Every way a file can be unreadable (missing, a
folder with no data, a FIFO or device, empty, binary, not UTF-8, truncated, not the declared
format) becomes a ``SampleError`` whose message says what is wrong and what to do.

Samples are cached by (path, size, modification time, format, header), so a screen that
revalidates on every key press reads the file once, and a file that changes is read again.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path

MAX_ROWS = 10_000
MAX_BYTES = 50 * 1024 * 1024
MAX_CELLS = 2_000_000
"""A cap on rows x columns, so a 10,000-column file is sampled in well under a second."""
MAX_COLUMNS = 20_000
READABLE = (".csv", ".parquet", ".pq", ".jsonl", ".json", ".ndjson")

csv.field_size_limit(MAX_BYTES)


class SampleError(ValueError):
    """The data cannot be read; the message names the problem and the fix."""


@dataclass(frozen=True, slots=True)
class Sample:
    path: Path
    """The file read (the first data file, for a folder)."""
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]
    """Cell values as text (``None`` or ``""`` is missing), one tuple per sampled row."""
    complete: bool
    """True when every row of the file is in the sample."""
    estimated_rows: int
    """Rows in the whole file: exact when ``complete`` (or from Parquet metadata), else
    estimated from the bytes per row of the sample."""
    exact_total: bool
    file_bytes: int
    files: int = 1
    """Data files found (a folder input may hold several; only the first is sampled)."""

    @property
    def sampled(self) -> bool:
        return not self.complete

    def column(self, name: str) -> list[str | None]:
        index = self.columns.index(name)
        return [row[index] if index < len(row) else None for row in self.rows]


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.lower().endswith(READABLE))


def read_sample(path: Path, data_format: str, has_header: bool) -> Sample:
    """The bounded sample of ``path`` (a file, or a folder of files), or ``SampleError``."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SampleError(
            f"{path} does not exist; check the path (relative paths start at the config "
            "file's folder)"
        ) from None
    except OSError as exc:
        raise SampleError(
            f"{path} cannot be read ({exc.strerror}); check its permissions"
        ) from None
    files = 1
    if stat.S_ISDIR(info.st_mode):
        found = _data_files(path)
        if not found:
            raise SampleError(
                f"the folder {path} holds no .csv, .parquet or .jsonl file; put the data there "
                "or point at the file itself"
            )
        files = len(found)
        path = found[0]
        info = path.stat()
    elif not stat.S_ISREG(info.st_mode):
        raise SampleError(
            f"{path} is not a regular file (a device, pipe or socket); give a data file"
        )
    sample = _cached(str(path), info.st_size, info.st_mtime_ns, data_format, has_header)
    if files > 1:
        sample = Sample(**{**{f: getattr(sample, f) for f in Sample.__slots__}, "files": files})
    return sample


@lru_cache(maxsize=16)
def _cached(path: str, size: int, mtime_ns: int, data_format: str, has_header: bool) -> Sample:
    del mtime_ns  # part of the cache key only: a changed file is read again
    file = Path(path)
    if size == 0:
        raise SampleError(f"{file} is empty; it needs a header row and data rows")
    try:
        if data_format == "parquet" or file.name.lower().endswith((".parquet", ".pq")):
            return _read_parquet(file, size)
        with file.open("rb") as handle:
            raw = _read_head(handle)
    except OSError as exc:
        raise SampleError(f"{file} cannot be read ({exc.strerror or exc})") from None
    if raw[:4] == b"PAR1":
        raise SampleError(
            f"{file} is a Parquet file, but the data format is {data_format}; set the data "
            "format to parquet"
        )
    if b"\x00" in raw[:65536]:
        raise SampleError(
            f"{file} looks like a binary file, not text; give a CSV or JSON-lines file "
            "(or a Parquet file with the data format set to parquet)"
        )
    complete = len(raw) >= size
    if not complete:
        raw = raw[:MAX_BYTES]
        cut = raw.rfind(b"\n")
        raw = raw[: cut + 1] if cut >= 0 else raw
    text = _decode(file, raw, complete)
    if data_format == "json" or file.name.lower().endswith((".jsonl", ".ndjson", ".json")):
        return _read_json_lines(file, text, size, complete)
    return _read_csv(file, text, size, complete, has_header)


def _read_head(handle: io.BufferedReader) -> bytes:
    """The first ``MAX_BYTES + 1`` bytes at most, but stop once they hold more lines than a
    sample needs (a long narrow file is done after a megabyte or two)."""
    chunks: list[bytes] = []
    total = lines = 0
    while total <= MAX_BYTES:
        chunk = handle.read(min(1 << 20, MAX_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        lines += chunk.count(b"\n")
        if lines > MAX_ROWS + 1:
            break
    return b"".join(chunks)


def _decode(file: Path, raw: bytes, complete: bool) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(raw) - 4:  # a character cut by the byte limit
            return raw[: exc.start].decode("utf-8-sig")
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SampleError(
            f"{file} is not UTF-8 text (byte {raw[exc.start]:#04x} on line {line}); save it "
            "as UTF-8 (in Excel: CSV UTF-8)"
        ) from None


def _estimate(size: int, used: int, rows: int) -> int:
    return max(rows, math.floor(size / used * rows)) if used and rows else rows


def _read_csv(file: Path, text: str, size: int, complete: bool, has_header: bool) -> Sample:
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, strict=True)
    try:
        first = next(reader, None)
        if first is None or not any(c.strip() for c in first):
            raise SampleError(f"{file} has no data: its first line is empty")
        if len(first) > MAX_COLUMNS:
            raise SampleError(
                f"{file} has {len(first):,} columns; sm-wizard handles up to {MAX_COLUMNS:,}"
            )
        if has_header:
            columns = tuple(c.strip() for c in first)
            rows: list[tuple[str, ...]] = []
        else:
            columns = tuple(f"_c{i}" for i in range(len(first)))
            rows = [tuple(first)]
        limit = min(MAX_ROWS, max(100, MAX_CELLS // max(1, len(columns))))
        for row in reader:
            if not row:
                continue
            if len(rows) >= limit:
                complete = False
                break
            rows.append(tuple(row))
    except csv.Error as exc:
        raise SampleError(
            f"{file} is not valid CSV near line {reader.line_num}: {exc}; check its quotes"
        ) from None
    used = lines.tell() if not complete else len(text)
    if complete:
        estimated, exact = len(rows), True
    else:
        estimated, exact = _estimate(size, len(text[:used].encode()), len(rows)), False
    seen: set[str] = set()
    duplicated = sorted({c for c in columns if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if has_header and duplicated:
        raise SampleError(
            f"{file} has duplicate column names ({', '.join(duplicated[:5])}); rename them"
        )
    return Sample(file, columns, tuple(rows), complete, estimated, exact, size)


def _read_json_lines(file: Path, text: str, size: int, complete: bool) -> Sample:
    columns: dict[str, None] = {}
    records: list[dict[str, object]] = []
    used = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        used += len(line.encode())
        if not line.strip():
            continue
        if len(records) >= MAX_ROWS:
            complete = False
            break
        try:
            record = json.loads(line)
        except ValueError:
            raise SampleError(
                f"{file} line {number} is not a JSON object; JSON-lines data has one object "
                "per line"
            ) from None
        if not isinstance(record, dict):
            raise SampleError(f"{file} line {number} is not a JSON object ({{...}})")
        records.append(record)
        for key in record:
            columns.setdefault(str(key), None)
    if not records:
        raise SampleError(f"{file} holds no JSON records")
    names = tuple(columns)
    rows = tuple(tuple(_text(r.get(c)) for c in names) for r in records)
    exact = complete
    estimated = len(rows) if complete else _estimate(size, used, len(rows))
    return Sample(file, names, rows, complete, estimated, exact, size)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _read_parquet(file: Path, size: int) -> Sample:
    with file.open("rb") as handle:
        head = handle.read(4)
        handle.seek(max(0, size - 4))
        tail = handle.read(4)
    if head != b"PAR1" or tail != b"PAR1":
        raise SampleError(
            f"{file} is not a Parquet file (or it is truncated); check the file or set the "
            "data format to csv"
        )
    try:
        import pyarrow.parquet as pq  # only for Parquet inputs: pyarrow is slow to import
    except ImportError:  # pragma: no cover - pyarrow is a runtime dependency
        raise SampleError("reading Parquet needs pyarrow; install it") from None
    try:
        parquet = pq.ParquetFile(file)
        total = parquet.metadata.num_rows
        names = tuple(parquet.schema_arrow.names)
        limit = min(MAX_ROWS, max(100, MAX_CELLS // max(1, len(names))))
        batch = next(parquet.iter_batches(batch_size=limit), None)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise SampleError(f"{file} cannot be read as Parquet: {str(exc)[:200]}") from None
    rows: tuple[tuple[str | None, ...], ...] = ()
    if batch is not None:
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        rows = tuple(tuple(map(_text, values)) for values in zip(*columns, strict=False))
    return Sample(file, names, rows, len(rows) >= total, total, True, size)


# ---------------------------------------------------------------------- column profiles


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    name: str
    kind: str
    """``number``, ``integer``, ``boolean``, ``text`` or ``empty``."""
    missing: int
    distinct: int
    """Distinct non-missing values (up to ``DISTINCT_CAP``)."""


DISTINCT_CAP = 1000
_MISSING = {"", "na", "nan", "null", "none", "n/a", "?"}


def is_missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in _MISSING


def _is_float(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def profile_column(name: str, values: Sequence[str | None]) -> ColumnProfile:
    """Type, missing count and distinct values, from the column's distinct values (counted
    in C by ``Counter``), so a 10,000-row sample costs a few milliseconds a column."""
    counts = Counter(values)
    missing = 0
    present: list[str] = []
    for value, count in counts.items():
        if is_missing(value):
            missing += count
        else:
            present.append(value.strip())  # type: ignore[union-attr]
    distinct = min(len(set(present)), DISTINCT_CAP)
    if not present:
        kind = "empty"
    elif all(v.lower() in ("true", "false") for v in present):
        kind = "boolean"
    elif all(_is_float(v) for v in present):
        kind = "integer" if all(float(v).is_integer() for v in present) else "number"
    else:
        kind = "text"
    return ColumnProfile(name, kind, missing, distinct)


def columns_of(sample: Sample) -> dict[str, list[str | None]]:
    """Every column of the sample, transposed at once."""
    if not sample.rows:
        return {name: [] for name in sample.columns}
    transposed = list(zip_longest(*sample.rows))
    return {
        name: list(transposed[i]) if i < len(transposed) else [None] * len(sample.rows)
        for i, name in enumerate(sample.columns)
    }


def class_counts(values: Sequence[str | None]) -> dict[str, int]:
    """Rows per label, largest first (missing labels left out)."""
    counts: dict[str, int] = {}
    for value in values:
        if not is_missing(value):
            key = value.strip()  # type: ignore[union-attr]
            if key.replace(".", "", 1).lstrip("-").isdigit() and _is_float(key):
                number = float(key)
                key = str(int(number)) if number.is_integer() else key
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def file_size_text(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} bytes"  # pragma: no cover


def stat_key(path: Path) -> tuple[int, int] | None:
    """(size, mtime) of a file, to notice that it changed; ``None`` if it is gone."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns
