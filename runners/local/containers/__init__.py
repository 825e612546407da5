"""Local stand-ins for the containers AWS runs that are not the project's own code.

The built-in XGBoost algorithm, a batch transform's serving container, Model Monitor's
baselining job and Clarify's bias job. Each module is a standalone script (it imports
nothing from sm_wizard) that the local engine runs as a subprocess, as SageMaker would run
the container, with the same folder layout and file formats.
"""

from pathlib import Path

CONTAINERS_DIR = Path(__file__).resolve().parent


def container_script(name: str) -> Path:
    """The file of a stand-in: ``xgboost_algorithm``, ``batch_transform``, ..."""
    return CONTAINERS_DIR / f"{name}.py"
