"""Put a rendered project on disk: the one place the exporter writes.

``write_project`` creates folders and files and never deletes anything. Re-exporting into a
project it wrote before uses the generation record (``merge.RECORD_PATH``): a file you have
not touched takes the new rendering; a file you edited is merged three ways with the new
rendering (clean merges are written, conflicts are written with standard markers and
listed); a file it has no record of and that differs is not replaced unless ``force``, and
then nothing at all is written. ``dry_run`` returns the same report, with a unified diff per
changed file, and writes nothing.

Every path is checked to stay inside the folder: symbolic links inside it are refused, never
written through. Local data is copied only into the project's ``data/`` folder and never over
a generated file. Files are written 0644 (0755 for scripts with a ``#!`` line), all or
nothing (``staging.py``): a new project is built in a temporary folder renamed into place; in
an existing one every file is written beside its target first and renamed over it only when
all are written, so a full disk leaves the old project and its record as they were.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from wizard.errors import WizardError

from .merge import (
    RECORD_PATH,
    YOURS_LABEL,
    GenerationRecord,
    load_record,
    merge_three,
    sha256,
)
from .staging import FILE_MODE, write_files, write_fresh

DATA_FOLDER = "data"
"""Local input data is copied into this folder of the project, nowhere else."""
SCRIPT_MODE = 0o755
CONFLICT_START = f"<<<<<<< {YOURS_LABEL}\n".encode()


class ExportConflict(WizardError):
    """Files in the target folder differ from the export, the record cannot tell whether they
    were edited, and ``force`` was not given."""

    def __init__(self, out_dir: Path, paths: list[str]) -> None:
        listed = _listed(paths)
        super().__init__(
            f"{out_dir} already has different versions of: {listed}, and no record of an earlier "
            "export to merge them with. Nothing was written. Choose another --out, or add "
            "--force to overwrite them (commit your changes first)",
            "Files would be overwritten",
        )
        self.paths = paths


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What ``write_project`` did (or, with ``dry_run``, would do), by relative path."""

    out_dir: Path
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    """Files you had not edited, replaced by the new rendering."""
    merged: tuple[str, ...] = ()
    """Files you had edited, merged cleanly with the new rendering."""
    conflicts: tuple[str, ...] = ()
    """Files you had edited where the new rendering changes the same lines: written with
    ``<<<<<<<`` / ``=======`` / ``>>>>>>>`` markers around both versions."""
    overwritten: tuple[str, ...] = ()
    """Files that differed and were replaced because ``force`` was given."""
    unchanged: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    """Files you edited where the new rendering changes nothing: left as you wrote them, and
    data copies you changed (data is never merged; ``force`` replaces it)."""
    missing: tuple[str, ...] = ()
    """Files to copy whose source does not exist (e.g. local input data not found)."""
    stale: tuple[str, ...] = ()
    """Files an earlier export generated that this one does not: left in place."""
    diffs: Mapping[str, str] | None = None
    """With ``dry_run``: a unified diff per file that would change."""
    warnings: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def written(self) -> tuple[str, ...]:
        return tuple(
            sorted(self.created + self.updated + self.merged + self.conflicts + self.overwritten)
        )

    def summary(self) -> str:
        parts = [
            f"{len(items)} {label}"
            for label, items in (
                ("created", self.created),
                ("updated", self.updated),
                ("merged", self.merged),
                ("with conflicts", self.conflicts),
                ("overwritten", self.overwritten),
                ("unchanged", self.unchanged),
                ("kept as you edited them", self.kept),
            )
            if items
        ]
        prefix = (
            f"{self.out_dir} (dry run, nothing written): " if self.dry_run else f"{self.out_dir}: "
        )
        return prefix + (", ".join(parts) or "nothing to write")


def default_out_dir(config_path: Path | None, project_name: str) -> Path:
    """Where a project is exported by default: the folder of its config file when that
    folder is already an export (it holds a generation record), else a folder named after
    the project next to the config file (the working folder when there is no file)."""
    if config_path is not None:
        folder = Path(config_path).parent
        if (folder / RECORD_PATH).is_file():
            return folder
        return folder / (project_name or "sm-wizard-project")
    return Path.cwd() / (project_name or "sm-wizard-project")


ANSWERS_FILE = "wizard.toml"


def keep_answers_file(
    files: Mapping[str, str], out_dir: str | os.PathLike[str], config_file: Path | None
) -> dict[str, str]:
    """``files`` with the project's ``wizard.toml`` left as it is on disk when that file is
    the config being exported (exporting a project in place): it *is* the answers, with the
    person's comments, and re-rendering it in canonical form would only fight their edits."""
    files = dict(files)
    target = Path(out_dir) / ANSWERS_FILE
    if config_file is None or ANSWERS_FILE not in files:
        return files
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if target.is_file() and not target.is_symlink() and target.samefile(config_file):
            files[ANSWERS_FILE] = target.read_bytes().decode("utf-8")
    return files


@dataclass
class _Plan:
    """What to put where: relative path -> text (rendered) or source file (copied)."""

    texts: dict[str, str]
    copies: dict[str, Path]


def write_project(
    out_dir: str | os.PathLike[str],
    files: Mapping[str, str],
    *,
    copies: Mapping[str, str | os.PathLike[str]] | None = None,
    force: bool = False,
    answers: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    merge_tool: str | None = None,
) -> WriteReport:
    """Write ``files`` (relative path -> text) and ``copies`` (relative path -> source file)
    under ``out_dir``, merging with your edits as described above, then record what was
    generated (with ``answers``). Raises ``ExportConflict`` (and writes nothing) if a file
    differs with nothing to merge it with and ``force`` is false; ``WizardError`` for a path
    that is unsafe or a folder that cannot be written."""
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise WizardError(f"{root} exists and is not a folder; choose another --out")
    sources = {path: Path(source) for path, source in (copies or {}).items()}
    for relative in [*files, *sources, RECORD_PATH]:
        _check_relative(relative)
    _check_copies(files, sources)
    real_root = root.resolve()
    for relative in [*files, *sources, RECORD_PATH]:
        _check_no_links(root, real_root, relative)

    record, warning = load_record(root)
    warnings = [warning] if warning else []
    lists: dict[str, list[str]] = {
        k: []
        for k in (
            "created",
            "updated",
            "merged",
            "conflicts",
            "overwritten",
            "unchanged",
            "kept",
            "missing",
        )
    }
    todo = _Plan({}, {})
    refused: list[str] = []
    hashes: dict[str, str] = {}
    for relative, text in files.items():
        new = text.encode("utf-8")
        hashes[relative] = sha256(new)
        outcome, content = _decide(root / relative, relative, text, record, force, merge_tool)
        if outcome == "kept" and CONFLICT_START in _read(root / relative):
            warnings.append(f"{relative} still has conflict markers from an earlier export")
        lists.setdefault(outcome, []).append(relative)
        if outcome == "refused":
            refused.append(relative)
        elif content is not None:
            todo.texts[relative] = content
    for relative, source in sources.items():
        if not source.is_file():
            lists["missing"].append(relative)
            continue
        target = root / relative
        if target.is_file() and os.path.samefile(source, target):
            lists["unchanged"].append(relative)
            hashes[relative] = sha256(target.read_bytes())
            continue
        data = source.read_bytes()
        hashes[relative] = sha256(data)
        if not target.exists():
            lists["created"].append(relative)
            todo.copies[relative] = source
            continue
        current = _read(target)
        if current == data:
            lists["unchanged"].append(relative)
        elif force:
            lists["overwritten"].append(relative)
            todo.copies[relative] = source
        elif record.hashes.get(relative) == sha256(current):
            lists["updated"].append(relative)
            todo.copies[relative] = source
        elif relative in record.hashes:
            lists["kept"].append(relative)
            hashes[relative] = record.hashes[relative]
        else:
            refused.append(relative)

    if refused:
        raise ExportConflict(root, sorted(refused))
    stale = sorted(set(record.hashes) - set(files) - set(sources))
    diffs = None
    if dry_run:
        diffs = {
            relative: _diff(root / relative, relative, content)
            for relative, content in sorted(todo.texts.items())
        }
        diffs.update(
            {
                relative: f"--- {relative}\n+++ {relative}\nBinary or data file: replaced by a "
                f"copy of {source}\n"
                for relative, source in todo.copies.items()
            }
        )
    else:
        texts: dict[str, str | None] = {
            **dict(files),
            **dict.fromkeys(h for h in hashes if h not in files),
        }
        for old in stale:  # still yours to delete; keep its base in case it comes back
            texts[old] = record.texts.get(old)
            hashes[old] = record.hashes[old]
        new = GenerationRecord(texts, hashes, dict(answers or record.answers))
        _write_all(root, todo, new, record)
    return WriteReport(
        root,
        **{k: tuple(sorted(v)) for k, v in lists.items() if k != "refused"},
        stale=tuple(stale),
        diffs=diffs,
        warnings=tuple(warnings),
        dry_run=dry_run,
    )


def _decide(
    target: Path,
    relative: str,
    text: str,
    record: GenerationRecord,
    force: bool,
    merge_tool: str | None,
) -> tuple[str, str | None]:
    """(outcome, text to write or None) for one rendered file."""
    if not target.exists():
        return "created", text
    current = _read(target)
    if current == text.encode("utf-8"):
        return "unchanged", None
    if force:
        return "overwritten", text
    base = record.base(relative)
    if base is None:
        return "refused", None
    if current == base.encode("utf-8"):
        return "updated", text
    try:
        yours = current.decode("utf-8")
    except UnicodeDecodeError:
        return "refused", None
    merged = merge_three(base, yours, text, tool=merge_tool)
    if merged.text == yours:
        return "kept", None
    return ("conflicts" if merged.conflicts else "merged"), merged.text


def _read(target: Path) -> bytes:
    if not target.is_file():
        raise WizardError(f"{target} exists and is not a file; move it away and export again")
    try:
        return target.read_bytes()
    except OSError as exc:
        raise WizardError(
            f"{target}: cannot read it ({exc.strerror}); fix its permissions or choose another "
            "--out"
        ) from None


def _diff(target: Path, relative: str, new: str) -> str:
    old = target.read_text("utf-8", errors="replace") if target.exists() else ""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{relative}" if target.exists() else "/dev/null",
            tofile=f"b/{relative}",
        )
    )


def _listed(paths: list[str]) -> str:
    return ", ".join(paths[:8]) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")


def _check_relative(relative: str) -> None:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in relative:
        raise WizardError(f"refusing to write {relative!r}: not a path inside the project")


def _check_copies(files: Mapping[str, str], sources: Mapping[str, Path]) -> None:
    """Data goes into ``data/`` only, and never where a generated file (or folder) is."""
    generated_dirs = {p for path in files for p in map(str, PurePosixPath(path).parents)}
    for relative in sources:
        if relative in files or relative in generated_dirs:
            raise WizardError(
                f"data_collection.input_uri {relative!r}: copying the data there would replace "
                f"the generated {relative}. Keep local data in the {DATA_FOLDER}/ folder, e.g. "
                f'input_uri = "{DATA_FOLDER}/{PurePosixPath(relative).stem}.csv"',
                "Data would replace a generated file",
            )
        clash = next((p for p in PurePosixPath(relative).parents if str(p) in files), None)
        if clash is not None:
            raise WizardError(
                f"data_collection.input_uri {relative!r} needs a folder where the generated "
                f"{clash} is; keep local data in the {DATA_FOLDER}/ folder",
                "Data would replace a generated file",
            )
        if PurePosixPath(relative).parts[0] != DATA_FOLDER:
            raise WizardError(
                f"data_collection.input_uri {relative!r} is outside the {DATA_FOLDER}/ folder: "
                f"the export copies local data only into the project's {DATA_FOLDER}/ folder. "
                f"Move the file to {DATA_FOLDER}/{PurePosixPath(relative).name} and set "
                f'input_uri = "{DATA_FOLDER}/{PurePosixPath(relative).name}"',
                "Data outside the data folder",
            )


def _check_no_links(root: Path, real_root: Path, relative: str) -> None:
    """Refuse a symbolic link anywhere between the project folder and the file, and any
    path that would resolve outside the folder."""
    current = root
    for part in PurePosixPath(relative).parts:
        current = current / part
        if current.is_symlink():
            raise WizardError(
                f"{current} is a symbolic link (to {os.readlink(current)}); the export does not "
                "write through links. Remove the link (or choose another --out) and export again",
                "Symbolic link in the project",
            )
        if not current.exists():
            break
    if not (real_root / relative).resolve().is_relative_to(real_root):
        raise WizardError(f"refusing to write {relative!r}: it resolves outside {root}")


def _mode_for(text: str | None, target: Path) -> int:
    if text is not None and text.startswith("#!"):
        return SCRIPT_MODE
    with contextlib.suppress(OSError):
        if target.stat().st_mode & 0o100:  # you made it executable: keep it so
            return SCRIPT_MODE
    return FILE_MODE


def _write_all(
    root: Path, todo: _Plan, record: GenerationRecord, previous: GenerationRecord
) -> None:
    """Write the planned files and ``record`` all or nothing (``staging.py``): into a
    temporary folder renamed into place when the project is new, else each file beside its
    target, renamed over it once every one is written."""
    contents: dict[str, tuple[bytes | Path, int]] = {
        relative: (text.encode("utf-8"), _mode_for(text, root / relative))
        for relative, text in todo.texts.items()
    }
    contents.update({relative: (source, FILE_MODE) for relative, source in todo.copies.items()})

    def record_for(done: Set[str]) -> str:
        """The record of the files in ``done`` written anew and the others as they were."""
        texts, hashes = dict(record.texts), dict(record.hashes)
        for relative in set(contents) - set(done):
            if relative in previous.hashes:
                texts[relative] = previous.texts.get(relative)
                hashes[relative] = previous.hashes[relative]
            else:
                texts.pop(relative, None)
                hashes.pop(relative, None)
        return GenerationRecord(texts, hashes, record.answers).to_json()

    if root.exists():
        write_files(root, contents, RECORD_PATH, record_for)
    else:
        write_fresh(
            root,
            lambda folder: write_files(
                folder, contents, RECORD_PATH, record_for, fresh=True, shown=root
            ),
        )
