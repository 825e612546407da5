"""What the SageMaker engine tells the person watching that is not a run event.

A ``Notice`` says "reconnecting", "throttled", "stop sent" and the like; the poller, the log
tailer and the engines hand them to a ``NoticeHandler`` (the TUI shows them in its status
line, the headless printer on stderr, ``log_notice`` by default).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# the logger name the notices have always been logged under (it shows on stderr)
log = logging.getLogger("runners.sagemaker.poller")


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the person watching that is not a run event.

    ``code`` is one of: ``reconnecting``, ``reconnected``, ``throttled``, ``session-expired``,
    ``stop-sent``, ``permission``, ``uploading``, ``info``.
    """

    code: str
    message: str
    level: Literal["info", "warning", "error"] = "info"

    def to_dict(self) -> dict[str, str]:
        return {"type": "notice", "code": self.code, "level": self.level, "message": self.message}


NoticeHandler = Callable[[Notice], None]


def log_notice(notice: Notice) -> None:
    """The default notice handler: the ``sm_wizard`` logger (stderr, never stdout)."""
    level = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
    log.log(level[notice.level], "%s", notice.message)
