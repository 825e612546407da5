"""What the data checks found: the problems by TOML path, and the data profile the
data-collection screen shows (``wizard.datacheck`` fills them in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .datareport import DataQualityReport
from .datasample import ColumnProfile, file_size_text
from .validation import Problem


@dataclass(frozen=True, slots=True)
class DataProfile:
    """What the data-collection screen shows about the input file."""

    file: Path
    file_bytes: int
    rows: int
    """Rows in the file (exact, or estimated from the sample when ``sampled``)."""
    exact_rows: bool
    sample_rows: int
    sampled: bool
    columns: tuple[ColumnProfile, ...]
    target: str | None
    classes: dict[str, int] = field(default_factory=dict)
    """Rows per target value, for classification (in the sample)."""
    files: int = 1
    medians: dict[str, float] = field(default_factory=dict)
    """Medians in the sample, for the bias check's defaults: the bias facet's (when it is
    numeric with more than ``datacheck.FACET_GROUPS_MAX`` values) and a regression target's."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def lines(self) -> list[str]:
        """The profile in words, a line per fact (``sampled`` figures say so)."""
        how = (
            f"about {self.rows:,} rows (estimated from a sample of {self.sample_rows:,})"
            if not self.exact_rows
            else f"{self.rows:,} rows"
            + (f" (first {self.sample_rows:,} read)" if self.sampled else "")
        )
        out = [
            f"{self.file.name}: {file_size_text(self.file_bytes)}, {how}, {len(self.columns):,} columns"
            + (
                f"; {self.files} files in the folder, only the first was read"
                if self.files > 1
                else ""
            )
        ]
        kinds: dict[str, int] = {}
        for column in self.columns:
            kinds[column.kind] = kinds.get(column.kind, 0) + 1
        out.append("Types: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        total = max(1, self.sample_rows)
        gaps = sorted(
            ((c.missing / total, c.name) for c in self.columns if c.missing), reverse=True
        )
        if gaps:
            shown = ", ".join(f"{name} {share:.0%}" for share, name in gaps[:4])
            more = f" and {len(gaps) - 4} more" if len(gaps) > 4 else ""
            out.append(f"Missing values: {shown}{more}")
        else:
            out.append("Missing values: none")
        if self.classes:
            labelled = max(1, sum(self.classes.values()))
            shown = ", ".join(
                f"{label} {count / labelled:.0%}" for label, count in list(self.classes.items())[:6]
            )
            more = f" (+{len(self.classes) - 6} more)" if len(self.classes) > 6 else ""
            out.append(f"Class balance of {self.target}: {shown}{more}")
        if self.sampled:
            out.append("Figures from a sample of the file (the header and the first rows).")
        return out


@dataclass
class DataReport:
    problems: list[Problem] = field(default_factory=list)
    profile: DataProfile | None = None
    quality: DataQualityReport | None = None
    """The data quality report (``wizard.datareport``), when the data could be read and
    fits the answers."""
    checked: bool = False
    """True when the data was read (or probed on S3)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, severity="warning"))
