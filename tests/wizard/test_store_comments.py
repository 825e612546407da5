"""Saving over an existing wizard.toml edits it in place: comments and order survive."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from wizard.store import dumps, read_document, render_document, update_toml, write_document

COMMENTED = """\
# House prices: the answers for our team's pipeline.
schema_version = 1

[project]
name = "house-prices"  # do not rename: the registry uses it
region = "us-west-2"
description = "prices"

# Training: keep the forest small until we have more data.
[training]
algorithm = "sklearn_random_forest"
hyperparameters = { n_estimators = 200, max_depth = 10 }  # tuned on 2026-11

[deployment]
model_package_group = "house-prices-models"
"""


def _edited(path: Path, change) -> str:  # type: ignore[no-untyped-def]
    doc = read_document(path)
    change(doc)
    write_document(path, doc)
    text = path.read_text()
    assert tomllib.loads(text) == doc  # the file holds exactly the new answers
    return text


@pytest.fixture
def commented(tmp_path: Path) -> Path:
    path = tmp_path / "wizard.toml"
    path.write_text(COMMENTED)
    return path


def test_a_changed_value_keeps_every_comment_and_the_order(commented: Path) -> None:
    text = _edited(commented, lambda d: d["project"].update(region="eu-west-1"))
    assert text == COMMENTED.replace('region = "us-west-2"', 'region = "eu-west-1"')


def test_a_comment_at_the_end_of_a_changed_line_stays(commented: Path) -> None:
    text = _edited(commented, lambda d: d["project"].update(name="house-prices-2"))
    assert 'name = "house-prices-2"  # do not rename: the registry uses it\n' in text


def test_an_inline_table_value_changes_in_place(commented: Path) -> None:
    text = _edited(commented, lambda d: d["training"]["hyperparameters"].update(max_depth=12))
    assert "max_depth = 12" in text
    assert "# Training: keep the forest small until we have more data.\n" in text
    assert text.startswith("# House prices: the answers for our team's pipeline.\n")


def test_added_keys_go_to_their_table_and_removed_keys_go(commented: Path) -> None:
    def change(doc: dict) -> None:  # type: ignore[type-arg]
        doc["project"]["bucket"] = "my-bucket"
        del doc["project"]["description"]
        doc["tuning"] = {"enabled": True, "max_jobs": 4}

    text = _edited(commented, change)
    assert 'region = "us-west-2"\nbucket = "my-bucket"\n\n# Training' in text
    assert "description" not in text
    assert text.endswith("[tuning]\nenabled = true\nmax_jobs = 4\n")
    assert "# do not rename" in text and "# tuned on 2026-11" in text


def test_a_new_file_is_canonical(tmp_path: Path) -> None:
    doc = {"schema_version": 1, "project": {"name": "x", "region": "us-east-1"}}
    write_document(tmp_path / "new.toml", doc)
    assert (tmp_path / "new.toml").read_text() == dumps(doc)
    assert render_document(tmp_path / "absent.toml", doc) == dumps(doc)


def test_none_values_are_absent(commented: Path) -> None:
    doc = read_document(commented)
    doc["project"]["description"] = None
    write_document(commented, doc)
    assert "description" not in commented.read_text()
    assert "# do not rename" in commented.read_text()


def test_text_tomlkit_cannot_edit_falls_back_to_canonical() -> None:
    assert update_toml("a = [1,\n", {"a": 1}) is None  # not TOML: the caller writes canonical
    assert update_toml("a = 1 # one\n", {"a": 2}) == "a = 2 # one\n"
