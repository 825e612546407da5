"""The SageMaker engine: run an exported pipeline on AWS, or watch any execution live.

- ``engine.SageMakerEngine``: upload, upsert, start, follow; stop and retry.
- ``watcher.SageMakerWatcher``: attach to an existing execution (``sm-wizard watch``).
- ``poller.Poller``: the polite poller both use; ``logs.LogTailer``: CloudWatch log tails.
- ``aws``: lazy boto3 sessions and AWS errors in plain words; ``clock``: real or simulated
  time and the request budget; ``simulated``: a scripted execution for tests and demos.

Nothing here imports boto3 (or the SageMaker SDK) until a request is made.
"""
