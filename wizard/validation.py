"""Turn a config document (a dict from TOML, or from the wizard's forms) into a
``WizardConfig`` or a list of ``Problem``s, each naming its field by TOML path.

The same function serves ``sm-wizard validate``, the loader, and the TUI (which maps each
problem's path to the form field that shows it inline). The checks that read the data live
in ``wizard.datacheck``; ``wizard.check`` runs both for ``validate`` and Review.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from .config import SECTION_MODELS, WizardConfig
from .config.base import FieldError, Section
from .config.crosscheck import cross_check
from .echo import capped_message
from .errors import ConfigError, WizardError
from .plan import build_plan
from .regions import (
    IMAGE_SPECS,
    images_for_plan,
    load_region_table,
    missing_images,
    regions_with,
)


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    """TOML path of the field at fault, e.g. ``training.instance_type`` or
    ``tuning.ranges[0].min_value``; a section name when the rule spans the section."""
    message: str
    severity: Literal["error", "warning"] = "error"
    """Errors stop an export or a run; warnings are worth reading but do not."""

    def __post_init__(self) -> None:
        # the one cap on what a problem echoes (see wizard.echo)
        object.__setattr__(self, "message", capped_message(self.message))

    def __str__(self) -> str:
        """One line, whatever the user typed: control characters (a carriage return in a
        path would overwrite the line on a terminal) are shown escaped."""
        text = f"{self.path}: {self.message}" if self.path else self.message
        return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

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


def shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it: ``repr``, cut short so a huge input is never echoed."""
    if isinstance(value, dict | list | tuple | set):
        kind = type(value).__name__
        kind = {"dict": "a table", "list": "a list"}.get(kind, f"a {kind}")
        return f"{kind} of {len(value)} item{'s' if len(value) != 1 else ''}"
    text = repr(value)
    return (
        text
        if len(text) <= limit
        else f"{text[: limit - 5]}...{text[-1]} ({len(str(value)):,} characters)"
    )


def _message(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required but missing; add it"
    if kind == "extra_forbidden":
        field = error["loc"][-1] if error["loc"] else "?"
        return f"unknown key {field!r}; remove it or check its spelling"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{shown(error['input'])} is not allowed; use one of: {expected}"
    if kind in _TYPE_HINTS:
        return f"{_TYPE_HINTS[kind]} (got {shown(error['input'])})"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{error['msg'].lower()} (got {shown(error['input'])})"
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


def prepare() -> None:
    """Build every model's validator now. They are built on first use (``defer_build``: a
    quick ``import``); the wizard calls this in a worker while its first screen is read, so
    the first answer checked does not pay for it."""
    for model in (*SECTION_MODELS.values(), WizardConfig):
        model.model_rebuild()


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
    cross = [Problem(c.path, c.message) for c in cross_check(config)]
    if cross:
        return None, cross
    aws = aws_rules(config)
    if aws:
        return None, aws
    return config, []


def aws_rules(config: WizardConfig) -> list[Problem]:
    """Rules AWS applies when the pipeline is built or runs, checked on the Plan: every
    container image it needs exists in the region."""
    region = config.project.region
    if region in regions_with(list(IMAGE_SPECS)):
        return []  # every image exists here: no need to build the Plan
    try:
        plan = build_plan(config)
    except WizardError as exc:
        return [Problem("", exc.message)]
    missing = missing_images(plan, region)
    if not missing:
        return []
    table = load_region_table()
    names = " and ".join(IMAGE_SPECS[m].title for m in missing)
    uses = "; ".join(IMAGE_SPECS[m].why for m in missing)
    near = difflib.get_close_matches(region, regions_with(images_for_plan(plan)), n=2, cutoff=0)
    suggestion = " or ".join(near) or "us-east-1"
    return [
        Problem(
            "project.region",
            f"AWS has no {names} image in {region} (needed for {uses}); choose a region "
            f"that has it, such as {suggestion}, or drop the service that needs it "
            f"(SageMaker SDK image table of {table.as_of})",
        )
    ]


def validate_or_raise(doc: Any) -> WizardConfig:
    config, problems = validate_document(doc)
    if config is None:
        raise ConfigError(problems)
    return config
