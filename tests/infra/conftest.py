"""Fixtures for the infra tests.

moto 5.2.5's ExecuteChangeSet applies the resources but never recomputes the stack's outputs
(CreateStack does, ``Stack._create_output_map``). Real CloudFormation has the outputs once the
change set is executed, so the fixture makes moto do the same; nothing else is changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "sagemaker"))  # the SageMaker fake and its helpers


@pytest.fixture(autouse=True)
def _change_sets_set_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        original(self, change_set_name, stack_name)
        for stack in self.stacks.values():
            if stack.template:
                stack._parse_template()
                stack.output_map = stack._create_output_map()
                for export in stack.exports:
                    self.exports[export.name] = export

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", execute_change_set)
