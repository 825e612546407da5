"""Questions that interrupt: confirm, choose where to save or what to open, quit."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Static

from tui.widgets.form import text_input


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; Escape means no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(False)", "Cancel", id="confirm.cancel"),
        Binding("y", "dismiss(True)", "Yes", show=False, id="confirm.yes"),
        Binding("n", "dismiss(False)", "No", show=False, id="confirm.no"),
    ]

    def __init__(self, title: str, message: str, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__(classes="modal")
        self._title, self._message, self._yes, self._no = title, message, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(self._title, classes="modal-title")
            yield Static(self._message, classes="modal-text", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button(self._yes, id="yes", variant="primary")
                yield Button(self._no, id="no")

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.dismiss(False)


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
