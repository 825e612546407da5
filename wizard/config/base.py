"""The base of every config table: unknown keys rejected, the services of a stage checked
against the catalog, and ``FieldError`` for rules that name the field to change."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..catalog import load_catalog


class FieldError(ValueError):
    """Raised by a model-level rule to name the field the user should change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Section(BaseModel):
    """Base of every table of the config: unknown keys are rejected by name."""

    # defer_build: schemas are built on first use, which keeps `import` fast (bench_startup)
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, defer_build=True
    )


class StageSection(Section):
    """A stage table: the services chosen for it plus the stage's parameters."""

    STAGE: ClassVar[str] = ""  # set by each subclass
    services: list[str] = Field(default_factory=list)

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: list[str]) -> list[str]:
        catalog = load_catalog()
        stage = cls.STAGE
        valid = [s.id for s in catalog.values() if stage in s.stages]
        for service in value:
            if service not in valid:
                raise ValueError(
                    f"{service!r} is not a service of this stage; choose from: {', '.join(valid)}"
                )
        if len(set(value)) != len(value):
            raise ValueError("a service is listed twice; list each one once")
        return value
