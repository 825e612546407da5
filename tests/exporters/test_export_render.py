"""Rendering: golden trees, reproducibility, generated code quality, every service shown."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from export_cases import CASES, GOLDEN_DIR, Case, parse_python

from exporters import ExportError, data_files, render_project
from exporters.filters import comment, markdown, markdown_code, py, snake
from exporters.packaged import (
    AWS_SHAPES,
    CODE_DIR,
    LAMBDA_HANDLER,
    OFFLINE_HARNESS,
    TEMPLATES_DIR,
)
from wizard.catalog import load_catalog
from wizard.plan import build_plan
from wizard.store import load_config
from wizard.templates import template_document
from wizard.validation import validate_or_raise

RUFF = [sys.executable, "-m", "ruff"]


def _verbatim_source(path: str) -> Path | None:
    """The package file a scaffold file is copied from unchanged, if it is one."""
    if path.startswith("code/"):
        return CODE_DIR / path.removeprefix("code/")
    if path == "tests/offline.py":
        return OFFLINE_HARNESS
    if path == "tests/aws_shapes.py":
        return AWS_SHAPES
    if path == LAMBDA_HANDLER:
        return TEMPLATES_DIR / "scaffold" / LAMBDA_HANDLER
    return None


def _golden_files(files: dict[str, str]) -> dict[str, str]:
    # Copied files (the step scripts, the offline harness, the Lambda handler) have their own
    # tests: here they must only be faithful copies, so the golden trees hold rendered files.
    return {path: text for path, text in files.items() if _verbatim_source(path) is None}


def test_golden_tree(case: Case, update_golden: bool) -> None:
    golden = GOLDEN_DIR / case.name
    expected = _golden_files(case.files)
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for path, text in expected.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_bytes(text.encode("utf-8"))
    on_disk = {
        p.relative_to(golden).as_posix(): p.read_bytes().decode("utf-8")
        for p in sorted(golden.rglob("*"))
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(expected), "files differ: run with --update-golden"
    for path, text in expected.items():
        assert on_disk[path] == text, f"{case.name}/{path} differs: run with --update-golden"


def test_step_scripts_are_copied_byte_for_byte(case: Case) -> None:
    code = {p: t for p, t in case.files.items() if p.startswith("code/")}
    assert {p.removeprefix("code/") for p in code} >= set(case.plan.scripts)
    assert "tests/offline.py" in case.files
    for path, text in case.files.items():
        source = _verbatim_source(path)
        if source is None:
            continue
        assert text.encode("utf-8") == source.read_bytes()
        assert (case.project / path).read_bytes() == source.read_bytes()


def test_the_scaffolds_python_patches_nothing_private_in_botocore(case: Case) -> None:
    """The exported project's files (its tests and harness included) use botocore's public
    API only: a user's project must not break when botocore's internals change."""
    for path, text in case.files.items():
        if path.endswith(".py"):
            assert "botocore.loaders" not in text and "from botocore import loaders" not in text
            assert not re.search(r"botocore\.\w+\._|\b_load_file\b", text), path


def test_rendering_is_byte_identical_twice(case: Case) -> None:
    assert render_project(build_plan(case.config), case.config) == case.files


def test_reexport_from_the_scaffold_reproduces_it(case: Case) -> None:
    again = load_config(case.project / "wizard.toml")
    assert render_project(build_plan(again), again) == case.files
    assert (case.project / "wizard.toml").read_text("utf-8") == case.files["wizard.toml"]


def test_local_data_travels_with_the_scaffold(cases: dict[str, Case]) -> None:
    demo = cases["demo"]
    copied = demo.project / demo.config.data_collection.input_uri
    assert (
        copied.read_bytes()
        == (demo.config_path.parent / demo.config.data_collection.input_uri).read_bytes()
    )
    assert not any(p.name == "data" for p in cases["large_realtime"].project.iterdir())


def test_data_files_only_copies_paths_inside_the_folder(tmp_path: Path) -> None:
    doc = template_document("demo")
    for uri, expected in (
        ("data/x.csv", {"data/x.csv": tmp_path / "data/x.csv"}),
        ("../outside.csv", {}),
        ("/abs/data.csv", {}),
        ("s3://bucket/data.csv", {}),
    ):
        doc["data_collection"]["input_uri"] = uri
        assert data_files(validate_or_raise(doc), tmp_path) == expected


def test_every_selected_service_appears_in_the_export(case: Case) -> None:
    readme = case.files["README.md"]
    catalog = load_catalog()
    for stage, services in case.plan.services.items():
        for service in services:
            assert f"(`{service}`)" in readme, f"{service} ({stage}) is not in the README"
            assert catalog[service].name in readme


def test_scripts_appear_only_when_their_services_are_chosen(cases: dict[str, Case]) -> None:
    demo, large = cases["demo"].files, cases["large_realtime"].files
    assert "deploy.py" not in demo and "feature_store.py" not in demo
    assert {"deploy.py", "monitoring.py", "feature_store.py", "lambda/handler.py"} <= set(large)
    assert "autopilot.py" not in large


def test_generated_python_compiles(case: Case) -> None:
    for path, text in case.files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")
            parse_python(text)


def test_generated_code_is_ruff_clean_and_formatted(cases: dict[str, Case]) -> None:
    projects = [str(case.project) for case in cases.values()]
    for project in projects:
        check = subprocess.run(
            [*RUFF, "check", "--no-cache", "."], cwd=project, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout
        fmt = subprocess.run(
            [*RUFF, "format", "--check", "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert fmt.returncode == 0, fmt.stdout


def test_commands_show_help_without_any_aws_setting(background) -> None:
    # No region, no credentials: `python pipeline.py --help` must still work (the SDK
    # creates a client while it is imported, so pipeline.py supplies its region).
    for script, expected in (("pipeline.py", "upload-data"), ("deploy.py", "--delete")):
        done = background.result(f"help:{script}")
        assert done.returncode == 0, done.stderr[-2000:]
        assert expected in done.stdout


def test_no_account_bucket_or_credential_is_written(case: Case) -> None:
    for path, text in case.files.items():
        if path.startswith("code/") or path == "wizard.toml":
            continue
        assert "AKIA" not in text
        assert "111122223333" not in text or path == "tests/offline.py"
        assert "aws_secret_access_key" not in text.lower() or path == "tests/offline.py"


def test_the_plan_and_config_must_match() -> None:
    demo = validate_or_raise(template_document("demo"))
    other = template_document("regression-demo")
    with pytest.raises(ExportError):
        render_project(build_plan(validate_or_raise(other)), demo)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "it's",
        'say "hi"',
        "both ' and \"",
        "back\\slash",
        "line\nbreak",
        "\x00\x1b",
        "__import__('os').system('id')",
        "é ü 😀",
        "x" * 5000,
        "",
        "'''",
        '"""',
    ],
)
def test_py_literals_round_trip(value: str) -> None:
    literal = py(value)
    tree = parse_python(literal, mode="eval")
    assert ast.literal_eval(tree) == value
    assert isinstance(tree.body, ast.Constant)


def test_py_prefers_double_quotes_and_rejects_odd_values() -> None:
    assert py("abc") == '"abc"'
    assert py(["a", 1, 0.5, True]) == '["a", 1, 0.5, True]'
    with pytest.raises(ExportError):
        py(float("nan"))
    with pytest.raises(ExportError):
        py(object())


def test_comments_and_markdown_stay_on_one_line() -> None:
    assert comment("a\nb\r\nc\u2028d") == "a b  c d"
    assert markdown("x | <b>\ny") == "x \\| &lt;b&gt; y"
    assert markdown("[a](javascript:alert(1))") == "\\[a\\](javascript:alert(1))"
    assert markdown("1. two") == "1\\. two" and markdown("- x") == "\\- x"
    assert markdown_code("a`b|c") == "``a`b\\|c``"


_HOSTILE_TEXT = (
    "[a](javascript:alert(1)) ![i](http://x/i.png) <script>x</script> **b** "
    "<http://auto.link> &amp; _e_ ~~s~~ | cell"
)


def _markdown_nodes(text: str) -> list:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("gfm-like").parse(text)
    return [child for token in tokens for child in (token.children or [])] + tokens


def test_user_text_reaches_the_readme_as_text_not_markdown(tmp_path: Path) -> None:
    """Issue 15: a description, a column or a group name typed by a person never becomes a
    link, an image, HTML or formatting in the exported README; it reads as typed."""
    doc = template_document("demo")
    doc["project"]["description"] = _HOSTILE_TEXT
    config = validate_or_raise(doc)
    readme = render_project(build_plan(config), config)["README.md"]
    clean = render_project(build_plan(validate_or_raise(template_document("demo"))), config)
    allowed_links = {
        token.attrs.get("href")
        for token in _markdown_nodes(clean["README.md"])
        if token.type == "link_open"
    }
    for token in _markdown_nodes(readme):
        assert token.type not in ("html_inline", "html_block", "image", "s_open"), token
        if token.type == "link_open":
            assert token.attrs.get("href") in allowed_links, token.attrs
            assert "javascript" not in str(token.attrs.get("href"))
    text = "".join(t.content for t in _markdown_nodes(readme) if t.type in ("text", "code_inline"))
    assert "[a](javascript:alert(1))" in text and "<script>x</script>" in text and "**b**" in text


def test_derived_names_are_identifiers() -> None:
    assert snake("PrepareData") == "prepare_data"
    assert snake("DataQualityBaseline") == "data_quality_baseline"
    for bad in ("Step-1", "class", "a b", "Ünicode"):
        with pytest.raises(ExportError):
            snake(bad)


def test_cases_cover_the_contrasts(cases: dict[str, Case]) -> None:
    kinds = {name: {s.kind for s in case.plan.steps} for name, case in cases.items()}
    assert "Transform" in kinds["small_batch"] and "Tuning" in kinds["large_realtime"]
    assert "ClarifyCheck" in kinds["large_realtime"]
    assert "PySparkProcessor(" in cases["large_realtime"].files["pipeline.py"]
    assert "SourceCode(" in cases["small_batch"].files["pipeline.py"]
    assert "enable_managed_spot_training=True" in cases["large_realtime"].files["pipeline.py"]
    assert set(CASES) == set(cases)


def test_no_script_hard_codes_the_aws_partition(case: Case) -> None:
    """Issue 11 item 8: ARNs the scripts build take the partition of the region (aws-cn,
    aws-us-gov...) from botocore, never a literal ``arn:aws:``."""
    for path, text in case.files.items():
        if path.endswith(".py"):
            code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
            assert not any('f"arn:aws:' in line for line in code), path
    if "deploy.py" in case.files and "SourceArn" in case.files["deploy.py"]:
        assert "get_partition_for_region(args.region)" in case.files["deploy.py"]


def test_the_schedule_uses_its_own_role(cases: dict[str, Case]) -> None:
    """Issue 11 item 8: EventBridge Scheduler cannot assume the SageMaker role, so
    `schedule` takes a role of its own and refuses to run without one."""
    source = cases["large_realtime"].files["pipeline.py"]
    assert "role_arn=args.scheduler_role_arn" in source
    assert 'os.environ.get("SCHEDULER_ROLE_ARN")' in source
    tree = parse_python(source)
    schedule = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "schedule")
    assert "_role(args)" not in ast.unparse(schedule)
    readme = cases["large_realtime"].files["README.md"]
    assert "--scheduler-role-arn" in readme and "SAGEMAKER_VALIDATE_ROLE=false" in readme
