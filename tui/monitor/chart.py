"""The run monitor's metrics chart: the selected step's metrics that were reported over time.

Only curves are drawn (training curves, tuning trials: a metric with more than one report);
final values are listed in the step's details above the chart, so a step with none hides it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual_plotext import PlotextPlot

MAX_CURVES = 4
"""Curves drawn at once: more make a terminal chart unreadable."""


class MetricsChart(PlotextPlot):
    """``show(step, series)`` redraws it for one step's ``{metric: values}``."""

    def show(self, step: str | None, series: Mapping[str, Sequence[float]]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if not series:
            self.display = False
            return
        curves = {name: values for name, values in series.items() if len(values) > 1}
        self.display = bool(curves)
        if not curves:
            return
        for name, values in list(curves.items())[:MAX_CURVES]:
            plt.plot(list(range(1, len(values) + 1)), list(values), label=name)
        plt.title(f"{step}: metrics as reported")
        plt.xlabel("report")
        self.refresh()
