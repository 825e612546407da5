"""Regenerating a project without losing the person's edits (what copier's ``update`` does).

Every export records what it generated in ``<project>/.sm-wizard/generated.json``: per file,
the generated text (the merge base for the next export) and its sha256, plus the answers it
was generated from. The next export compares each file on disk with that record: a file the
person has not touched takes the new rendering; an edited one is merged three ways
(base = last generated, yours = the file on disk, new = the new rendering) by a kept tool,
``git merge-file`` when git is installed, else the ``merge3`` library (a maintained diff3).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECORD_PATH = ".sm-wizard/generated.json"
"""The generation record, relative to the project folder."""
RECORD_FORMAT = 1
YOURS_LABEL = "yours"
BASE_LABEL = "last export"
NEW_LABEL = "new export"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Merged:
    text: str
    conflicts: int
    """How many conflicting regions the text holds (each between standard markers)."""
    tool: str


def merge_three(base: str, yours: str, new: str, *, tool: str | None = None) -> Merged:
    """Merge ``yours`` and ``new``, both changed from ``base``.

    ``tool`` is ``"git"`` or ``"merge3"``; by default git when it is on PATH. Conflicts come
    back as ``<<<<<<< yours`` / ``=======`` / ``>>>>>>> new export`` blocks.
    """
    chosen = tool or ("git" if shutil.which("git") else "merge3")
    if chosen == "git":
        return _git_merge(base, yours, new)
    if chosen == "merge3":
        return _merge3(base, yours, new)
    raise ValueError(f"unknown merge tool {tool!r}")


def _git_merge(base: str, yours: str, new: str) -> Merged:
    git = shutil.which("git")
    if git is None:
        raise RuntimeError("git is not on PATH")
    with tempfile.TemporaryDirectory(prefix="sm-wizard-merge-") as folder:
        paths = []
        for name, text in (("yours", yours), ("base", base), ("new", new)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        done = subprocess.run(
            [git, "merge-file", "-p", "-L", YOURS_LABEL, "-L", BASE_LABEL, "-L", NEW_LABEL, *paths],
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull},
        )
    # git merge-file exits with the number of conflicts (capped at 127), negative on error
    if done.returncode < 0 or done.returncode > 127:
        raise RuntimeError(f"git merge-file failed: {done.stderr.decode(errors='replace')}")
    return Merged(done.stdout.decode("utf-8"), done.returncode, "git")


def _merge3(base: str, yours: str, new: str) -> Merged:
    import merge3

    merger = merge3.Merge3(
        base.splitlines(keepends=True),
        yours.splitlines(keepends=True),
        new.splitlines(keepends=True),
    )
    conflicts = sum(1 for region in merger.merge_regions() if region[0] == "conflict")
    lines = list(merger.merge_lines(name_a=YOURS_LABEL, name_b=NEW_LABEL))
    # a conflict block must start on its own line even if the side before it has no newline
    text = "".join(
        line if line.endswith("\n") or i == len(lines) - 1 else line + "\n"
        for i, line in enumerate(lines)
    )
    return Merged(text, conflicts, "merge3")


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True, slots=True)
class GenerationRecord:
    """What an export generated: per file the text (``None`` for copied data) and sha256."""

    texts: Mapping[str, str | None]
    hashes: Mapping[str, str]
    answers: Mapping[str, Any]

    def base(self, relative: str) -> str | None:
        """The text generated last time for ``relative``, if it matches its recorded hash."""
        text = self.texts.get(relative)
        if text is None or sha256(text.encode("utf-8")) != self.hashes.get(relative):
            return None
        return text

    def to_json(self) -> str:
        files = {
            path: {"sha256": self.hashes[path]}
            | ({"text": text} if text is not None else {"copied": True})
            for path, text in sorted(self.texts.items())
        }
        doc = {
            "format": RECORD_FORMAT,
            "generator": "sm-wizard",
            "note": "written by sm-wizard export: the base it merges your edits with on the "
            "next export. Keep it with the project; do not edit it.",
            "answers": self.answers,
            "files": files,
        }
        return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


EMPTY_RECORD = GenerationRecord({}, {}, {})


def load_record(root: Path) -> tuple[GenerationRecord, str | None]:
    """The project's generation record, and a warning if one exists but cannot be used."""
    path = root / RECORD_PATH
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return EMPTY_RECORD, None
    except OSError as exc:
        return EMPTY_RECORD, f"{path}: cannot read it ({exc.strerror})"
    try:
        doc = json.loads(raw.decode("utf-8"))
        if doc.get("format") != RECORD_FORMAT or not isinstance(doc.get("files"), dict):
            raise ValueError("unknown format")
        texts: dict[str, str | None] = {}
        hashes: dict[str, str] = {}
        for relative, entry in doc["files"].items():
            text = entry.get("text")
            digest = entry.get("sha256")
            if not isinstance(digest, str) or not (text is None or isinstance(text, str)):
                raise ValueError(f"bad entry for {relative}")
            texts[relative], hashes[relative] = text, digest
        answers = doc.get("answers") if isinstance(doc.get("answers"), dict) else {}
    except (ValueError, UnicodeDecodeError, AttributeError) as exc:
        return EMPTY_RECORD, (
            f"{path} is damaged ({exc}); without it, files that differ from the new export "
            "cannot be merged and are not replaced without --force"
        )
    return GenerationRecord(texts, hashes, answers), None
