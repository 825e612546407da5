"""A wizard edit of a file keeps the person's comments (through the session, as the screens
save): issue 13, "comments survive"."""

from __future__ import annotations

from pathlib import Path

from tui.session import Session


def test_a_wizard_edit_keeps_comments_and_order(demo_file: Path) -> None:
    original = demo_file.read_text()
    commented = "# Our demo, with notes for the team.\n" + original.replace(
        "[training]\n", "# Training: XGBoost, small trees.\n[training]\n"
    ).replace('region = "us-east-1"', 'region = "us-east-1"  # where our data lives')
    demo_file.write_text(commented)
    session = Session.open_file(demo_file)
    session.set_value("training", "max_runtime_seconds", 7200)
    session.set_value("project", "description", "edited in the wizard")
    session.write()
    text = demo_file.read_text()
    assert text.startswith("# Our demo, with notes for the team.\n")
    assert "# Training: XGBoost, small trees.\n[training]\n" in text
    assert 'region = "us-east-1"  # where our data lives\n' in text
    assert "max_runtime_seconds = 7200" in text
    assert 'description = "edited in the wizard"' in text
    # only the two changed lines differ from what the person wrote
    changed = [
        (a, b) for a, b in zip(commented.splitlines(), text.splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 2
