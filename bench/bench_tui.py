"""The wizard's responsiveness in a real terminal (a pseudo-terminal), against a bare Textual
app measured in the same run.

1. Time to the first painted screen: from spawning ``sm-wizard`` (no arguments: the welcome
   screen) until its title reaches the terminal, against a bare ``App`` that shows one line.
   Runs interleave so machine load affects both alike. Target: median ratio at most 1.5.
2. Keystroke to repaint in a form: the profile screen, focus in the project name, one key at a
   time (a letter, then backspace): the time from writing the key to the first bytes of the
   repaint. Target: median at most 30 ms.

    python bench/bench_tui.py [--runs 9] [--keys 40]

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

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Bare(App):
        def compose(self):
            yield Header()
            yield Static("Bare Textual app ready")
            yield Footer()

    Bare().run()
    """
)

WIZARD_APP = 'import sys; sys.argv = ["sm-wizard"]; from tui.cli import main; main()'

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
    """A child process on a pseudo-terminal of a fixed size."""

    def __init__(self, code: str, env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child
            os.execvpe(sys.executable, [sys.executable, "-c", code], env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.output = b""

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        self.output += chunk
        return chunk

    def wait_for(self, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds since spawn when ``marker`` first appears in the output."""
        deadline = time.perf_counter() + timeout
        while marker not in self.output:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{marker!r} did not appear; got {self.output[-400:]!r}")
            self.read(0.05)
        return time.perf_counter() - self.started

    def drain(self, quiet: float = 0.3) -> None:
        """Read until the terminal has been quiet for ``quiet`` seconds."""
        while self.read(quiet):
            pass

    def key(self, data: bytes, timeout: float = 5.0) -> float:
        """Seconds from writing ``data`` to the first bytes of output after it."""
        start = time.perf_counter()
        os.write(self.fd, data)
        while True:
            if self.read(timeout):
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise TimeoutError("no repaint after a key")

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


def first_paint(runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {"bare Textual app": [], "sm-wizard": []}
    with tempfile.TemporaryDirectory() as state:
        env = _env(state)
        for _ in range(runs):
            for name, code, marker in (
                ("bare Textual app", BARE_APP, b"Bare Textual app ready"),
                ("sm-wizard", WIZARD_APP, b"Welcome to sm-wizard"),
            ):
                terminal = Terminal(code, env)
                try:
                    samples[name].append(terminal.wait_for(marker))
                finally:
                    terminal.close()
    return {name: statistics.median(values) for name, values in samples.items()}


def keystrokes(count: int) -> list[float]:
    with tempfile.TemporaryDirectory() as state:
        terminal = Terminal(FORM_APP, _env(state))
        try:
            terminal.wait_for(b"Project name")
            terminal.drain(1.0)  # the first focus and the autosave have settled
            times: list[float] = []
            for index in range(count):
                times.append(terminal.key(b"x" if index % 2 == 0 else b"\x7f"))
                terminal.drain(0.15)
            return times
        finally:
            terminal.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="start-ups of each app")
    parser.add_argument("--keys", type=int, default=40, help="keystrokes in the form")
    args = parser.parse_args(argv)
    paint = first_paint(args.runs)
    ratio = paint["sm-wizard"] / paint["bare Textual app"]
    for name, value in paint.items():
        print(f"first paint, {name:<18} {value * 1000:7.1f} ms (median of {args.runs})")
    print(f"first paint ratio              {ratio:7.2f}   (target <= 1.5)")
    keys = keystrokes(args.keys)
    median = statistics.median(keys) * 1000
    print(
        f"keystroke to repaint           {median:7.1f} ms median, "
        f"p90 {sorted(keys)[int(len(keys) * 0.9)] * 1000:.1f} ms (target median <= 30)"
    )
    ok = ratio <= 1.5 and median <= 30
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
