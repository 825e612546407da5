"""``LogPane``: a bounded log that follows its newest line the way k9s does.

- It follows by default: every batch of lines scrolls to the newest, with no key pressed.
- Scrolling up (keys, mouse wheel, the scroll bar) pauses it: new lines still arrive, the
  view stays where the person put it. ``End`` (or ``follow()``, the monitor's ``f``) resumes.
- ``wrap`` breaks long lines at the pane's width (toggled with ``w`` in the monitor); without
  it a long line scrolls sideways. Either way nothing is cut off.

The pane keeps the raw lines it shows (at most ``max_lines``) so wrapping can be switched,
and the width can change, without losing any.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Log


class LogPane(Log):
    """A ``Log`` with an explicit follow state and optional wrapping."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "follow", "Follow", show=False, id="log.follow"),
    ]

    class FollowChanged(Message):
        """The pane started or stopped following its newest line."""

        def __init__(self, pane: LogPane, following: bool) -> None:
            super().__init__()
            self.pane = pane
            self.following = following

        @property
        def control(self) -> LogPane:
            return self.pane

    def __init__(self, *, max_lines: int = 1000, wrap: bool = False, **kwargs) -> None:
        super().__init__(max_lines=max_lines, highlight=False, auto_scroll=False, **kwargs)
        self._raw: deque[str] = deque(maxlen=max_lines)
        self._following = True
        self._wrap = wrap
        self._wrapped_at = 0

    # ------------------------------------------------------------------ state
    @property
    def following(self) -> bool:
        return self._following

    @property
    def wrap(self) -> bool:
        return self._wrap

    @wrap.setter
    def wrap(self, value: bool) -> None:
        if value != self._wrap:
            self._wrap = value
            self._rerender()

    @property
    def raw_lines(self) -> list[str]:
        return list(self._raw)

    def _set_following(self, value: bool) -> None:
        if value != self._following:
            self._following = value
            self.post_message(self.FollowChanged(self, value))

    def follow(self) -> None:
        """Follow the newest line again (End, or the monitor's ``f``)."""
        self._set_following(True)
        self._to_end()

    def pause(self) -> None:
        self._set_following(False)

    # ------------------------------------------------------------------ writing
    def _wrap_width(self) -> int:
        return max(20, self.scrollable_content_region.width - 1)

    def _shape(self, lines: Iterable[str]) -> list[str]:
        if not self._wrap:
            return list(lines)
        width = self._wrap_width()
        self._wrapped_at = width
        out: list[str] = []
        for line in lines:
            if len(line) <= width:
                out.append(line)
            else:
                out.extend(line[i : i + width] for i in range(0, len(line), width))
        return out

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> LogPane:
        batch = list(lines)
        self._raw.extend(batch)
        super().write_lines(self._shape(batch), scroll_end=False)
        if scroll_end or (scroll_end is None and self._following):
            self._to_end()
        return self

    def clear(self) -> LogPane:
        self._raw.clear()
        super().clear()
        return self

    def _to_end(self) -> None:
        # now, and once more after the next layout (the virtual size of a batch written
        # before the first layout is only known then)
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.call_after_refresh(self._end_if_following)

    def _end_if_following(self) -> None:
        if self._following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _rerender(self) -> None:
        raw = list(self._raw)
        super().clear()
        super().write_lines(self._shape(raw), scroll_end=False)
        if self._following:
            self._to_end()

    def on_resize(self, event: events.Resize) -> None:
        if self._wrap and self._wrap_width() != self._wrapped_at:
            self._rerender()
        elif self._following:
            self._to_end()

    # ------------------------------------------------------------------ the person scrolls
    def action_follow(self) -> None:
        self.follow()

    def action_scroll_end(self) -> None:
        self.follow()

    def action_scroll_up(self) -> None:
        self.pause()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self.pause()
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self.pause()
        super().action_scroll_home()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.allow_vertical_scroll:
            self.pause()
        super()._on_mouse_scroll_up(event)

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        super()._on_mouse_scroll_down(event)
        if not self._following and self.scroll_offset.y >= self.max_scroll_y:
            self.call_after_refresh(self._resume_at_end)

    def _resume_at_end(self) -> None:
        if self.scroll_target_y >= self.max_scroll_y:
            self._set_following(True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.is_vertical_scrollbar_grabbed and new_value < old_value:
            self.pause()
