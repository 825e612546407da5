"""``--json`` log lines are capped like the plain lines (issue 30, item 6).

A job that printed a 10 MB line reached ``run --json`` readers as one 10 MB event while the
plain output cut it near 2 KB. Now the JSON line is cut at the same length, with a marker
saying how many characters went.
"""

from __future__ import annotations

import io
import json

from cli.printer import make_printer
from runners.events import ExecutionEvent, LogEvent, StepEvent, capped_log
from runners.run_state import MAX_LINE_CHARS

TEN_MB = 10 * 1024 * 1024


def _printed(*events) -> list[dict]:
    out = io.StringIO()
    sink = make_printer(json_lines=True, out=out)
    for event in events:
        sink.emit(event)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_ten_megabyte_log_line_is_cut_with_a_marker() -> None:
    [event] = _printed(LogEvent("Train", "x" * TEN_MB))
    line = event["line"]
    assert len(line) < MAX_LINE_CHARS + 60
    assert line.startswith("x" * MAX_LINE_CHARS)
    assert line.endswith(f"… [{TEN_MB - MAX_LINE_CHARS:,} more characters cut]")
    assert event["type"] == "log" and event["step"] == "Train"


def test_short_lines_and_other_events_pass_unchanged() -> None:
    reason = "r" * (3 * MAX_LINE_CHARS)  # reasons are the engine's own, already bounded
    events = [
        LogEvent("Train", "y" * MAX_LINE_CHARS),
        StepEvent("Train", "Training", "Failed", reason=reason),
        ExecutionEvent("Failed", reason="done"),
    ]
    printed = _printed(*events)
    assert printed == [e.to_dict() for e in events]


def test_capped_log_leaves_the_time_and_step() -> None:
    event = LogEvent("Prep", "z" * 50, time="2026-01-01T00:00:00Z")
    cut = capped_log(event, 10)
    assert cut.time == event.time and cut.step == "Prep"
    assert cut.line == "z" * 10 + "… [40 more characters cut]"
