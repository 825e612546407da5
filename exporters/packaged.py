"""The files sm-wizard ships in ``exporters/templates/``, and the error an export raises.

A leaf of ``exporters``: the render, the CloudFormation of the Lambda front and ``verify``
all read packaged files by these names, and ``read_verbatim`` copies one byte for byte (a
missing one means a broken installation, said as such).
"""

from __future__ import annotations

from pathlib import Path

from wizard.errors import WizardError

TEMPLATES_DIR = Path(__file__).parent / "templates"
CODE_DIR = TEMPLATES_DIR / "code"
"""The step scripts (``prepare.py``, ``train.py``...), copied byte for byte into ``code/``."""
OFFLINE_HARNESS = TEMPLATES_DIR / "scaffold" / "tests" / "offline.py"
"""Builds a project's definition with no AWS; the scaffold's tests and ``verify`` share it."""
AWS_SHAPES = TEMPLATES_DIR / "scaffold" / "tests" / "aws_shapes.py"
"""Checks a definition against botocore's SageMaker model; shared the same way."""


LAMBDA_HANDLER = "lambda/handler.py"
SERVING_CODE = ("inference.py", "serving.py", "rowfixes.py")
"""The serving code every export ships in code/: the serving container's entry point, what
it does with a request, and the row fixes prepare.py shares with it."""


class ExportError(WizardError):
    """The export cannot be produced (a packaging defect or an unusable value)."""


def read_verbatim(path: Path) -> str:
    """A packaged file's exact text (line endings kept, so the copy is byte-identical)."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ExportError(
            f"{path.name} is missing from sm-wizard's templates ({path.parent}); "
            "the installation is incomplete",
            "Incomplete installation",
        ) from None
