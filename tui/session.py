"""The wizard's one source of truth: the config draft, its problems and where it is saved.

Pure Python (no Textual), so it is tested without an app and the app stays thin. An unfinished
config cannot yet be a ``WizardConfig``, so the session holds the *document* (the dict that
becomes ``wizard.toml``) and, derived from it after every change, the validated model of each
section and every problem with its TOML path. Screens read from here when they mount and hand
each change back with ``set_value``; nothing else keeps a copy. The last data check's report
is kept here too (``data_report``), for every screen that shows problems in the data.

Saving: every change is written atomically, either to the file being edited (``sm-wizard edit
FILE``, after "Save as" or after an export: the exported ``wizard.toml``) or, for a session that
has no file yet, to the autosave in the state folder (``tui/session_files.py``). The app does
the writing off the UI thread (``tui/autosave.py``) from the snapshots this class hands out
(``document_text``, ``meta_text``); ``write`` does it in place, for scripts and tests. A small
``session.json`` next to the autosave remembers which file (if any), the screen the person was
on and the stages they had visited, so the next start offers to resume. The saving half, and
what happens when another writer changed the file meanwhile, is ``tui/session_saving.py``.

This module loads the domain (pydantic): the app imports it only after the welcome screen has
painted (the welcome screen's look-up worker is its first importer).
"""

from __future__ import annotations

import copy
import json
import os
import shlex
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tui.navigation import PROFILE, REVIEW, screen_order, sections_of
from tui.session_files import SessionInfo, autosave_file, content_hash, meta_file, read_disk
from tui.session_saving import Conflict, SessionSaving
from wizard.algorithms import ALGORITHMS
from wizard.config import SECTION_MODELS, WizardConfig
from wizard.config.base import Section
from wizard.config.project import Profile
from wizard.defaults import profile_answers
from wizard.recommend import recommend
from wizard.recommend.picks import StageRecommendation
from wizard.store import read_document
from wizard.templates import template_document, write_template_data
from wizard.validation import Problem, validate_document, validate_section

if TYPE_CHECKING:
    from wizard.datafacts import DataReport

StageState = Literal["unvisited", "complete", "problems"]


class Session(SessionSaving):
    """The config draft being edited, its derived models and problems, and its saving."""

    def __init__(
        self,
        doc: dict[str, Any],
        path: Path | None = None,
        *,
        visited: Iterable[str] = (),
        screen: str = PROFILE,
        clock: Any = None,
        start_dir: Path | None = None,
    ) -> None:
        self.doc: dict[str, Any] = doc
        self.path: Path | None = Path(path) if path is not None else None
        self.start_dir: Path = Path(start_dir) if start_dir is not None else Path.cwd()
        """The folder the wizard was started in (relative paths of a session with no file)."""
        self.data_dir: Path | None = None
        """Where a template's sample data was written (next to the autosave), if anywhere."""
        self.notes: list[str] = []
        """Things the person must be told once (a data file not written, a corrupt autosave
        kept aside); the app shows and clears them."""
        self._history: list[dict[str, Any]] = []
        self._before: dict[str, Any] = copy.deepcopy(doc)
        self.visited: set[str] = set(visited)
        self.screen: str = screen
        self.unsaved_to_file: bool = self.path is None and bool(doc)
        """True while the work lives only in the autosave (quitting then asks first)."""
        self.pending_write: bool = False
        self.last_error: str | None = None
        self._clock = clock or (lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
        self._models: dict[str, Section | None] = {}
        self._problems: dict[str, list[Problem]] = {}
        self._cross: list[Problem] = []
        self._config: WizardConfig | None = None
        self._recs: tuple[str, list[StageRecommendation]] | None = None
        self.revision = 0
        self.data_report: DataReport | None = None
        """The last data check's report (``check_data``, run in a worker), if any."""
        self._data_report_revision = -1
        self.base: dict[str, Any] = copy.deepcopy(doc)
        """The document as this session last read or wrote it (the merge's common base)."""
        self.disk_hash: str | None = None
        """``content_hash`` of the save target as last read or written; None: not known
        (a new draft may replace whatever is there)."""
        self.conflict: Conflict | None = None
        """Keys both this session and another writer changed, until ``settle``."""
        self.taken: list[str] = []
        """Keys the last write took from another writer (the app shows them and clears)."""
        self.revalidate()

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_template(cls, name: str) -> Session:
        """A new session from a template, living in the autosave until saved to a file. The
        demos' sample data is written next to the autosave, where their relative
        ``input_uri`` points (``save_as`` and the export take it along)."""
        doc = template_document(name)
        session = cls(doc, None)
        session.unsaved_to_file = True
        try:
            if write_template_data(name, autosave_file()):
                session.data_dir = autosave_file().parent
        except OSError as exc:  # a read-only state folder: the session still works
            uri = doc.get("data_collection", {}).get("input_uri", "")
            session.notes.append(
                f"The sample data ({uri}) could not be written to {autosave_file().parent} "
                f"({exc.strerror or exc}). Save the project to a file (ctrl+p, Save to a file…) in a folder you can "
                "write, then add your data next to it, or start it with: sm-wizard init "
                f"--template {shlex.quote(name)} --out FOLDER/wizard.toml"
            )
        return session

    @classmethod
    def open_file(cls, path: Path) -> Session:
        """Edit a config file; a missing file starts from the blank template (and is created
        on the first change). Sections already in the file count as visited."""
        path = Path(path)
        disk_hash = content_hash(read_disk(path)) if path.exists() else content_hash(None)
        if path.exists():
            doc = read_document(path)
            visited = [s for s in screen_order() if any(t in doc for t in sections_of(s))]
        else:
            doc, visited = template_document("blank"), []
        session = cls(doc, path, visited=visited)
        session.disk_hash = disk_hash
        session.screen = session.first_screen_needing_work()
        return session

    @classmethod
    def resume(cls, info: SessionInfo) -> Session:
        try:
            meta = json.loads(meta_file().read_text("utf-8"))
        except (OSError, ValueError):
            meta = {}
        visited = meta.get("visited", []) if isinstance(meta, dict) else []
        source = info.file if info.file is not None else autosave_file()
        disk_hash = content_hash(read_disk(source))
        doc = read_document(source)
        order = screen_order()
        screen = info.screen if info.screen in order else PROFILE
        session = cls(doc, info.file, visited=[v for v in visited if v in order], screen=screen)
        session.unsaved_to_file = info.file is None
        session.disk_hash = disk_hash
        return session

    # ------------------------------------------------------------------ reading

    def section(self, name: str) -> dict[str, Any]:
        """A copy of one table of the draft (empty if absent)."""
        data = self.doc.get(name)
        return copy.deepcopy(data) if isinstance(data, dict) else {}

    def model(self, section: str) -> Section | None:
        return self._models.get(section)

    @property
    def config(self) -> WizardConfig | None:
        """The whole config, once every section and every cross-section rule passes."""
        return self._config

    @property
    def project_name(self) -> str:
        return str(self.doc.get("project", {}).get("name", "") or "")

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the answers resolve against: the file's folder, or,
        before there is a file, the folder the wizard was started in (never the state
        folder)."""
        return self.path.resolve().parent if self.path is not None else self.start_dir.resolve()

    @property
    def data_base_dir(self) -> Path:
        """The folder the answers' relative input path is found in: ``base_dir``, except for
        a template's sample data that was written beside the autosave before there was a file
        (``data_dir``), when it is not also in ``base_dir``."""
        uri = self.doc.get("data_collection", {}).get("input_uri", "")
        if (
            self.data_dir is not None
            and isinstance(uri, str)
            and uri
            and "://" not in uri
            and not os.path.isabs(uri)
            and not (self.base_dir / uri).exists()
            and (self.data_dir / uri).exists()
        ):
            return self.data_dir
        return self.base_dir

    def resolve(self, relative: str) -> Path:
        """A path from the answers, made absolute against ``base_dir``."""
        return self.base_dir / Path(relative).expanduser()

    def problems(self, section: str | None = None) -> list[Problem]:
        """Every problem of one table (field rules, then rules spanning tables), or of all."""
        if section is None:
            found = [p for s in self._problems.values() for p in s]
            return found + [p for p in self._cross if p not in found]
        return self._problems.get(section, []) + [p for p in self._cross if p.section == section]

    def screen_problems(self, screen: str) -> list[Problem]:
        return [p for s in sections_of(screen) for p in self.problems(s)]

    def stage_state(self, screen: str) -> StageState:
        if screen not in self.visited:
            return "unvisited"
        return "problems" if self.screen_problems(screen) else "complete"

    def first_screen_needing_work(self) -> str:
        for screen in screen_order()[:-2]:
            if screen not in self.visited or self.screen_problems(screen):
                return screen
        return REVIEW

    def profile_answers(self, profile: Profile | None = None) -> dict[str, Any]:
        """The unset profile answers the input and the data read give (where the data is,
        how big it is), as WizardConfig and the data checks give them to export and run."""
        profile = profile or self._models.get("profile") or Profile()
        uri = str(self.section("data_collection").get("input_uri") or "")
        return profile_answers(profile, uri, getattr(self.data_report, "profile", None))

    def recommendations(self) -> dict[str, StageRecommendation]:
        """Per stage id, the recommendation for the current answers (the last valid ones
        while ``[profile]`` has a problem)."""
        profile = self._models.get("profile")
        if profile is None:
            if self._recs is not None:
                return {r.stage: r for r in self._recs[1]}
            profile = Profile()
        update = self.profile_answers(profile)
        if update:
            profile = profile.model_copy(update=update)
        key = profile.model_dump_json()
        if self._recs is None or self._recs[0] != key:
            self._recs = (key, recommend(profile))  # type: ignore[arg-type]
        return {r.stage: r for r in self._recs[1]}

    # ------------------------------------------------------------------ the data

    def check_data(self) -> DataReport:
        """The data checks of the draft as it is now (slow on a first read: call from a
        worker; the draft is copied first, so edits meanwhile do not race the check)."""
        from wizard.datacheck import check_data  # ~150 ms more: only when a screen reads data

        return check_data(copy.deepcopy(self.doc), self.data_base_dir)

    def remember_data_report(self, report: DataReport, revision: int | None = None) -> bool:
        """Keep ``report`` as ``data_report``. ``revision``: the draft's revision the check
        read; a check of an older draft never replaces a newer one's (None: kept whatever).
        Returns whether it was kept."""
        if revision is not None and revision < self._data_report_revision:
            return False
        self.data_report = report
        self._data_report_revision = -1 if revision is None else revision
        return True

    # ------------------------------------------------------------------ changing

    def ensure_section(self, section: str) -> bool:
        """Give a stage that has no table yet one with the recommended services chosen, so a
        newcomer starts from the advice. Returns True if the draft changed.

        The ticks are an answer, written to the file at once: a newcomer who takes what a
        stage shows (ctrl+f, ctrl+f...) expects to get it, and Review, the run behind ``r``
        (which reads the file) and the export must all see the pipeline the screens showed.
        Written only in memory, Review drew 9 steps while ``r`` ran the file's 7 (issue 27).
        It is not an undo step (undoing it would show the same stage ticked again); space
        unticks."""
        if section in self.doc or section in ("project", "profile"):
            return False
        rec = self.recommendations().get(section)
        picks = [p.service for p in rec.recommended] if rec else []
        if section == "tuning":
            enabled = "automatic-model-tuning" in picks
            self.doc[section] = {"enabled": enabled}
            if enabled:  # tuning needs a range: start with one the person can see and edit
                self.doc[section]["ranges"] = [starter_range(self.doc)]
        else:
            self.doc[section] = {"services": picks}
        self.revision += 1
        self._before = copy.deepcopy(self.doc)
        self.pending_write = True
        if self.path is None:
            self.unsaved_to_file = True
        self.revalidate()
        return True

    def set_value(self, section: str, key: str, value: Any) -> None:
        """Set one key of one table; ``None`` removes the key (its default then applies)."""
        table = self.doc.setdefault(section, {})
        if not isinstance(table, dict):
            table = self.doc[section] = {}
        if value is None:
            if key not in table:
                return
            del table[key]
        else:
            if table.get(key, _MISSING) == value and type(table.get(key)) is type(value):
                return
            table[key] = copy.deepcopy(value)
        self._changed()

    def replace_document(self, doc: dict[str, Any]) -> bool:
        """Make the draft ``doc`` (a data fix made by ``wizard.datainsights.apply_fix``, which
        may touch several keys): one change, saved and undone like a typed one. Returns
        whether anything changed."""
        if doc == self.doc:
            return False
        self.doc = copy.deepcopy(doc)
        self._changed()
        return True

    def mark_visited(self, screen: str) -> None:
        self.visited.add(screen)

    def _changed(self) -> None:
        self._history.append(self._before)
        del self._history[:-200]
        self._before = copy.deepcopy(self.doc)
        self.revision += 1
        self.pending_write = True
        if self.path is None:
            self.unsaved_to_file = True
        self.revalidate()

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def undo(self) -> bool:
        """Go back to the answers before the last change (ctrl+z); False if there is none."""
        if not self._history:
            return False
        self.doc = self._history.pop()
        self._before = copy.deepcopy(self.doc)
        self.revision += 1
        self.pending_write = True
        if self.path is None:
            self.unsaved_to_file = True
        self.revalidate()
        return True

    def revalidate(self) -> None:
        self._models.clear()
        self._problems.clear()
        for section in SECTION_MODELS:
            data = self.doc.get(section)
            if data is None:
                if section in ("project", "data_collection"):
                    self._models[section] = None
                    self._problems[section] = [
                        Problem(section, f"the [{section}] table is missing; fill in this stage")
                    ]
                continue
            model, problems = validate_section(section, data)
            self._models[section] = model
            self._problems[section] = problems
        self._config, self._cross = None, []
        if not any(self._problems.values()):
            config, problems = validate_document(self.doc)
            self._config = config
            self._cross = problems


_MISSING = object()


def starter_range(doc: dict[str, Any]) -> dict[str, Any]:
    """A first tuning range for the chosen algorithm (see ``Algorithm.starter_range``)."""
    algorithm_id = doc.get("training", {}).get("algorithm", "xgboost")
    algorithm = ALGORITHMS.get(algorithm_id, ALGORITHMS["xgboost"])
    return dict(algorithm.starter_range() or {})
