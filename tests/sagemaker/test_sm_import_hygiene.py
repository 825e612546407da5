"""The SageMaker engine and the watch command load without boto3 or the SageMaker SDK."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_engine_and_the_command_loads_no_aws_sdk() -> None:
    code = (
        "import sys\n"
        "import runners.sagemaker.engine, runners.sagemaker.watcher\n"
        "import devtools.execution, devtools.simulated_aws, cli.commands.watch\n"
        "heavy = [m for m in ('boto3', 'botocore', 'sagemaker', 'textual') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
