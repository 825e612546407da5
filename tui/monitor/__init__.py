"""The run monitor: one screen for every engine, from the wizard, on its own or in the browser.

``screen`` (``MonitorScreen``: the layout, the run's worker, events to widgets), ``views``
(overview, logs, details, graph, the filter), ``controls`` (stop, retry, quit: asked first),
``text`` (the words it shows, as pure functions), ``step_table`` and ``chart`` (its widgets),
``app`` (``MonitorApp`` and ``run_monitor``: the monitor without the wizard, for
``sm-wizard run`` and ``watch``).
"""
