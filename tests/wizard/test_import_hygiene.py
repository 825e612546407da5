"""Layering: the domain imports none of the UI or AWS libraries (checked in a fresh
interpreter, as harlequin does)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "rich", "boto3", "botocore", "sagemaker")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    return set(filter(None, out.split(",")))


def test_domain_imports_no_ui_or_aws():
    code = (
        "import wizard, wizard.config, wizard.plan, "
        "wizard.recommend, wizard.cost, wizard.store, "
        "wizard.templates, wizard.validation, wizard.check, wizard.datacheck"
    )
    assert _loaded_after(code) == set()


def test_headless_validate_imports_no_ui_or_aws(tmp_path):
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom cli.main import main\n"
        "CliRunner().invoke(main, ['catalog', '--json'])"
    )
    assert _loaded_after(code) == set()
