"""The wizard's responsiveness in a real terminal (a pseudo-terminal), against a bare Textual
app doing the same work, measured in the same run with the runs interleaved so machine load
affects both alike.

The pseudo-terminal answers Textual's query for synchronized output (DEC mode 2026), so every
frame Textual paints arrives between ``ESC[?2026h`` and ``ESC[?2026l``: a time below is taken
when the frame that shows the awaited text is complete, not when its first bytes arrive.

1. Welcome → first form: Enter on "Start with the demo project" until the profile form is
   painted, against a bare app's Enter on an OptionList until a screen with a dozen Inputs
   and Selects is painted. Target: median ratio ≤ 1.5.
2. Stage switch: ctrl+f from each stage to the next, against the bare app switching between
   two such form screens (``switch_screen``) on ctrl+f. Target: every stage's median ≤ 1.3×
   the bare switch.
3. Keystroke → complete repaint in a form (a letter, then backspace, in the project name).
   Target: median ≤ 30 ms.

    python bench/bench_tui.py [--runs 7] [--keys 40]

Run by hand, or through ``pytest -m bench tests/tui/test_wizard_bench.py``.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import textwrap
import time

COLUMNS, LINES = 100, 30
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"  # "mode 2026 is reset (and can be set)"
FRAME_END = b"\x1b[?2026l"
ENTER, CTRL_F, BACKSPACE = b"\r", b"\x06", b"\x7f"

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.binding import Binding
    from textual.containers import VerticalScroll
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Input, Label, OptionList, Select

    class Form(Screen):
        BINDINGS = [Binding("ctrl+f", "app.next", "Next")]

        def __init__(self, number):
            super().__init__()
            self.number = number

        def compose(self):
            yield Header()
            with VerticalScroll():
                yield Label(f"Bare form {self.number} ready")
                for index in range(6):
                    yield Label(f"Field {index}")
                    yield Input(placeholder=f"value {index}")
                    yield Select([(f"choice {c}", c) for c in range(8)], value=0)
            yield Footer()

        def on_mount(self):
            self.query_one(Input).focus()

    class Bare(App):
        def compose(self):
            yield Header()
            yield Label("Bare welcome ready")
            yield OptionList("Start with a form", "Something else")
            yield Footer()

        def on_mount(self):
            self.query_one(OptionList).focus()

        def on_option_list_option_selected(self, event):
            self.forms = 1
            self.push_screen(Form(1))

        def action_next(self):
            self.forms += 1
            self.switch_screen(Form(self.forms))

    Bare().run()
    """
)

WIZARD_APP = 'import sys; sys.argv = ["sm-wizard"]; from cli.main import main; main()'

FORM_APP = textwrap.dedent(
    """
    from tui.app import WizardApp
    from tui.session import Session

    session = Session.from_template("demo")
    session.screen = "profile"
    WizardApp(session=session, cursor_blink=False).run()
    """
)


class Terminal:
    """A child process on a pseudo-terminal of a fixed size that supports synchronized output."""

    def __init__(self, code: str, env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child
            os.execvpe(sys.executable, [sys.executable, "-c", code], env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.output = b""
        self.answered = False

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        self.output += chunk
        if not self.answered and SYNC_QUERY in self.output:
            self.answered = True
            os.write(self.fd, SYNC_SUPPORTED)
        return chunk

    def frame_with(self, marker: bytes, since: int = 0, timeout: float = 30.0) -> float:
        """perf_counter() when a complete frame after byte ``since`` shows ``marker``."""
        deadline = time.perf_counter() + timeout
        while True:
            found = self.output.find(marker, since)
            if found >= 0 and self.output.find(FRAME_END, found) >= 0:
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{marker!r} did not appear; got {self.output[-400:]!r}")
            self.read(0.05)

    def settle(self, quiet: float = 0.4) -> None:
        """Read until the terminal has been quiet for ``quiet`` seconds."""
        while self.read(quiet):
            pass

    def press(self, data: bytes, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds from writing ``data`` until a complete frame shows ``marker``."""
        since = len(self.output)
        start = time.perf_counter()
        os.write(self.fd, data)
        return self.frame_with(marker, since, timeout) - start

    def repaint(self, data: bytes, timeout: float = 5.0) -> float:
        """Seconds from writing ``data`` to the end of the next complete frame."""
        since = len(self.output)
        start = time.perf_counter()
        os.write(self.fd, data)
        deadline = start + timeout
        while self.output.find(FRAME_END, since) < 0:
            if time.perf_counter() > deadline:
                raise TimeoutError("no repaint after a key")
            self.read(0.05)
        return time.perf_counter() - start

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def _env(state: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        SM_WIZARD_STATE_DIR=state,
        TEXTUAL_ANIMATIONS="none",
    )
    env.pop("NO_COLOR", None)
    return env


def _stage_markers() -> list[bytes]:
    from wizard.stages import STAGES

    return [f"Stage {s.number} of {len(STAGES)}".encode() for s in STAGES]


def switches(runs: int) -> dict[str, list[float]]:
    """Welcome → form, and form → form, for the bare app and the wizard, interleaved."""
    samples: dict[str, list[float]] = {"bare: welcome → form": [], "bare: form → form": []}
    stages = _stage_markers()
    for run in range(runs):
        with tempfile.TemporaryDirectory() as state:  # a fresh state: no session to resume
            env = _env(state)
            bare = Terminal(BARE_APP, env)
            try:
                bare.frame_with(b"Bare welcome ready")
                bare.settle()
                samples["bare: welcome → form"].append(bare.press(ENTER, b"Bare form 1 ready"))
                for number in range(2, len(stages) + 2):
                    bare.settle(0.2)
                    samples["bare: form → form"].append(
                        bare.press(CTRL_F, f"Bare form {number} ready".encode())
                    )
            finally:
                bare.close()
            wizard = Terminal(WIZARD_APP, env)
            try:
                wizard.frame_with(b"Welcome to sm-wizard")
                wizard.settle()
                name = "sm-wizard: welcome → profile form"
                samples.setdefault(name, []).append(wizard.press(ENTER, b"Your project"))
                for index, marker in enumerate(stages):
                    wizard.settle(0.2)
                    label = f"sm-wizard: → stage {index + 1}"
                    samples.setdefault(label, []).append(wizard.press(CTRL_F, marker))
            finally:
                wizard.close()
        print(f"  round {run + 1}/{runs} done", file=sys.stderr)
    return samples


def keystrokes(count: int) -> list[float]:
    with tempfile.TemporaryDirectory() as state:
        terminal = Terminal(FORM_APP, _env(state))
        try:
            terminal.frame_with(b"Project name")
            terminal.settle(1.0)  # the first focus and the autosave have settled
            times: list[float] = []
            for index in range(count):
                times.append(terminal.repaint(b"x" if index % 2 == 0 else BACKSPACE))
                terminal.settle(0.15)
            return times
        finally:
            terminal.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds of each app")
    parser.add_argument("--keys", type=int, default=40, help="keystrokes in the form")
    args = parser.parse_args(argv)
    samples = switches(args.runs)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    bare_open, bare_switch = medians["bare: welcome → form"], medians["bare: form → form"]
    ok = True
    for name, value in medians.items():
        base = bare_open if "welcome" in name else bare_switch
        target = 1.5 if "welcome" in name else 1.3
        line = f"{name:<36} {value * 1000:7.1f} ms"
        if name.startswith("sm-wizard"):
            ratio = value / base
            ok &= ratio <= target
            line += f"   ratio {ratio:5.2f} (target ≤ {target})"
        print(line)
    keys = keystrokes(args.keys)
    median = statistics.median(keys) * 1000
    ok &= median <= 30
    print(
        f"keystroke → complete repaint         {median:7.1f} ms median, "
        f"p90 {sorted(keys)[int(len(keys) * 0.9)] * 1000:.1f} ms (target median ≤ 30)"
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
