"""Step caching, as SageMaker Pipelines does it: same step, same arguments, same inputs.

SageMaker reuses a step's earlier successful result when the step's definition (its code,
container, arguments, hyperparameters...) and its inputs have not changed and the entry has
not expired (``CacheConfig.ExpireAfter``). Here the *key* is a SHA-256 over:

  * the step's name and kind;
  * the bytes of the code it runs (the project's script, or the local stand-in container);
  * its arguments and kind-specific settings, and the pipeline parameters it reads;
  * a digest of every input's content (upstream outputs, the raw data file).

The index lives in ``<runs folder>/.cache/<pipeline>/<step>/<key>.json`` and points at the
run folder that produced the result; a hit links those outputs into the new run.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20
_DURATION_RE = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_iso_duration(text: str) -> timedelta:
    """``P30D``, ``PT12H``, ``P1Y2M``... (a year counts 365 days, a month 30)."""
    match = _DURATION_RE.match(text or "")
    if not match or text in ("P", "PT"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P30D")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("days", 0)
    return timedelta(
        weeks=parts.get("weeks", 0),
        days=days,
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def digest_path(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (their relative names and contents)."""
    path = Path(path)
    hasher = hashlib.sha256()
    if path.is_file():
        files = [(path.name, path)]
    elif path.is_dir():
        files = sorted((p.relative_to(path).as_posix(), p) for p in path.rglob("*") if p.is_file())
    else:
        return "missing"
    for name, file in files:
        hasher.update(name.encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                hasher.update(chunk)
        hasher.update(b"\0")
    return hasher.hexdigest()


def digest_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheEntry:
    key: str
    run_dir: Path
    run_id: str
    created: float


class StepCache:
    """The cache index for one pipeline."""

    def __init__(
        self,
        root: Path,
        pipeline: str,
        *,
        enabled: bool = True,
        expire_after: timedelta | None = None,
    ) -> None:
        self.root = Path(root) / pipeline
        self.enabled = enabled
        self.expire_after = expire_after

    def _entry_path(self, step: str, key: str) -> Path:
        return self.root / step / f"{key}.json"

    def lookup(self, step: str, key: str) -> CacheEntry | None:
        if not self.enabled:
            return None
        path = self._entry_path(step, key)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        created = float(data.get("created", 0))
        if self.expire_after is not None and time.time() - created > (
            self.expire_after.total_seconds()
        ):
            return None
        return CacheEntry(key, Path(data["run_dir"]), str(data.get("run_id", "")), created)

    def store(self, step: str, key: str, run_dir: Path, run_id: str) -> None:
        if not self.enabled:
            return
        path = self._entry_path(step, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{run_id}.tmp")
        tmp.write_text(
            json.dumps({"run_dir": str(run_dir), "run_id": run_id, "created": time.time()})
        )
        tmp.replace(path)

    def forget(self, step: str, key: str) -> None:
        self._entry_path(step, key).unlink(missing_ok=True)
