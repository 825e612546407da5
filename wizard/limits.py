"""Bounded reading of config files: hostile input is refused quickly, with a sentence.

A ``wizard.toml`` is a few kilobytes of text. Anything that is not a regular file (a FIFO, a
device such as ``/dev/zero``, a socket) is refused without blocking, a file over
``MAX_CONFIG_BYTES`` is refused before it is read, and the text is pre-scanned for what the TOML
parser handles badly before it ever sees it: values nested deeper than ``MAX_DEPTH`` (the parser
recurses, so 1,000 levels raise ``RecursionError``), keys with more than ``MAX_KEY_PARTS`` dotted
parts (20,000 parts cost the parser 2.4 GB), keys longer than ``MAX_KEY_CHARS``, and numbers
outside TOML's 64-bit integer range (Python refuses to convert integers over 4,300 digits), and
more than ``MAX_ITEMS`` keys and values. Every refusal is a ``StoreError`` naming the line and
key.

The pre-scan is not a validator: it blanks out strings and comments, measures what remains with
regular expressions and ``bytes`` methods (all in C, so 1 MB takes a fraction of a second), and
leaves everything else, malformed text included, to the parser, which reports it with its line.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from .errors import StoreError

MAX_CONFIG_BYTES = 1_000_000
"""A generated config is about 2 KB; 1 MB leaves room for very long descriptions."""
MAX_DEPTH = 32
"""Tables, arrays and dotted keys nested inside each other, counted together."""
MAX_KEY_PARTS = 16
"""Parts of one dotted key (``a.b.c`` has 3), or of a table header."""
MAX_KEY_CHARS = 256
"""Characters in one key part (SageMaker's own limit for a hyperparameter name)."""
MAX_ITEMS = 10_000
"""Keys, array items and tables in one file (a generated config has about 60): bounds the
parser's work, which for 1 MB of small items is seconds."""

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def read_config_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the config file at ``path``, or a ``StoreError`` saying why not.

    Raises ``FileNotFoundError``, ``IsADirectoryError`` or ``OSError`` for the caller to word
    (as ``Path.read_bytes`` would), and ``StoreError`` for every limit. Never blocks: the file is
    opened with ``O_NONBLOCK`` and checked with ``fstat`` before a byte is read.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise StoreError(
                f"{path} is {kind}, not a regular file; give the path of a .toml file",
                "Not a file",
            )
        if info.st_size > MAX_CONFIG_BYTES:
            raise _too_big(path, info.st_size)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_CONFIG_BYTES:  # the file may grow after fstat: read at most cap + 1
            chunk = os.read(fd, MAX_CONFIG_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_CONFIG_BYTES:
            raise _too_big(path, size)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    check_config_text(data, path)
    return data


def _too_big(path: Path, size: int) -> StoreError:
    return StoreError(
        f"{path} is {size:,} bytes; a config file is at most {MAX_CONFIG_BYTES:,} bytes "
        "(generated ones are about 2 KB). Check that this is the right file",
        "File too large",
    )


def check_config_text(data: bytes, path: str | os.PathLike[str] = "config") -> None:
    """Refuse TOML text whose nesting, keys or integers exceed the limits above.

    Linear in the text and done almost entirely by ``re`` and ``bytes`` methods (in C), so 1 MB
    of hostile text is refused in a fraction of a second.
    """
    _Check(data, str(path)).run()


# Possessive quantifiers (Python 3.11+) keep no backtracking state: a 1 MB string costs nothing.
_STRINGS = re.compile(
    rb'(?P<multiline>"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+"""(?:""?)?'
    rb"|'''(?:[^']++|'(?!''))*+'''(?:''?)?)"
    rb'|(?P<basic>"(?:[^"\\\n]++|\\.)*+")'
    rb"|(?P<literal>'[^'\n]*+')"
    rb"|(?P<comment>\#[^\n]*+)"
    rb"|(?P<quote>[\"'])"  # an unterminated string: the parser will report it
)
_BARE = rb"[A-Za-z0-9_-]"
_KEY_CHAIN = re.compile(
    rb"(?<!%s)(?:%s++|S)(?:[ \t]*+\.[ \t]*+(?:%s++|S)){%d}" % (_BARE, _BARE, _BARE, MAX_KEY_PARTS)
)
_LONG_BARE = re.compile(rb"(?<!%s)%s{%d,}+" % (_BARE, _BARE, MAX_KEY_CHARS + 1))
_LONG_INTEGER = re.compile(
    rb"(?<![A-Za-z0-9_+.:-])[+-]?+(?:0[xob])?+[0-9A-Fa-f_]{19,}+(?![A-Za-z0-9_+.:-])"
)
_INTEGER = re.compile(rb"[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|[0-9_]+)")
_KEY_END = re.compile(rb"[ \t]*+[=.]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class _Check:
    """One pass of checks over one file's text."""

    def __init__(self, data: bytes, path: str) -> None:
        self.data = data
        self.path = path

    def run(self) -> None:
        structure = self._structure()
        self._key_parts(structure)
        self._integers(structure)
        self._bare_keys(structure)
        self._depth(structure)
        self._items(structure)  # last: the others name a line

    def _refuse(self, text: bytes, pos: int, problem: str) -> StoreError:
        """A refusal at ``pos`` of ``text`` (the file, or its structure: same lines)."""
        line = text.count(b"\n", 0, pos) + 1
        start = 0
        for _ in range(line - 1):
            start = self.data.index(b"\n", start) + 1
        raw = self.data[start : start + 200].split(b"\n", 1)[0].decode("utf-8", "replace")
        key = (raw.split("=", 1)[0] if "=" in raw else raw).strip()
        if len(key) > 60:
            key = key[:57] + "..."
        where = f"{self.path} line {line}" + (f" ({key})" if key else "")
        return StoreError(
            f"{where}: {problem}. The file was not loaded; fix it in an editor", "File refused"
        )

    def _structure(self) -> bytes:
        """The text with every string replaced by ``S`` and every comment removed (multi-line
        strings keep their newlines, so line numbers hold), cut at an unterminated string."""
        data = self.data

        def replace(match: re.Match[bytes]) -> bytes:
            kind = match.lastgroup
            if kind == "comment":
                return b""
            if kind == "quote":
                return b"\0"
            if kind == "multiline":
                return b"S" + b"\n" * match.group().count(b"\n")
            if match.end() - match.start() > MAX_KEY_CHARS + 2:
                self._quoted_key(match)
            return b"S"

        structure = _STRINGS.sub(replace, data)
        cut = structure.find(b"\0")
        return structure if cut < 0 else structure[:cut]

    def _quoted_key(self, match: re.Match[bytes]) -> None:
        """Refuse a long quoted *key* (a long quoted value is fine)."""
        data = self.data
        line_start = data.rfind(b"\n", 0, match.start()) + 1
        before = data[line_start : match.start()]
        in_header = before.lstrip().startswith(b"[") and b"=" not in before
        if _KEY_END.match(data, match.end()) or before.rstrip().endswith(b".") or in_header:
            raise self._refuse(
                data,
                match.start(),
                f"a quoted key of {match.end() - match.start() - 2:,} characters; keys are "
                f"at most {MAX_KEY_CHARS} characters",
            )

    def _key_parts(self, structure: bytes) -> None:
        found = _KEY_CHAIN.search(structure)
        if found:
            raise self._refuse(
                structure,
                found.start(),
                f"a dotted key or table name of more than {MAX_KEY_PARTS} parts; tables nest "
                f"at most {MAX_KEY_PARTS} deep",
            )

    def _bare_keys(self, structure: bytes) -> None:
        found = _LONG_BARE.search(structure)
        if found:
            raise self._refuse(
                structure,
                found.start(),
                f"{found.end() - found.start():,} characters without quotes; keys are at most "
                f"{MAX_KEY_CHARS} characters",
            )

    def _integers(self, structure: bytes) -> None:
        for found in _LONG_INTEGER.finditer(structure):
            token = found.group()
            if not _INTEGER.fullmatch(token) or _KEY_END.match(structure, found.end()):
                continue  # a key made of digits, or not an integer at all
            try:
                value = int(token.replace(b"_", b""), 0) if len(token) < 4000 else None
            except ValueError:
                continue  # e.g. a leading zero: not TOML, the parser will say so
            if value is None or not _INT64_MIN <= value <= _INT64_MAX:
                shown = token if len(token) <= 30 else token[:24] + b"..."
                raise self._refuse(
                    structure,
                    found.start(),
                    f"the integer {shown.decode()} ({len(token):,} digits) is outside TOML's "
                    "64-bit range; write a smaller number, or quote it as text",
                )

    def _depth(self, structure: bytes) -> None:
        brackets = structure.translate(None, _NOT_BRACKETS)
        depth = 0
        for index, char in enumerate(brackets):
            if char in b"[{":
                depth += 1
                if depth > MAX_DEPTH:
                    pos = -1
                    for _ in range(index + 1):
                        pos = _next_bracket(structure, pos + 1)
                    raise self._refuse(
                        structure,
                        pos,
                        f"values nested more than {MAX_DEPTH} levels deep (arrays and inline "
                        "tables inside each other)",
                    )
            else:
                depth = max(depth - 1, 0)

    def _items(self, structure: bytes) -> None:
        count = structure.count(b"=") + structure.count(b",") + structure.count(b"[")
        if count > MAX_ITEMS:
            raise StoreError(
                f"{self.path} holds about {count:,} keys and values; a config file holds at most "
                f"{MAX_ITEMS:,} (generated ones about 60). Check that this is the right file",
                "File refused",
            )


_BRACKET = re.compile(rb"[\[\]{}]")


def _next_bracket(text: bytes, pos: int) -> int:
    found = _BRACKET.search(text, pos)
    return found.start() if found else len(text)
