"""Export: choose a folder, see the files (a dry-run render, made in a worker while the
screen stays live), write them, optionally check that the pipeline definition builds (in a
worker, with progress), then the next steps.

Exporting again into a project written before keeps the person's edits: the writer merges
them three ways with the new rendering; files with conflicts are listed here, with markers
in the files themselves. "Take the new version of every file" is the CLI's ``--force``."""

from __future__ import annotations

import contextlib
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, ProgressBar, Static, Tree

from tui.screens.base import WizardScreen
from tui.widgets.form import text_input
from tui.widgets.tick import Tick
from wizard.errors import WizardError
from wizard.store import config_to_document

if TYPE_CHECKING:
    from exporters.writer import WriteReport


@dataclass
class ExportResult:
    folder: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    """Files you had edited, merged cleanly with the new rendering."""
    conflicts: list[str] = field(default_factory=list)
    """Files you had edited where the new rendering changes the same lines (markers)."""
    kept: list[str] = field(default_factory=list)
    """Files you had edited that the new rendering leaves as they are."""
    verified: bool | None = None
    verify_text: str = ""
    error: str | None = None


class ExportScreen(WizardScreen):
    SCREEN_ID = "export"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "write", "Write", id="export.write"),
    ]

    class Progress(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Finished(Message):
        def __init__(self, result: ExportResult) -> None:
            super().__init__()
            self.outcome = result

    class Rendered(Message):
        """The dry-run render is done (in a worker): the files, or why there are none."""

        def __init__(
            self, files: dict[str, str], data: dict[str, Path], plan: Any, error: str | None
        ) -> None:
            super().__init__()
            self.files = files
            self.data = data
            self.plan = plan
            self.error = error

    def __init__(self) -> None:
        super().__init__("export")
        self.rendered: dict[str, str] = {}
        self.data_copies: dict[str, Path] = {}
        self.render_error: str | None = None
        self.rendering = False
        """True while the worker renders the files; a write asked for meanwhile waits."""
        self._write_when_rendered = False
        self.plan: Any = None
        self.outcome: ExportResult | None = None
        self.busy = False
        self._started = 0.0
        self._progress = ""
        self._ticker: Any = None

    def compose_main(self) -> ComposeResult:
        session = self.wizard.session
        yield Static("Export your project", classes="screen-title")
        yield Static(
            "Writes a runnable SageMaker Pipelines project: pipeline.py, the step scripts, "
            "tests, CI, a README that explains every choice, and your answers (wizard.toml). "
            "Exporting again keeps your edits.",
            classes="stage-summary",
        )
        self._check_config()
        with Horizontal(classes="field-line"):
            yield Label("Folder", classes="field-label")
            yield text_input(
                default_folder(session.path, session.project_name),
                app=self.app,
                id="folder",
                classes="field-control first-focus",
            )
        yield Tick("Take the new version of every file", False, id="force", compact=True)
        yield Tick("Check the project after writing", True, id="verify", compact=True)
        yield Static(
            "The check builds the pipeline definition offline, as SageMaker would, and lists "
            "its steps. It takes a few seconds.",
            classes="field-help",
        )
        if self.render_error:
            yield Static(f"✗ {self.render_error}", classes="field-error", markup=False)
            return
        yield Static("", id="render-error", classes="field-error", markup=False)
        yield Button("Write the project (ctrl+f)", id="write", variant="primary")
        with Vertical(id="export-progress"):
            yield ProgressBar(total=None, show_eta=False, id="progress-bar")
            yield Static("", id="progress-text", markup=False)
        yield Static("", id="export-result", markup=False)
        yield Static(
            "The files it writes (rendering …)", id="files-heading", classes="section-heading"
        )
        tree: Tree[str] = Tree(session.project_name or "project", id="files")
        tree.root.expand()
        yield tree
        with VerticalScroll(id="file-preview"):
            yield Static("Highlight a file to see it here.", id="preview-text", markup=False)

    def _check_config(self) -> None:
        """Cheap, on the UI thread: is there a valid config to render at all?"""
        session = self.wizard.session
        if session.config is None:
            count = len(session.problems())
            self.render_error = (
                f"Nothing to export yet: the configuration has {count} "
                f"problem{'s' if count != 1 else ''} left. Review (ctrl+r) lists "
                f"{'them' if count != 1 else 'it'}; enter on one jumps to its field."
            )

    @work(thread=True, exclusive=True, group="export-render", exit_on_error=False)
    def _render_files(self, config: Any, config_dir: Path) -> None:
        """Render every file (a dry run: nothing is written) off the UI thread."""
        try:
            # the exporter (jinja2) and the plan load with the first render, not in the
            # welcome screen's preparation of the first form
            from exporters.render import data_files, render_project, with_data_in_project
            from wizard.check import checked_config
            from wizard.plan import build_plan
            from wizard.store import config_to_document

            # What `sm-wizard export` writes: every check validate makes (the data's
            # included), the answers the data gives, and local data moved into data/.
            checked = checked_config(config_to_document(config), config_dir)
            resolved = with_data_in_project(checked)
            plan = build_plan(resolved)
            files = render_project(plan, resolved)
            data = data_files(resolved, config_dir, source_uri=checked.data_collection.input_uri)
            self.resolved_config = resolved
        except ImportError as exc:
            self.post_message(
                self.Rendered({}, {}, None, f"The exporter is not available in this build ({exc}).")
            )
        except Exception as exc:
            self.post_message(
                self.Rendered({}, {}, None, getattr(exc, "message", None) or str(exc))
            )
        else:
            self.post_message(self.Rendered(files, data, plan, None))

    def on_export_screen_rendered(self, message: Rendered) -> None:
        self.rendering = False
        self.rendered, self.data_copies, self.plan = message.files, message.data, message.plan
        self.render_error = message.error
        if message.error:
            error = self.query_one("#render-error", Static)
            error.update(f"✗ {message.error}")
            error.display = True
            self.query_one("#files-heading", Static).update("The files it writes")
            self._write_when_rendered = False
            return
        count = len(self.rendered) + len(self.data_copies)
        self.query_one("#files-heading", Static).update(f"The files it writes ({count})")
        self._fill_tree(self.query_one("#files", Tree))
        self.query_one("#write", Button).disabled = False
        if self._write_when_rendered:
            self._write_when_rendered = False
            self.action_write()

    def _fill_tree(self, tree: Tree[str]) -> None:
        folders: dict[str, Any] = {"": tree.root}
        sizes = {path: len(text.encode()) for path, text in self.rendered.items()}
        sizes.update(
            {
                path: src.stat().st_size if src.exists() else 0
                for path, src in self.data_copies.items()
            }
        )
        for path in sorted(sizes):
            parent = ""
            parts = path.split("/")
            for part in parts[:-1]:
                key = f"{parent}/{part}" if parent else part
                if key not in folders:
                    folders[key] = folders[parent].add(part + "/", expand=True)
                parent = key
            folders[parent].add_leaf(f"{parts[-1]}  {_size(sizes[path])}", data=path)

    def on_mount(self) -> None:
        self.wizard.session.mark_visited("export")
        self.refresh_stepper()
        for hidden in self.query("#export-progress, #render-error"):
            hidden.display = False
        self.query_one("#folder", Input).focus()
        config = self.wizard.session.config
        if config is not None and not self.render_error:
            self.rendering = True
            self.query_one("#write", Button).disabled = True
            self._render_files(config, self.wizard.session.data_base_dir)

    @on(Tree.NodeHighlighted, "#files")
    def _preview(self, event: Tree.NodeHighlighted[str]) -> None:
        path = event.node.data
        if path is None:
            return
        preview = self.query_one("#preview-text", Static)
        if path in self.rendered:
            lines = self.rendered[path].splitlines()
            more = f"\n… {len(lines) - 40} more lines" if len(lines) > 40 else ""
            preview.update("\n".join(lines[:40]) + more)
        else:
            preview.update(f"Copied from {self.data_copies[path]} (your data).")

    @on(Input.Submitted, "#folder")
    def _folder_entered(self) -> None:
        self.query_one("#write", Button).focus()

    @on(Button.Pressed, "#write")
    def action_write(self) -> None:
        if self.rendering:  # written as soon as the files are rendered
            self._write_when_rendered = True
            return
        if self.render_error or not self.rendered:
            self.notify(self.render_error or "Nothing to write.", severity="error")
            return
        if not self.busy:
            self.busy = True
            folder = Path(self.query_one("#folder", Input).value.strip() or ".").expanduser()
            force = self.query_one("#force", Tick).value
            verify = self.query_one("#verify", Tick).value
            self.query_one("#write", Button).disabled = True
            self.query_one("#export-progress").display = True
            self.query_one("#export-result", Static).update("")
            self._started = time.monotonic()
            self._ticker = self.set_interval(1.0, self._show_progress)
            self._export(folder, force, verify, self.wizard.session.path)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, folder: Path, force: bool, verify: bool, config_file: Path | None) -> None:
        result = ExportResult(folder=folder)
        self.post_message(self.Progress(f"Writing {len(self.rendered)} files to {folder} …"))
        try:
            report = write_files(
                folder,
                self.rendered,
                self.data_copies,
                force=force,
                answers=self._answers(),
                config_file=config_file,
            )
            result.written = list(report.written)
            result.unchanged = list(report.unchanged)
            result.missing = list(report.missing)
            result.merged = list(report.merged)
            result.conflicts = list(report.conflicts)
            result.kept = list(report.kept)
        except Exception as exc:
            result.error = getattr(exc, "message", None) or str(exc)
            self.post_message(self.Finished(result))
            return
        if verify:
            self.post_message(self.Progress("Checking: building the pipeline definition offline …"))
            try:
                result.verified, result.verify_text = verify_folder(folder, self.plan)
            except Exception as exc:
                result.verified, result.verify_text = (
                    False,
                    getattr(exc, "message", None) or str(exc),
                )
        self.post_message(self.Finished(result))

    resolved_config: Any = None
    """The config the files were rendered from (checked, with the data's answers)."""

    def _answers(self) -> dict[str, Any] | None:
        config = self.resolved_config or self.wizard.session.config
        if config is None:
            return None
        return config_to_document(config)

    def on_export_screen_progress(self, message: Progress) -> None:
        self._progress = message.text
        self._show_progress()

    def _show_progress(self) -> None:
        elapsed = time.monotonic() - self._started
        self.query_one("#progress-text", Static).update(f"{self._progress} ({elapsed:.0f} s)")

    def _scroll_to_result(self) -> None:
        self.query_one("#main").scroll_to_widget(self.query_one("#write"), animate=False, top=True)

    def on_export_screen_finished(self, message: Finished) -> None:
        result = message.outcome
        self.outcome = result
        self.busy = False
        if self._ticker is not None:
            self._ticker.stop()
        self.query_one("#export-progress").display = False
        self.query_one("#write", Button).disabled = False
        self.query_one("#export-result", Static).update(next_steps(result))
        # after the result's new height is laid out, or the scroll lands on the old layout
        self.call_after_refresh(self._scroll_to_result)
        if result.error is None:
            self.wizard.exported(result.folder.resolve())
            self.refresh_stepper()
            severity = "warning" if result.verified is False or result.conflicts else "information"
            if result.conflicts:
                self.notify(
                    f"{len(result.conflicts)} file(s) need you to resolve conflicts: "
                    + ", ".join(result.conflicts),
                    severity="warning",
                    title="Exported, with conflicts",
                )
            else:
                self.notify(f"Exported to {result.folder.resolve()}", severity=severity)
        else:
            self.notify(result.error, severity="error", title="Not exported")


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.1f} KB"


def default_folder(config_file: Path | None, project_name: str) -> str:
    """The folder the screen offers: next to the config file being edited (its own folder
    if that is an export already), else a folder named after the project in the home
    folder, never the folder the tool happened to start in."""
    from exporters.writer import default_out_dir  # the exporter: see ``_render_files``

    name = project_name or "sm-wizard-project"
    folder = default_out_dir(config_file, name) if config_file is not None else Path.home() / name
    with contextlib.suppress(ValueError):
        return str(Path("~") / folder.relative_to(Path.home()))
    return str(folder)


def write_files(
    folder: Path,
    files: dict[str, str],
    data: dict[str, Path],
    *,
    force: bool,
    answers: dict[str, Any] | None = None,
    config_file: Path | None = None,
) -> WriteReport:
    """Write through the exporter's writer (merging with earlier edits) and return its report.
    A refusal to overwrite is reworded for this screen (its own words name CLI flags)."""
    from exporters.writer import ExportConflict, keep_answers_file, write_project  # as above

    files = keep_answers_file(files, folder, config_file)
    try:
        return write_project(folder, files, copies=data, force=force, answers=answers)
    except ExportConflict as exc:
        listed = ", ".join(exc.paths[:6]) + (" …" if len(exc.paths) > 6 else "")
        raise WizardError(
            f"{folder} already has different versions of {listed}, and no record of an "
            "earlier export to merge them with. Nothing was written: choose another folder, "
            "or tick 'Take the new version of every file'."
        ) from None


def verify_folder(folder: Path, plan: Any = None) -> tuple[bool, str]:
    """Build the written project's definition offline (a subprocess: seconds)."""
    from exporters.verify import verify_project  # as above

    result = verify_project(folder, plan=plan)
    if result.ok:
        names = ", ".join(step.name for step in result.steps)
        return True, f"the pipeline definition builds ({result.seconds:.0f} s): {names}"
    return False, result.explain()


def next_steps(result: ExportResult) -> str:
    if result.error:
        return f"✗ Nothing was exported: {result.error}\nNothing on disk changed."
    lines = [
        f"✓ Wrote {len(result.written)} files to {result.folder}"
        + (f" ({len(result.unchanged)} already up to date)" if result.unchanged else "")
        + "."
    ]
    if result.merged:
        lines.append(f"✓ Merged your edits with the new version: {', '.join(result.merged)}.")
    if result.kept:
        lines.append(f"✓ Kept as you edited them: {', '.join(result.kept)}.")
    if result.conflicts:
        lines.append(
            f"! Conflicts in {', '.join(result.conflicts)}: you and the new version changed "
            "the same lines. Both are in the file between <<<<<<< yours and >>>>>>> new "
            "export; edit it to keep what you want."
        )
    if result.missing:
        lines.append(
            f"! Not found, so not copied: {', '.join(result.missing)}. Put your data there "
            "before running."
        )
    if result.verified is True:
        lines.append(f"✓ Checked: {result.verify_text}.")
    elif result.verified is False:
        lines.append(f"✗ The check failed: {result.verify_text}")
    folder = result.folder
    lines += [
        "",
        "Next steps:",
        f"  cd {shlex.quote(str(folder))}",
        "  sm-wizard run wizard.toml --engine local",
        "      runs the whole pipeline on this machine and shows each step live",
        "  sm-wizard runs wizard.toml",
        "      lists the runs started here or from the wizard",
        "  pip install -r requirements.txt && python pipeline.py --help",
        "      the pipeline's own command line: upsert and start it on SageMaker",
        "  sm-wizard bootstrap wizard.toml",
        "      no bucket or IAM role yet? creates both as one CloudFormation stack (it shows",
        "      the changes and asks first) and records them here: Run on SageMaker needs no ARN",
        "  sm-wizard edit wizard.toml",
        "      change your answers here, then export again to the same folder",
    ]
    return "\n".join(lines)
