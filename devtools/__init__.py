"""Support for the tests, the benchmarks and the demo scripts; not part of the installed tool.

- ``clock.SimulatedClock``: time that moves only when somebody sleeps.
- ``scripted``: the script of an execution (``ScriptedStep``, ``sequential_steps``);
  ``execution.ScriptedExecution`` plays it as a function of time, with ``job_answers`` for
  what each job's ``Describe*Job`` says.
- ``simulated_aws.SimulatedAws``: those executions served in memory, the way
  ``runners.sagemaker.aws.AwsSession.call`` would serve them.

``pyproject.toml`` installs only the product packages, so this folder is imported from the
repository root: pytest puts it on ``sys.path`` (``pythonpath = ["."]``), and the scripts in
``bench/`` and ``scripts/`` insert the root themselves.
"""
