"""What the rules produce: a ``Pick`` (a service and why) per service, gathered per stage by
a ``StageBuilder`` into a ``StageRecommendation``."""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Service, services_for_stage


@dataclass(frozen=True, slots=True)
class Pick:
    """One service (a catalog id) and why it is suggested."""

    service: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"service": self.service, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class StageRecommendation:
    """The picks for one stage: what to use, and the other options with why they are second."""

    stage: str
    recommended: tuple[Pick, ...]
    alternatives: tuple[Pick, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "recommended": [p.to_dict() for p in self.recommended],
            "alternatives": [p.to_dict() for p in self.alternatives],
        }


def _fallback_reason(service: Service) -> str:
    return f"Not needed for your answers. When to choose it: {service.choose_when}"


class StageBuilder:
    """Collects the picks of one stage; every catalog service of the stage ends up exactly once.

    ``recommend`` wins over ``alternative`` whatever the call order; the first reason given for a
    service is kept. Insertion-ordered dicts keep the output deterministic.
    """

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._catalog = {s.id: s for s in services_for_stage(stage)}
        self._recommended: dict[str, str] = {}
        self._alternatives: dict[str, str] = {}

    def _check(self, service: str) -> None:
        if service not in self._catalog:  # a defect in the rules, not a user mistake
            raise ValueError(f"{service!r} is not a catalog service of stage {self.stage!r}")

    def recommend(self, service: str, reason: str) -> None:
        self._check(service)
        closed = self._catalog[service]
        if closed.closed_to_new_customers is not None:
            # Closed to new customers (the catalog cites AWS's page): an alternative for
            # accounts that already use it, never a recommendation.
            self.alternative(
                service,
                f"{reason} AWS no longer opens {closed.name} to new customers: if your "
                f"account does not use it yet, use {closed.instead} instead.",
            )
            return
        self._alternatives.pop(service, None)
        self._recommended.setdefault(service, reason)

    def alternative(self, service: str, reason: str) -> None:
        self._check(service)
        if service not in self._recommended:
            self._alternatives.setdefault(service, reason)

    def build(self) -> StageRecommendation:
        """Recommended and rule-given alternatives in rule order, then the services no rule
        mentioned, in catalog order, with a reason taken from the catalog."""
        unmentioned = tuple(
            Pick(sid, _fallback_reason(service))
            for sid, service in self._catalog.items()
            if sid not in self._recommended and sid not in self._alternatives
        )
        return StageRecommendation(
            self.stage,
            tuple(Pick(sid, reason) for sid, reason in self._recommended.items()),
            tuple(Pick(sid, reason) for sid, reason in self._alternatives.items()) + unmentioned,
        )
