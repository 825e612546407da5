"""The first screen: resume the last session, start from a template, or open a file.

It imports nothing from the domain when it is built, so it paints as fast as a bare Textual
app; right after the first paint, workers look up the last session and load what the first
form needs (its modules, the validators), so Enter only builds the form.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tui.host import WizardHost
from tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from tui.session_files import SessionInfo

START_OPTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "demo",
        "Start with the demo project",
        "Tells malignant from benign tumours using a small sample dataset. Runs on this "
        "machine: no AWS account needed.",
    ),
    (
        "regression-demo",
        "Start with the regression demo",
        "Predicts a number (disease progression) from a small sample dataset.",
    ),
    (
        "text-demo",
        "Start with the text demo",
        "Routes support tickets to the right team from their words (free text).",
    ),
    ("blank", "Start a blank project", "Bring your own data and answer every question."),
    ("open", "Open a config file…", "Continue a wizard.toml you saved or exported earlier."),
)

INTRO = (
    "Design a machine-learning pipeline on AWS SageMaker, one stage at a time.\n"
    "1. Answer a few questions about your data.  2. Walk nine stages: each recommends "
    "services for your answers and explains why.  3. Review the pipeline and export a "
    "project you can run here or on AWS."
)


def _option(key: str, title: str, text: str) -> Option:
    return Option(Content.from_markup(f"[b]{escape(title)}[/b]\n[dim]{escape(text)}[/dim]"), id=key)


class WelcomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Choose", id="welcome.choose"),
        Binding("q", "app.request_quit", "Quit", show=False, id="welcome.quit"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="welcome-screen")
        self.resumable: SessionInfo | None = None
        self.looked = False
        self.prepared = threading.Event()
        """Set when the worker has loaded what the first form needs (or given up)."""

    @property
    def wizard(self) -> WizardHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Vertical(id="welcome"):
            yield Static("Welcome to sm-wizard", classes="screen-title")
            yield Static(INTRO, id="intro")
            yield OptionList(*[_option(*o) for o in START_OPTIONS], id="start-options")
            yield Static(
                "Arrows choose, enter starts. ctrl+p lists every command.",
                classes="nav-hint",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.call_after_refresh(self._look_for_session)
        self.call_after_refresh(self._prepare)

    @work(thread=True, exclusive=True, group="welcome", exit_on_error=False)
    def _look_for_session(self) -> None:
        """Off the UI thread: this is where the domain (pydantic) first loads, after the
        welcome is on screen."""
        from tui.session_files import find_resumable

        info = find_resumable()
        self.app.call_from_thread(self._show_resumable, info)

    @work(thread=True, exclusive=True, group="welcome-prepare", exit_on_error=False)
    def _prepare(self) -> None:
        """While the person reads the choices, load what the first form needs (the forms'
        modules, every model's validator): Enter then only builds the form."""
        try:
            import tui.screens.export
            import tui.screens.review
            import tui.screens.stage  # noqa: F401
            from wizard.validation import prepare

            prepare()
        finally:
            self.prepared.set()

    def _show_resumable(self, info: SessionInfo | None) -> None:
        if self.looked:  # Enter came first and looked already (``_start``)
            return
        self.resumable = info
        self.looked = True
        if info is None:
            return
        options = self.query_one(OptionList)
        title = "Resume where you left off"
        options.add_option(_option("resume", title, info.describe()))
        # put it first: rebuild with it on top
        all_options = [options.get_option_at_index(i) for i in range(options.option_count)]
        resume = all_options.pop()
        options.clear_options()
        options.add_options([resume, *all_options])
        options.highlighted = 0

    def action_choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self._start(option.id or "")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._start(event.option.id or "")

    def _start(self, choice: str) -> None:
        # Not while the worker builds the validators (pydantic's building is not made for
        # two threads at once); it is done long before a person's first Enter.
        self.prepared.wait(timeout=10)
        if not self.looked:  # faster than the look-up: never replace a session unseen
            from tui.session_files import find_resumable

            self._show_resumable(find_resumable())
            if self.resumable is not None:
                return  # the list changed under the cursor: let the person choose again
        if choice == "resume" and self.resumable is not None:
            self.wizard.resume_session(self.resumable)
        elif choice == "open":
            self.wizard.action_open_file()
        elif choice:
            self.wizard.start_from_template(choice, replacing=self.resumable)
