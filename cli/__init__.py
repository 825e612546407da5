"""The ``sm-wizard`` command: every verb, the printers of run events and the exit codes.

Headless verbs never import Textual; the interactive ones open ``tui``'s apps. See
docs/ARCHITECTURE.md for where this layer sits.
"""
