"""Everything ``sm-wizard validate`` and Review say about a config document: the model's
rules and AWS's rules (``wizard.validation``) together with the checks that read the data
(``wizard.datacheck``).

It sits above both so that neither calls the other: the data checks use the validation's
``Problem`` and section models, and this module merges their findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import WizardConfig
from .datacheck import check_data
from .validation import Problem, validate_document


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Everything ``sm-wizard validate`` and Review say: the config (when it has no error),
    the errors, and the warnings."""

    config: WizardConfig | None
    problems: tuple[Problem, ...]
    profile: Any = None
    """The data profile (``wizard.datacheck.DataProfile``) when the data was read."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def check_document(
    doc: Any, base_dir: Any, *, s3_probe: Any = None, with_profile: bool = True
) -> CheckReport:
    """The model's rules, AWS's rules and the checks that read the data. ``base_dir`` is
    where relative input paths start (the config file's folder, or for an autosaved session
    the folder the wizard was started in); ``s3_probe`` checks S3 inputs (see
    ``wizard.datacheck``)."""
    config, problems = validate_document(doc)
    data = check_data(doc, base_dir, s3_probe=s3_probe, with_profile=with_profile)
    # One message per problem: where the answer itself breaks a rule, what the data check
    # makes of that answer only repeats it ("… contains control characters", then "… does
    # not exist").
    faulty = {p.path for p in problems if p.is_error}
    merged = [*problems, *(p for p in data.problems if p.path not in faulty)]
    if data.errors:
        config = None
    return CheckReport(config, tuple(merged), data.profile)
