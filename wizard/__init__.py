"""The domain of sm-wizard: stages, service catalog, config models, recommendations, the Plan.

Pure Python: importing this package loads none of textual, rich, boto3 or the SageMaker SDK.
Import the submodules you need (``wizard.config``, ``.plan``, ...).

The project has four top-level packages, one per layer (dependencies point one way):
``tui -> runners -> exporters -> wizard``; the version lives here, at the bottom.
"""

__version__ = "0.1.0"
