"""The SageMaker engine: run an exported pipeline on AWS, or watch any execution live.

- ``engine.SageMakerEngine``: upload, upsert, start, follow; stop and retry.
- ``watcher.SageMakerWatcher``: attach to an existing execution (``sm-wizard watch``).
- ``poller.Poller``: the polite poller both use, with ``poll_settings`` (its knobs),
  ``jobs`` (the job behind a step, described per kind), ``unstarted`` (Pending and Skipped
  steps), ``definition`` (the execution's steps and edges) and ``notices``;
  ``logs.LogTailer``: CloudWatch log tails.
- ``aws``: lazy boto3 sessions and AWS errors in plain words; ``clock``: the clock the poller
  waits on and the request budget. The simulated clock and the scripted execution the tests,
  the benchmark and the demo use live in ``devtools/`` (not installed).

Nothing here imports boto3 (or the SageMaker SDK) until a request is made.
"""
