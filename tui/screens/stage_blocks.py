"""The stage screens' editors that are more than one field: the chosen algorithm's
hyperparameters (training) and the list of ranges to search (tuning).

Each rebuilds its rows when what it depends on changes (the algorithm, a range added or
removed) and then asks its ``FormScreen`` to map the new rows and show their problems.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from tui.screens.choices import algorithm_of, choices_source, problem_type_of
from tui.screens.form import FormScreen
from tui.widgets.form import FieldRow, FieldSpec, Kind, ProblemSlot, field_specs
from wizard.algorithms import ALGORITHMS, default_hyperparameters
from wizard.config.model import ParameterRange


class HyperparameterRows(Vertical):
    """One input per hyperparameter of the chosen algorithm (empty: the algorithm's default),
    plus any other key already in the file, so it can be seen and cleared."""

    def __init__(self, session: Any, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="extra-block")
        self.session = session

    def compose(self) -> ComposeResult:
        yield from self._rows()

    def _rows(self) -> list[Widget]:
        algorithm = ALGORITHMS[algorithm_of(self.session)]
        defaults = default_hyperparameters(algorithm.id, problem_type_of(self.session))
        current = self.session.section("training").get("hyperparameters", {})
        current = current if isinstance(current, dict) else {}
        widgets: list[Widget] = [
            Static(
                f"{algorithm.title}: {algorithm.help} Leave a box empty to use the default.",
                classes="section-hint",
                markup=False,
            )
        ]
        names = [h.name for h in algorithm.hyperparameters]
        for hp in algorithm.hyperparameters:
            default = defaults.get(hp.name)
            bounds = f" Range {hp.low:g} to {hp.high:g}." if hp.low is not None else ""
            shown_default = f" Default {default}." if default is not None else ""
            if hp.choices:  # a list to pick from; empty is the script's default
                kind: Kind = "choice"
            else:
                kind = "optional_int" if hp.type == "integer" else "optional_float"
            spec = FieldSpec(
                section="training",
                name=hp.name,
                kind=kind,
                label=hp.name,
                help=f"{hp.help[:1].upper()}{hp.help[1:]}.{bounds}{shown_default}",
                default=None,
                options=tuple((choice, choice) for choice in hp.choices),
            )
            widgets.append(
                FieldRow(
                    spec,
                    current.get(hp.name),
                    path=f"training.hyperparameters.{hp.name}",
                    keys=("hyperparameters", hp.name),
                )
            )
        for name, value in current.items():
            if name in names:
                continue
            spec = FieldSpec("training", name, "text", name, "Not one this algorithm lists.", None)
            widgets.append(
                FieldRow(
                    spec,
                    value,
                    path=f"training.hyperparameters.{name}",
                    keys=("hyperparameters", name),
                )
            )
        return widgets

    async def rebuild(self) -> None:
        await self.remove_children()
        await self.mount_all(self._rows())
        screen = self.screen
        assert isinstance(screen, FormScreen)
        screen.forget_rows()
        screen.show_problems()


class RangesEditor(Vertical):
    """The tuning ranges: one block per range, with buttons to add and remove."""

    def __init__(self, session: Any, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="extra-block")
        self.session = session

    def compose(self) -> ComposeResult:
        yield from self._blocks()

    def _ranges(self) -> list[Any]:
        ranges = self.session.section("tuning").get("ranges", [])
        return ranges if isinstance(ranges, list) else []

    def _blocks(self) -> list[Widget]:
        ranges = self._ranges()
        widgets: list[Widget] = [
            ProblemSlot("tuning.ranges", id="ranges-problem", focus="#add-range")
        ]
        if not ranges:
            widgets.append(
                Static(
                    "No ranges yet. Tuning needs at least one: press the button to add one.",
                    classes="section-hint",
                )
            )
        specs = field_specs("range", ParameterRange, choices=choices_source(self.session))
        for index, entry in enumerate(ranges):
            entry = entry if isinstance(entry, dict) else {}
            rows: list[Widget] = [
                FieldRow(
                    spec,
                    entry.get(spec.name),
                    path=f"tuning.ranges[{index}].{spec.name}",
                    keys=("ranges", index, spec.name),
                )
                for spec in specs
            ]
            title = Horizontal(
                Static(f"Range {index + 1}", classes="range-title"),
                Button("Remove", id=f"remove-range-{index}", classes="remove-range", compact=True),
                classes="range-head",
            )
            widgets.append(Vertical(title, *rows, classes="range-block"))
        widgets.append(Button("Add a range", id="add-range", compact=True))
        return widgets

    @on(Button.Pressed, "#add-range")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        algorithm = ALGORITHMS[algorithm_of(self.session)]
        used = {r.get("name") for r in self._ranges() if isinstance(r, dict)}
        entry = algorithm.starter_range(taken=used)
        if entry is None:
            self.notify("Every hyperparameter of this algorithm has a range already.")
            return
        self._store([*self._ranges(), entry], focus=len(self._ranges()))

    @on(Button.Pressed, ".remove-range")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        index = int((event.button.id or "-0").rsplit("-", 1)[1])
        ranges = self._ranges()
        del ranges[index]
        self._store(ranges, focus=None)

    def _store(self, ranges: list[Any], focus: int | None) -> None:
        self.session.set_value("tuning", "ranges", ranges)
        screen = self.screen
        assert isinstance(screen, FormScreen)

        async def rebuilt() -> None:
            await self.remove_children()
            await self.mount_all(self._blocks())
            screen.forget_rows()
            screen.after_change()
            if focus is not None:
                self.query(FieldRow).filter(
                    f"#row-tuning-ranges-{focus}-name"
                ).first().focus_control()
            else:
                self.query_one("#add-range").focus()

        self.call_later(rebuilt)
