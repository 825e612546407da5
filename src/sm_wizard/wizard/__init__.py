"""The domain of sm-wizard: stages, service catalog, config models, recommendations, the Plan.

Pure Python: importing this package loads none of textual, rich, boto3 or the SageMaker SDK.
Import the submodules you need (``sm_wizard.wizard.config``, ``.plan``, ...).
"""
