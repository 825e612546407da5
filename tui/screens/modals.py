"""Questions that interrupt: confirm, choose where to save or what to open, quit."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from tui.widgets.form import text_input


class ConfirmModal(ModalScreen[bool]):
    """The app's one yes/no question (the wizard's and the run monitor's alike).

    ``y``, or Enter on the yes button, answers yes; ``n`` or Esc answers no. The no button
    has the focus at first: a question asked before replacing or stopping something is
    never answered yes by an Enter meant for the screen below. Its look lives in
    ``DEFAULT_CSS``, so it needs no app's stylesheet (the monitor runs without the wizard's).
    """

    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
    }
    ConfirmModal #confirm-dialog {
        width: 74;
        max-width: 96%;
        height: auto;
        padding: 1 2;
        border: thick $warning;
        background: $surface;
    }
    ConfirmModal #confirm-question {
        text-style: bold;
        margin-bottom: 1;
    }
    ConfirmModal #confirm-detail {
        margin-bottom: 1;
    }
    ConfirmModal #confirm-buttons {
        grid-size: 2;
        grid-gutter: 0 2;
        height: auto;
    }
    ConfirmModal #confirm-buttons Button {
        width: 100%;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="confirm-modal")
        self._question = question
        self._detail = detail
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self._question, id="confirm-question")
            if self._detail:
                yield Static(self._detail, id="confirm-detail", markup=False)
            with Grid(id="confirm-buttons"):
                yield Button(f"{self._yes} (y)", variant="error", id="confirm-yes")
                yield Button(f"{self._no} (n)", variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class QuitModal(ModalScreen[str]):
    """Quitting while the work is only in the autosave, or while the last save failed
    (``failed`` says why): ``save``, ``quit`` or ``stay``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss('stay')", "Stay", id="quit.stay"),
        Binding("s", "dismiss('save')", "Save", show=False, id="quit.save"),
        Binding("q", "dismiss('quit')", "Quit", show=False, id="quit.quit"),
    ]

    def __init__(self, autosave: Path | None, *, failed: str | None = None) -> None:
        super().__init__(classes="modal")
        self._autosave = autosave
        self._failed = failed

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("Quit sm-wizard?", classes="modal-title")
            text = self._failed or (
                "Your answers are not saved to a config file yet. They are kept in the "
                f"autosave ({self._autosave}) and come back the next time you run sm-wizard."
            )
            yield Static(text, classes="modal-text", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("Save to a file (s)", id="save", variant="primary")
                yield Button("Quit and lose them (q)" if self._failed else "Quit (q)", id="quit")
                yield Button("Stay (esc)", id="stay")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "stay")


class PathModal(ModalScreen[Path | None]):
    """Ask for a file path (save as, open); Enter accepts, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="path.cancel"),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        default: str,
        *,
        must_exist: bool = False,
        action: str = "OK",
    ) -> None:
        super().__init__(classes="modal")
        self._title, self._message, self._default = title, message, default
        self._must_exist, self._action = must_exist, action

    def compose(self) -> ComposeResult:
        candidates = sorted(str(p) for p in Path.cwd().glob("*.toml"))
        with Vertical(classes="modal-box"):
            yield Static(self._title, classes="modal-title")
            yield Static(self._message, classes="modal-text", markup=False)
            yield text_input(
                self._default,
                app=self.app,
                id="path",
                suggester=SuggestFromList(candidates, case_sensitive=True),
            )
            yield Static("", id="path-problem", classes="field-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button(self._action, id="ok", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _accept(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        problem = self.query_one("#path-problem", Static)
        if not text:
            problem.update("✗ type a file path, e.g. wizard.toml")
            return
        path = Path(text).expanduser()
        if self._must_exist and not path.is_file():
            problem.update(f"✗ {path} is not a file here; check the path")
            return
        if path.is_dir():
            problem.update(f"✗ {path} is a folder; add a file name, e.g. {path / 'wizard.toml'}")
            return
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
