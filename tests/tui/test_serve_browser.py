"""``sm-wizard serve`` in a real headless browser (Debian's chromium + chromedriver).

The page loads, the wizard's welcome screen shows, and a key moves it on. textual-serve
draws the app on a canvas, so the test reads what the app sent: the websocket frames the
browser received (Chrome's performance log), which carry the screen's text.

Skips (with the reason) when chromium, chromedriver or selenium is missing. CI needs:
``apt-get install -y chromium chromium-driver`` (and the test group: selenium).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium "
    "chromium-driver)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = _free_port()
    env = {
        **os.environ,
        "SM_WIZARD_STATE_DIR": str(tmp_path / "state"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    printed = ""  # "sm-wizard in a browser: URL/?token=...  (Ctrl+C stops)"
    while "in a browser: " not in printed:
        printed = proc.stdout.readline()
        assert printed or proc.poll() is None, "sm-wizard serve ended before printing its URL"
    url = printed.split("in a browser: ", 1)[1].split()[0]  # the page needs the process's token

    def up() -> bool:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return answer.status == 200
        except OSError:
            return False

    try:
        _wait(up, 60, "sm-wizard serve to answer")
        yield url, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _frames_text(driver, seen: list[str]) -> str:
    """Everything the app sent over the websocket so far, as text (escape codes kept)."""
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.webSocketFrameReceived":
            continue
        response = message["params"]["response"]
        data = response.get("payloadData", "")
        if response.get("opcode") == 2:  # binary: base64
            data = base64.b64decode(data).decode("utf-8", "replace")
        seen.append(data)
    return "".join(seen)


def test_serve_prints_the_url_and_the_browser_shows_the_welcome_then_moves_on(served):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    url, proc = served
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,800",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        driver.get(url)
        assert driver.find_element(By.ID, "terminal").get_attribute("data-session-websocket-url")
        seen: list[str] = []
        _wait(lambda: "Welcome to sm-wizard" in _frames_text(driver, seen), 60, "the welcome")
        assert "Start with the demo project" in "".join(seen)
        before = len("".join(seen))
        terminal = driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        terminal.send_keys("\n")  # Enter: start with the demo project

        def moved_on() -> bool:
            text = _frames_text(driver, seen)[before:]
            return "Data collection" in text

        _wait(moved_on, 60, "the first stage after Enter")
    finally:
        driver.quit()
    assert proc.poll() is None  # the server is still serving
