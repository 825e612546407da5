"""Support for the tests, the benchmarks and the demo scripts; not part of the installed tool.

- ``clock.SimulatedClock``: time that moves only when somebody sleeps.
- ``scripted``: a scripted SageMaker pipeline execution (``ScriptedExecution``) as a function
  of time, and ``sequential_steps`` to write its script.
- ``simulated_aws.SimulatedAws``: those executions served in memory, the way
  ``runners.sagemaker.aws.AwsSession.call`` would serve them.

``pyproject.toml`` installs only the product packages, so this folder is imported from the
repository root: pytest puts it on ``sys.path`` (``pythonpath = ["."]``), and the scripts in
``bench/`` and ``scripts/`` insert the root themselves.
"""
