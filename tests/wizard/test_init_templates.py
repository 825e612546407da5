"""The bundled templates' default path runs on an account new to SageMaker (issue 28)."""

from __future__ import annotations

import pytest

from wizard.catalog import load_catalog
from wizard.plan import build_plan
from wizard.templates import TEMPLATES, template_document
from wizard.validation import validate_document

CLOSED = {s.id for s in load_catalog().values() if s.closed_to_new_customers}
CLOSED_STEP_KINDS = {"QualityCheck", "ClarifyCheck"}  # Model Monitor's and Clarify's steps


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_template_chooses_a_service_closed_to_new_customers(name: str) -> None:
    assert "model-monitor" in CLOSED  # tests/wizard/test_catalog.py checks the whole set
    doc = template_document(name)
    chosen = {
        service
        for section in doc.values()
        if isinstance(section, dict)
        for service in section.get("services", [])
    }
    assert not chosen & CLOSED, f"template {name!r} chooses {sorted(chosen & CLOSED)}"


@pytest.mark.parametrize("name", [t for t in TEMPLATES if t != "blank"])
def test_demo_pipelines_have_no_step_of_a_closed_service(name: str) -> None:
    config, problems = validate_document(template_document(name))
    assert config is not None, problems
    kinds = {step.kind for step in build_plan(config)}
    assert not kinds & CLOSED_STEP_KINDS
