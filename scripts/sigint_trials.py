"""Ctrl+C at a random moment of a local demo run: every SIGINT sent while the run is going
must end it Stopped with exit code 130.

Runs `sm-wizard run demo.toml --headless --json` (caching off, so every step runs a job)
TRIES times, sends SIGINT 0 to 5 s after the first step starts executing, and tallies the
exit code and the final event, apart for signals that arrived after the run had printed its
final event (those rightly exit 0).

    .venv/bin/python scripts/sigint_trials.py DIR [TRIES]     # TRIES defaults to 30
"""

from __future__ import annotations

import collections
import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wizard.store import write_document
from wizard.templates import template_document, write_template_data

FINAL = {"Succeeded", "Failed", "Stopped"}
SM_WIZARD = Path(sys.executable).with_name("sm-wizard")


def trial(folder: Path) -> tuple[str, int, str]:
    process = subprocess.Popen(
        [str(SM_WIZARD), "run", "demo.toml", "--headless", "--json"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    events: list[dict] = []
    executing = threading.Event()

    def read() -> None:
        for line in process.stdout:
            events.append(json.loads(line))
            if events[-1].get("type") == "step" and events[-1].get("status") == "Executing":
                executing.set()

    reader = threading.Thread(target=read)
    reader.start()
    executing.wait(60)
    time.sleep(random.uniform(0, 5))
    ended = any(e["type"] == "execution" and e["status"] in FINAL for e in list(events))
    process.send_signal(signal.SIGINT)
    code = process.wait()
    reader.join()
    final = events[-1].get("status", "?") if events else "no event"
    return ("after the end" if ended else "during the run", code, final)


def main() -> int:
    folder = Path(sys.argv[1])
    tries = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    folder.mkdir(parents=True, exist_ok=True)
    doc = template_document("demo")
    doc["orchestration"]["cache_steps"] = False
    write_template_data("demo", folder / "demo.toml")
    write_document(folder / "demo.toml", doc)
    tally: collections.Counter = collections.Counter()
    for number in range(tries):
        outcome = trial(folder)
        tally[outcome] += 1
        print(number + 1, *outcome, flush=True)
    for (when, code, status), count in sorted(tally.items()):
        print(f"{count:4d}  SIGINT {when}: exit {code}, final event {status}")
    wrong = sum(
        n for (when, code, _), n in tally.items() if when == "during the run" and code != 130
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
