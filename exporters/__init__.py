"""Plan -> files: the exported SageMaker Pipelines project, and its offline verification.

``render_project`` is pure (``{relative path: text}``), ``write_project`` is the one function
that writes, ``export_project`` does both for a config, and ``verify.verify_project`` proves
the written project builds its pipeline definition. None of them imports the SageMaker SDK.
"""

from __future__ import annotations

import os
from pathlib import Path

from wizard.config import WizardConfig
from wizard.plan import build_plan
from wizard.store import config_to_document

from .packaged import ExportError
from .render import data_files, render_project, with_data_in_project
from .writer import (
    ExportConflict,
    WriteReport,
    default_out_dir,
    keep_answers_file,
    write_project,
)

__all__ = [
    "ExportConflict",
    "ExportError",
    "WriteReport",
    "data_files",
    "default_out_dir",
    "export_project",
    "render_project",
    "write_project",
]


def export_project(
    config: WizardConfig,
    out_dir: str | os.PathLike[str],
    *,
    config_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    config_file: str | os.PathLike[str] | None = None,
) -> WriteReport:
    """Render the project for ``config`` and write it to ``out_dir``.

    ``config_dir`` is the folder the config's relative paths start from (the folder of its
    file); local input data found there is copied into the project's ``data/`` folder and
    the project's own ``wizard.toml`` points there (``with_data_in_project``). Files you edited since the last
    export are merged with the new rendering (see ``writer``); ``dry_run`` writes nothing and
    returns the diffs. ``config_file`` is the file the config was read from: when it is the
    project's own ``wizard.toml`` (exporting a project in place), that file is the answers
    and is left exactly as it is, comments included.
    """
    source_uri = config.data_collection.input_uri  # where the data is now
    if config_file is not None and config_dir is None:
        config_dir = Path(config_file).parent
    in_place = (
        config_file is not None and Path(config_file).resolve().parent == Path(out_dir).resolve()
    )
    if config_dir is not None and not in_place:
        config = with_data_in_project(config)
    files = render_project(build_plan(config), config)
    copies = (
        data_files(config, Path(config_dir), source_uri=source_uri)
        if config_dir is not None
        else {}
    )
    files = keep_answers_file(files, out_dir, Path(config_file) if config_file else None)
    return write_project(
        out_dir,
        files,
        copies=copies,
        force=force,
        answers=config_to_document(config),
        dry_run=dry_run,
    )
