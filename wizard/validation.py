"""Turn a config document (a dict from TOML, or from the wizard's forms) into a
``WizardConfig`` or a list of ``Problem``s, each naming its field by TOML path.

The same function serves ``sm-wizard validate``, the loader, and the TUI (which maps each
problem's path to the form field that shows it inline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from .config import SECTION_MODELS, FieldError, Section, WizardConfig
from .errors import ConfigError


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    """TOML path of the field at fault, e.g. ``training.instance_type`` or
    ``tuning.ranges[0].min_value``; a section name when the rule spans the section."""
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0].split("[", 1)[0]


def _toml_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            if parts:
                parts[-1] += f"[{item}]"
            else:
                parts.append(f"[{item}]")
        elif isinstance(item, str) and "[" not in item and "function-after" not in item:
            parts.append(item)
    return ".".join(parts)


_TYPE_HINTS = {
    "int_type": "expected a whole number, e.g. 3",
    "int_parsing": "expected a whole number, e.g. 3",
    "int_from_float": "expected a whole number, e.g. 3",
    "float_type": "expected a number, e.g. 0.5",
    "float_parsing": "expected a number, e.g. 0.5",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": 'expected text in quotes, e.g. "value"',
    "list_type": 'expected a list, e.g. ["a", "b"]',
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
}


def _message(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required but missing; add it"
    if kind == "extra_forbidden":
        field = error["loc"][-1] if error["loc"] else "?"
        return f"unknown key {field!r}; remove it or check its spelling"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{error['input']!r} is not allowed; use one of: {expected}"
    if kind in _TYPE_HINTS:
        return f"{_TYPE_HINTS[kind]} (got {error['input']!r})"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{error['msg'].lower()} (got {error['input']!r})"
    if kind in ("string_too_long", "too_long"):
        return f"{error['msg'].lower()}; shorten it"
    if kind == "union_tag_invalid" or kind.startswith("union"):
        return "expected a number, true/false or short text"
    del model
    return str(error["msg"])


def problems_from_validation_error(
    exc: ValidationError, model: type[BaseModel], prefix: str = ""
) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        path = _toml_path(tuple(error["loc"]))
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, FieldError):
            path = ".".join(p for p in (path, cause.field) if p)
        # unions report one error per member type; keep the first per path
        if error["type"] in _TYPE_HINTS and any(p.path == path for p in problems):
            continue
        full = ".".join(p for p in (prefix, path) if p)
        message = _message(error, model)
        if (full, message) not in seen:
            seen.add((full, message))
            problems.append(Problem(full, message))
    return problems


def validate_section(section: str, data: Any) -> tuple[Section | None, list[Problem]]:
    """Validate one table; the TUI calls this as the user edits a stage."""
    model = SECTION_MODELS[section]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, model, prefix=section)


def validate_document(doc: Any) -> tuple[WizardConfig | None, list[Problem]]:
    """Validate a whole document: every section, then the rules between sections."""
    if not isinstance(doc, dict):
        return None, [Problem("", "the file must be a TOML document of tables")]
    problems: list[Problem] = []
    version = doc.get("schema_version")
    if version is None:
        problems.append(Problem("schema_version", "is missing; add schema_version = 1 at the top"))
    elif version != 1 or isinstance(version, bool):
        problems.append(
            Problem(
                "schema_version",
                f"{version!r} is not a schema this sm-wizard reads; it reads schema_version = 1",
            )
        )
    known = {"schema_version", *SECTION_MODELS}
    for key in doc:
        if key not in known:
            problems.append(
                Problem(
                    str(key),
                    f"unknown table or key {key!r}; valid tables: {', '.join(SECTION_MODELS)}",
                )
            )
    for section in SECTION_MODELS:
        data = doc.get(section)
        if data is None:
            if section in ("project", "data_collection"):
                problems.append(Problem(section, f"the [{section}] table is missing; add it"))
            continue
        _, section_problems = validate_section(section, data)
        problems.extend(section_problems)
    if problems:
        return None, problems
    try:
        config = WizardConfig.model_validate(doc)
    except ValidationError as exc:  # defensive: sections passed, so only top-level remains
        return None, problems_from_validation_error(exc, WizardConfig)
    cross = [Problem(c.path, c.message) for c in config.cross_check()]
    if cross:
        return None, cross
    return config, []


def validate_or_raise(doc: Any) -> WizardConfig:
    config, problems = validate_document(doc)
    if config is None:
        raise ConfigError(problems)
    return config
