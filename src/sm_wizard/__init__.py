"""sm-wizard: design, export, run and watch SageMaker Pipelines from the terminal.

Layers (dependencies point one way): ``tui -> runners -> exporters -> wizard``.
This package file imports nothing so that ``import sm_wizard.wizard`` stays light.
"""

__version__ = "0.1.0"
