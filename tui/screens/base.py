"""The frame every wizard screen shares: header, the stepper on the left, footer with keys.

Navigation is the app's job: a screen asks for it (``app.goto``) and never pushes screens of
its own, except modals. Keys work over SSH and in browser terminals: no ctrl+s/ctrl+q flow
control keys, no ctrl+w/ctrl+n/ctrl+t (browsers keep them), no ctrl+b/ctrl+a (tmux, screen).
No single-letter keys: a word typed while the focus is off a text field must not navigate or
change answers (alt+digit jumps to a stage; ctrl+z undoes the last change; F1 lists the keys).
Escape leaves a text field for the stepper.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input
from textual.worker import Worker, WorkerState

from tui.host import WizardHost
from tui.navigation import short_title
from tui.widgets.key_footer import KeyFooter
from tui.widgets.stepper import Stepper


class WizardScreen(Screen[None]):
    """A wizard screen: subclasses yield their content from ``compose_main``."""

    SCREEN_ID: ClassVar[str] = ""
    AUTO_FOCUS = None  # each screen focuses its first field itself: one focus change, not two
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "app.next", "Next", id="wizard.next"),
        Binding("ctrl+r", "app.back", "Back", id="wizard.back"),
        Binding("escape", "leave_field", "Steps", id="wizard.steps"),
        # No single letters or digits here: these screens have text fields, and a word typed
        # while the focus is elsewhere must not navigate (issue 9, item 6).
        *[
            Binding(
                f"alt+{n}", f"app.goto_stage({n})", f"Stage {n}", show=False, id=f"wizard.stage{n}"
            )
            for n in range(1, 10)
        ],
    ]

    def __init__(self, screen_id: str | None = None) -> None:
        super().__init__(classes="wizard-screen")
        self.screen_id = screen_id or self.SCREEN_ID

    @property
    def wizard(self) -> WizardHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="frame"):
            yield Stepper(
                [(s, short_title(s)) for s in self.wizard.screen_order],
                self.screen_id,
                self.wizard.stage_states(),
                id="stepper",
            )
            with VerticalScroll(id="main"):
                yield from self.compose_main()
        yield KeyFooter()

    def compose_main(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:  # subclasses' on_mount run too (Textual walks the MRO)
        self.call_after_refresh(self.wizard.drop_left_screens)  # see ``replace_screen``

    def action_leave_field(self) -> None:
        """Escape: out of a text field, or to the stepper."""
        stepper = self.query_one(Stepper)
        if isinstance(self.focused, Input) or self.focused is not stepper:
            stepper.focus()
        else:
            self.focus_next()

    @on(Stepper.Jumped)
    def _jump(self, event: Stepper.Jumped) -> None:
        self.wizard.goto(event.screen)

    def refresh_stepper(self) -> None:
        self.query_one(Stepper).update_states(self.wizard.stage_states())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers report here (their events do not bubble): show failures in words."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.wizard.show_error(event.worker.error)
