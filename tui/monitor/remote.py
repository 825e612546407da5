"""The monitor's answers about what ran in AWS: the graph of any pipeline, drawn from the
execution's own definition, each step's job ARN and console page (copied with ``c``/``u``),
and the execution view (``e``: parameters, the whole failure reason).

A mixin of ``MonitorScreen`` (``tui/monitor/screen.py``). A pipeline this tool planned has its
Plan's graph from the start; any other gets it as soon as the engine has read the
execution's definition (``runners.base.Defined``: ``runners.sagemaker.definition.DefinedStep``s
with their ``DependsOn``, property references and condition branches), grouped by level with
``definition_levels``, in the same widgets (``RunDag`` above the steps, ``DagView`` for ``g``).
"""

from __future__ import annotations

from typing import Any

from runners.base import definition_of
from runners.sagemaker.definition import definition_levels
from tui.monitor.answers import as_pairs, execution_text
from tui.monitor.execution_view import ExecutionView
from tui.widgets.dag_view import DagView, Graph
from tui.widgets.run_dag import RunDag


def definition_graph(steps: list[Any]) -> Graph:
    """The ``DagView`` graph of an execution's definition steps."""
    return Graph(
        levels=tuple(tuple(level) for level in definition_levels(steps)),
        depends_on={s.name: tuple(s.depends_on) for s in steps},
        kinds={s.name: s.kind for s in steps},
        branches={s.name: s.branch for s in steps},
    )


class RemoteAnswers:
    """The screen provides the engine, the plan, the snapshot, the selection and ``query``."""

    engine: Any
    plan: Any
    app: Any
    run_title: str
    _snapshot: Any
    _selected: str | None
    _definition_graph: bool = False

    # ------------------------------------------------------------------ the graph
    def _ensure_graph(self) -> None:
        """Mount the definition's graph once the engine has read it (no plan, no graph yet)."""
        if self.plan is not None or self._definition_graph:
            return
        steps = definition_of(self.engine)
        if not steps:
            return
        self._definition_graph = True
        graph = definition_graph(steps)
        dag = RunDag(graph.levels, branches=graph.branches, id="dag")
        self.query_one("#top").mount(dag, before=self.query_one("#steps"))
        self.query_one("#graph").mount(DagView(graph, statuses={}, id="graph-view"))
        dag.selected = self._selected
        self.refresh_bindings()  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ jobs and links
    def _step_resource(self, step: str | None) -> Any:
        lookup = getattr(self.engine, "step_resource", None)
        return lookup(step) if lookup is not None and step is not None else None

    def _copy(self, what: str) -> None:
        step = self._selected
        resource = self._step_resource(step)
        value = None if resource is None else getattr(resource, what)
        noun = "job ARN" if what == "arn" else "console URL"
        if not value:
            self.notify(  # type: ignore[attr-defined]
                f"{step or 'This step'} has no {noun} (yet): only a step that ran a job, model "
                "or model package has one.",
                severity="warning",
            )
            return
        self.app.copy_to_clipboard(value)
        self.notify(value, title=f"Copied {step}'s {noun}")  # type: ignore[attr-defined]

    def action_copy_arn(self) -> None:
        """``c``: the selected step's job ARN to the clipboard (and on screen)."""
        self._copy("arn")

    def action_copy_url(self) -> None:
        """``u``: the selected step's console page to the clipboard (and on screen)."""
        self._copy("console_url")

    # ------------------------------------------------------------------ the execution
    def action_execution(self) -> None:
        """``e``: the whole execution on a scrolling page."""
        arn = self._snapshot.execution.id or getattr(self.engine, "execution_arn", None)
        remote = self.engine.capabilities.remote
        text = execution_text(
            self.run_title,
            self._snapshot,
            arn=arn,
            parameters=as_pairs(getattr(self.engine, "parameters", None)),
            resource_of=self._step_resource if remote else None,
            now=self._now(),  # type: ignore[attr-defined]
            times=getattr(self.engine, "execution_times", None),
        )
        self.app.push_screen(ExecutionView(text, arn))
