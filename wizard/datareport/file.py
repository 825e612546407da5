"""What the raw bytes of an input file say before any CSV parsing: its encoding (UTF-8 with
or without a byte-order mark, or a Windows-1252 / Latin-1 guess), its delimiter (a file
separated by ``;`` or tabs reads as one column under the default comma), and whether it is
text at all (Parquet, an Excel workbook, gzip, UTF-16).

``sniff_file(path)`` reads at most ``SNIFF_BYTES``; ``sniff_bytes`` does the same work on
bytes already read, so tests and callers holding the head need no file. Pure standard
library: the data report (wizard/datareport.py) turns these facts into findings.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_MAGIC = (
    (b"PAR1", "parquet"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"\xd0\xcf\x11\xe0", "excel"),
)


@dataclass(frozen=True, slots=True)
class FileFacts:
    """The file as bytes: how it is encoded and split, read from its first bytes."""

    path: Path | None
    size: int
    """Bytes in the whole file (the head's length when only bytes were given)."""
    container: str
    """``text``, or what the magic bytes say it is: ``parquet``, ``zip`` (an Excel .xlsx is
    one), ``excel`` (the old .xls), ``gzip``, ``utf-16`` or ``binary``."""
    encoding: str | None
    """``utf-8``, ``utf-8-sig`` (UTF-8 with a byte-order mark), ``cp1252`` or ``latin-1``;
    ``None`` when the file is not text."""
    bad_byte: tuple[int, int, str] | None = None
    """For a file that is not UTF-8: (byte value, line number, the character it is in the
    guessed encoding), so the message can point at it."""
    delimiter: str | None = None
    """The separator the head is most consistently split by (``None`` for one column)."""
    fields: int = 1
    """Columns in the header line under ``delimiter``."""
    comma_fields: int = 1
    """Columns in the header line when split by commas, as the reader does by default."""
    line_ending: str = "\n"
    decimal_comma: bool = False
    """Numbers such as ``1,5`` under a non-comma delimiter: the decimal mark is a comma."""

    @property
    def is_text(self) -> bool:
        return self.container == "text"

    @property
    def is_utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")

    @property
    def reads_as_one_column(self) -> bool:
        """Comma-split gives one column, but another delimiter gives several."""
        return self.delimiter not in (None, ",") and self.comma_fields == 1 and self.fields > 1


def sniff_file(path: Path | str) -> FileFacts:
    """The facts of the file at ``path`` from its first ``SNIFF_BYTES`` bytes (``OSError``
    propagates: the sample reader already words a missing or unreadable file)."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    size = path.stat().st_size
    return sniff_bytes(head, size=size, path=path)


def sniff_bytes(head: bytes, *, size: int | None = None, path: Path | None = None) -> FileFacts:
    """The facts of a file whose first bytes are ``head``."""
    total = len(head) if size is None else size
    cut = size is not None and size > len(head)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return FileFacts(path, total, kind, None)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(head):
        return FileFacts(path, total, "utf-16", None)
    if b"\x00" in head:
        return FileFacts(path, total, "binary", None)
    text, encoding, bad = _decode(head, cut)
    if cut:  # the last line may be cut short; leave it out of the delimiter count
        text = text[: text.rfind("\n") + 1] or text
    delimiter, fields, comma_fields = guess_delimiter(text)
    return FileFacts(
        path,
        total,
        "text",
        encoding,
        bad,
        delimiter,
        fields,
        comma_fields,
        _line_ending(text),
        delimiter not in (None, ",") and _decimal_comma(text, delimiter),
    )


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: every other byte of ASCII text is zero (the odd
    ones in little-endian order, the even ones in big-endian)."""
    sample = head[:200]
    half = len(sample) / 2
    return len(sample) >= 8 and max(sample[1::2].count(0), sample[::2].count(0)) > 0.8 * half


def _decode(head: bytes, cut: bool) -> tuple[str, str, tuple[int, int, str] | None]:
    bom = head.startswith(codecs.BOM_UTF8)
    try:
        return head.decode("utf-8-sig"), "utf-8-sig" if bom else "utf-8", None
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(head) - 4:  # a character cut by the read limit
            text = head[: exc.start].decode("utf-8-sig")
            return text, "utf-8-sig" if bom else "utf-8", None
        start = exc.start
    # Bytes 0x80-0x9f are control codes in Latin-1 but letters and quotes in Windows-1252
    # (the usual Excel export): the printable reading wins.
    encoding = "cp1252" if any(0x80 <= b <= 0x9F for b in head) else "latin-1"
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        encoding, text = "latin-1", head.decode("latin-1")
    line = head.count(b"\n", 0, start) + 1
    char = bytes([head[start]]).decode(encoding, errors="replace")
    return text, encoding, (head[start], line, char)


def guess_delimiter(text: str) -> tuple[str | None, int, int]:
    """(delimiter, columns under it, columns under commas) for the text of a file's head.

    ``csv.Sniffer`` proposes; the choice is checked by how consistently each candidate
    splits the first lines (quotes respected), because the sniffer sometimes picks a
    character that merely occurs in every line."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return None, 1, 1
    scores = {d: _consistency(lines, d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(DELIMITERS))
        proposed: str | None = sniffed.delimiter
    except csv.Error:
        proposed = None
    best = max(DELIMITERS, key=lambda d: (scores[d], d == proposed, d == ","))
    if proposed in scores and scores[proposed] >= scores[best]:
        best = proposed
    comma = scores[","][1] if scores[","][0] > 0 else _fields(lines[0], ",")
    if scores[best][0] <= 0:
        return None, 1, comma
    return best, scores[best][1], comma


def _fields(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return 1


def _consistency(lines: list[str], delimiter: str) -> tuple[float, int]:
    """(score, header columns): the share of lines with the header's column count, zero
    when the delimiter gives a single column."""
    try:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
    except csv.Error:
        return 0.0, 1
    header = counts[0] if counts else 1
    if header < 2:
        return 0.0, header
    same = sum(1 for n in counts if n == header) / len(counts)
    return same, header


def _line_ending(text: str) -> str:
    if "\r\n" in text:
        return "\r\n"
    if "\r" in text and "\n" not in text:
        return "\r"
    return "\n"


def _decimal_comma(text: str, delimiter: str) -> bool:
    """Cells such as ``1,5`` or ``-0,25`` make up a good part of the cells."""
    cells = total = 0
    for row in csv.reader(text.splitlines()[1:50], delimiter=delimiter):
        for cell in row:
            cell = cell.strip()
            total += 1
            head, _, tail = cell.lstrip("-+").partition(",")
            if head.isdigit() and tail.isdigit() and len(tail) != 3:
                cells += 1
    return total > 0 and cells / total >= 0.1
