"""Put a rendered project on disk: the one place the exporter writes.

``write_project`` creates folders and files, never deletes anything, and never replaces a
file whose content differs unless ``force`` is given. It checks every file first and
writes only if nothing would be lost, so a refused export leaves the folder as it was.
Each file is written atomically (a temporary file renamed over it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wizard.errors import WizardError
from wizard.store import atomic_write_text


class ExportConflict(WizardError):
    """Files in the target folder differ from the export and ``force`` was not given."""

    def __init__(self, out_dir: Path, paths: list[str]) -> None:
        listed = ", ".join(paths[:8]) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")
        super().__init__(
            f"{out_dir} already has different versions of: {listed}. Nothing was written. "
            "Choose another --out, or add --force to overwrite them (commit your changes first)",
            "Files would be overwritten",
        )
        self.paths = paths


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What ``write_project`` did, by relative path."""

    out_dir: Path
    created: tuple[str, ...] = ()
    overwritten: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    """Files to copy whose source does not exist (e.g. local input data not found)."""

    @property
    def written(self) -> tuple[str, ...]:
        return tuple(sorted(self.created + self.overwritten))

    def summary(self) -> str:
        parts = [
            f"{len(items)} {label}"
            for label, items in (
                ("created", self.created),
                ("overwritten", self.overwritten),
                ("unchanged", self.unchanged),
            )
            if items
        ]
        return f"{self.out_dir}: " + (", ".join(parts) or "nothing to write")


def write_project(
    out_dir: str | os.PathLike[str],
    files: Mapping[str, str],
    *,
    copies: Mapping[str, str | os.PathLike[str]] | None = None,
    force: bool = False,
) -> WriteReport:
    """Write ``files`` (relative path -> text) and ``copies`` (relative path -> source file)
    under ``out_dir``. Raises ``ExportConflict`` (and writes nothing) if a file exists with
    different content and ``force`` is false."""
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise WizardError(f"{root} exists and is not a folder; choose another --out")
    sources = {path: Path(source) for path, source in (copies or {}).items()}
    for relative in [*files, *sources]:
        _check_relative(relative)

    created: list[str] = []
    overwritten: list[str] = []
    unchanged: list[str] = []
    missing: list[str] = []
    to_write: dict[str, str] = {}
    to_copy: dict[str, Path] = {}
    for relative, text in files.items():
        state = _state(root / relative, text.encode("utf-8"))
        if state != "same":
            to_write[relative] = text
        _record(state, relative, created, overwritten, unchanged)
    for relative, source in sources.items():
        if not source.is_file():
            missing.append(relative)
            continue
        target = root / relative
        if target.exists() and target.is_file() and os.path.samefile(source, target):
            unchanged.append(relative)
            continue
        state = _state(target, source.read_bytes())
        if state != "same":
            to_copy[relative] = source
        _record(state, relative, created, overwritten, unchanged)

    if overwritten and not force:
        raise ExportConflict(root, sorted(overwritten))
    for relative, text in to_write.items():
        target = root / relative
        atomic_write_text(target, text)
        if text.startswith("#!"):
            target.chmod(0o755)
    for relative, source in to_copy.items():
        _atomic_copy(source, root / relative)
    return WriteReport(
        root,
        created=tuple(sorted(created)),
        overwritten=tuple(sorted(overwritten)),
        unchanged=tuple(sorted(unchanged)),
        missing=tuple(sorted(missing)),
    )


def _check_relative(relative: str) -> None:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in relative:
        raise WizardError(f"refusing to write {relative!r}: not a path inside the project")


def _state(target: Path, content: bytes) -> str:
    """``new``, ``same`` or ``different``."""
    if not target.exists():
        return "new"
    if not target.is_file():
        raise WizardError(f"{target} exists and is not a file; move it away and export again")
    return "same" if target.read_bytes() == content else "different"


def _record(
    state: str, relative: str, created: list[str], overwritten: list[str], unchanged: list[str]
) -> None:
    {"new": created, "different": overwritten, "same": unchanged}[state].append(relative)


def _atomic_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
