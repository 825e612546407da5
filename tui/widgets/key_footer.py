"""``KeyFooter``: the keys of the current screen on one line, drawn as one widget.

Textual's ``Footer`` builds a widget per key and rebuilds them all after every change of the
active bindings; mounting a screen sends several such changes, and those rebuilds were a third
of the time it took to switch screens. This footer draws the same information (key, then what
it does, first key of each action; the command palette key on the right) as text, and redraws
at most once per refresh. It is for reading: every key works from the keyboard, and the mouse
stays optional.
"""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget


class KeyFooter(Widget):
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    _pending = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._redraw)

    def _redraw(self) -> None:
        self._pending = False
        self.refresh()

    def render(self) -> Content:
        app = self.app
        seen: set[str] = set()
        keys: list[Content] = []
        palette: Content | None = None
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = self._key(app.get_key_display(binding), "commands", enabled)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append(self._key(app.get_key_display(binding), binding.description, enabled))
        line = Content(" ").join(keys)
        if palette is not None:
            room = self.size.width - line.cell_length - palette.cell_length - 1
            line = Content.assemble(line, " " * max(room, 1), palette)
        return line

    @staticmethod
    def _key(key: str, description: str, enabled: bool) -> Content:
        key_style = "bold $footer-key-foreground" if enabled else "dim"
        return Content.assemble((f" {key} ", key_style), (description, "" if enabled else "dim"))
