"""Starting configs for ``sm-wizard init``: ``demo``, ``regression-demo``, ``text-demo`` and
``blank``.

The demos are complete and valid and point at a small dataset shipped with the package,
written next to the config as CSV, so they run on the local engine with no network: two of
scikit-learn's, and for ``text-demo`` a made set of support tickets with free text
(``scripts/make_text_demo.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import SCHEMA_VERSION
from .errors import WizardError
from .store import atomic_write_text

TEMPLATES = ("demo", "regression-demo", "text-demo", "blank")
DATA_DIR = "data"


def _demo_sections(data_file: str, target: str) -> dict[str, Any]:
    return {
        "data_collection": {
            "services": ["s3"],
            "input_uri": f"{DATA_DIR}/{data_file}",
            "target_column": target,
            "has_header": True,
        },
        "data_preparation": {
            "services": ["processing-jobs"],
            "engine": "sklearn",
            "missing_values": "median",
        },
        "feature_engineering": {"services": ["processing-jobs"], "scaling": "standard"},
        "training": {
            "services": ["training-jobs"],
            "algorithm": "xgboost",
            "instance_type": "ml.m5.large",
            "max_runtime_seconds": 3600,
        },
        "tuning": {"enabled": False},
        "orchestration": {
            "services": ["pipelines"],
            "cache_steps": True,
            "cache_expire_after": "P30D",
            "retry_max_attempts": 3,
        },
    }


def template_document(name: str) -> dict[str, Any]:
    """The config document of a template (data files are written by ``write_template_data``)."""
    if name == "demo":
        doc = {
            "schema_version": SCHEMA_VERSION,
            "project": {
                "name": "breast-cancer-demo",
                "description": "Classify tumours as malignant or benign (scikit-learn sample data)",
                "region": "us-east-1",
                "s3_prefix": "sm-wizard/breast-cancer-demo",
            },
            "profile": {
                "data_source": "local_files",
                "data_format": "csv",
                "data_size_gb": 0.001,
                "problem_type": "binary_classification",
                "experience": "newcomer",
                "prefer_low_code": False,
                "prediction_mode": "batch",
                "traffic": "steady",
                "models_count": 1,
                "explainability_required": False,
                "retraining": "manual",
                "share_features": False,
            },
            **_demo_sections("breast_cancer.csv", "target"),
            # No Model Monitor baseline (a QualityCheck step): AWS closed Model Monitor to new
            # customers, and the demo's default path must run on a new account.
            "evaluation": {"services": [], "metric": "auc", "threshold": 0.9},
            "deployment": {
                "services": ["model-registry", "batch-transform"],
                "model_package_group": "breast-cancer-models",
                "approval_status": "PendingManualApproval",
            },
            "monitoring": {"services": ["cloudwatch"]},
        }
        return doc
    if name == "regression-demo":
        doc = {
            "schema_version": SCHEMA_VERSION,
            "project": {
                "name": "diabetes-demo",
                "description": "Predict disease progression one year ahead (scikit-learn sample data)",
                "region": "us-east-1",
                "s3_prefix": "sm-wizard/diabetes-demo",
            },
            "profile": {
                "data_source": "local_files",
                "data_format": "csv",
                "data_size_gb": 0.001,
                "problem_type": "regression",
                "experience": "practitioner",
                "prefer_low_code": False,
                "prediction_mode": "batch",
                "traffic": "steady",
                "models_count": 1,
                "explainability_required": False,
                "retraining": "manual",
                "share_features": False,
            },
            **_demo_sections("diabetes.csv", "progression"),
            "evaluation": {"services": [], "metric": "r2", "threshold": 0.2},
            "deployment": {
                "services": ["model-registry", "batch-transform"],
                "model_package_group": "diabetes-models",
            },
            "monitoring": {"services": ["cloudwatch"]},
        }
        doc["training"] |= {
            "algorithm": "sklearn_random_forest",
            "hyperparameters": {"n_estimators": 100, "max_depth": 6},
        }
        return doc
    if name == "text-demo":
        return _text_demo()
    if name == "blank":
        return {
            "schema_version": SCHEMA_VERSION,
            "project": {"name": "my-pipeline", "region": "us-east-1"},
            "profile": {},
            "data_collection": {"services": ["s3"], "input_uri": "", "target_column": ""},
        }
    raise WizardError(
        f"unknown template {name!r}; choose one of: {', '.join(TEMPLATES)}", "Unknown template"
    )


#: The demo datasets, shipped as package data (scikit-learn's breast-cancer and diabetes sets,
#: written once as CSV; tests/wizard/test_templates.py checks them against scikit-learn; and
#: the support tickets scripts/make_text_demo.py writes), so starting a demo never imports
#: scikit-learn.
DATASETS_DIR = Path(__file__).parent / "data" / "datasets"


def _text_demo() -> dict[str, Any]:
    """Route support tickets to the team that handles them, from their words."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "project": {
            "name": "support-tickets-demo",
            "description": "Route support tickets to the right team from their subject and "
            "text (made sample data)",
            "region": "us-east-1",
            "s3_prefix": "sm-wizard/support-tickets-demo",
        },
        "profile": {
            "data_source": "local_files",
            "data_format": "text",
            "data_size_gb": 0.001,
            "problem_type": "multiclass_classification",
            "experience": "newcomer",
            "prefer_low_code": False,
            "prediction_mode": "realtime",
            "traffic": "steady",
            "models_count": 1,
            "explainability_required": False,
            "retraining": "manual",
            "share_features": False,
        },
        **_demo_sections("support_tickets.csv", "team"),
        "evaluation": {"services": [], "metric": "accuracy", "threshold": 0.7},
        "deployment": {
            "services": ["model-registry"],
            "model_package_group": "support-tickets-models",
            "approval_status": "PendingManualApproval",
        },
        "monitoring": {"services": ["cloudwatch"]},
    }
    doc["data_preparation"] |= {"text_columns": ["subject", "body"]}
    doc["training"] |= {"algorithm": "sklearn_linear", "hyperparameters": {"C": 10.0}}
    return doc


def dataset_text(name: str) -> str:
    """The bundled dataset file ``name`` (``breast_cancer.csv``, ``diabetes.csv`` or
    ``support_tickets.csv``)."""
    return (DATASETS_DIR / name).read_text(encoding="utf-8")


def write_template_data(name: str, config_path: Path) -> list[Path]:
    """Write the demo's CSV next to the config; return the files written."""
    doc = template_document(name)
    uri = doc["data_collection"]["input_uri"]
    if name == "blank" or uri.startswith("s3://"):
        return []
    target = config_path.parent / uri
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, dataset_text(Path(uri).name))
    return [target]
