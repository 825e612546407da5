"""`sm-wizard predict`: a locally registered model answers raw records on this machine, with
the serving code the endpoint runs, and scores the demo's held-out rows as Evaluate did."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from local_helpers import Finished, Workspace
from test_local_scripts import load

from cli.main import main
from runners.local.containers import container_script
from runners.local.project import TEMPLATES_CODE_DIR
from runners.local.registry import LocalModelRegistry
from wizard.plan import build_plan
from wizard.store import load_config


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def held_out_raw_rows(workspace: Workspace) -> pd.DataFrame:
    """The test split's rows as they are in the demo's file, before any fix: prepare.py's
    own reading, cleaning and split (its table keeps the rows' numbers as read)."""
    prepare = load(TEMPLATES_CODE_DIR / "prepare.py")
    config = load_config(workspace.config)
    step = build_plan(config).step("PrepareData")
    data_file = workspace.folder / config.data_collection.input_uri
    args = prepare.parse_args(
        [*step.arguments, "--input-dir", str(data_file.parent), "--output-dir", "unused"]
    )
    parts = prepare.split(prepare.clean(prepare.read_raw(data_file.parent, True), args), args)
    raw = prepare.read_raw(data_file.parent, True)  # clean() may change its table in place
    return raw.loc[parts["test"].index]


def test_held_out_raw_rows_score_the_evaluate_metric(
    demo_workspace: Workspace, demo_run: Finished, tmp_path: Path
) -> None:
    from sklearn.metrics import accuracy_score, roc_auc_score

    assert demo_run.status == "Succeeded"
    held_out = held_out_raw_rows(demo_workspace)
    records = tmp_path / "held_out.csv"
    held_out.to_csv(records, index=False)  # the label column is sent too, and ignored
    answers = tmp_path / "answers.csv"
    result = invoke(
        "predict",
        str(demo_workspace.config),
        "--input",
        str(records),
        "--out",
        str(answers),
        "--registry",
        str(demo_workspace.registry),
    )
    assert result.exit_code == 0, result.output
    found = pd.read_csv(answers, header=None, names=["label", "p0", "p1"])
    assert len(found) == len(held_out)
    registered = LocalModelRegistry(demo_workspace.registry).versions("breast-cancer-models")[-1]
    truth = held_out["target"].to_numpy()
    assert roc_auc_score(truth, found["p1"]) == pytest.approx(registered.metrics["auc"], abs=1e-9)
    assert accuracy_score(truth, found["label"]) == pytest.approx(registered.metrics["accuracy"])


def test_predict_says_what_is_wrong(demo_workspace: Workspace, demo_run: Finished, tmp_path):
    registry = str(demo_workspace.registry)
    config = str(demo_workspace.config)
    partial = tmp_path / "partial.csv"
    partial.write_text("mean_radius,mean_texture\n17.99,10.38\n")
    result = invoke("predict", config, "--input", str(partial), "--registry", registry)
    assert result.exit_code == 2
    assert "missing columns: mean_perimeter, mean_area" in result.output
    bad = tmp_path / "bad.json"
    row = held_out_raw_rows(demo_workspace).head(1).to_dict(orient="records")[0]
    bad.write_text(json.dumps({"instances": [row, {**row, "mean_area": "large"}]}))
    result = invoke("predict", config, "--input", str(bad), "--registry", registry)
    assert result.exit_code == 2
    assert "record 2: mean_area = 'large' is not a number" in result.output
    result = invoke("predict", config, "--input", str(bad), "--registry", str(tmp_path / "none"))
    assert result.exit_code == 2 and "no registered model in group" in result.output
    result = invoke("predict", config, "--registry", registry)
    assert result.exit_code == 2 and "give --input FILE to score, or --serve" in result.output
    result = invoke("predict", config, "--input", str(bad), "--registry", registry, "--model", "99")
    assert result.exit_code == 2 and "has no version 99" in result.output


def test_served_model_answers_http_requests(
    demo_workspace: Workspace, demo_run: Finished, tmp_path: Path
) -> None:
    """The stand-in endpoint `predict --serve` runs: SageMaker's container protocol."""
    package = LocalModelRegistry(demo_workspace.registry).versions("breast-cancer-models")[-1]
    description = tmp_path / "model.json"
    description.write_text(json.dumps({"containers": package.containers}))
    command = [sys.executable, str(container_script("endpoint")), "--model", str(description)]
    server = subprocess.Popen(
        [*command, "--serve", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = server.stdout.readline()  # printed once the socket listens
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        rows = held_out_raw_rows(demo_workspace).head(3).drop(columns=["target"])
        request = urllib.request.Request(
            url,
            data=rows.to_csv(index=False).encode(),
            headers={"Content-Type": "text/csv", "Accept": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.headers["Content-Type"] == "application/json"
            predictions = json.loads(response.read())["predictions"]
        assert len(predictions) == 3 and set(predictions[0]["probabilities"]) == {"0", "1"}
        refused = urllib.request.Request(
            url, data=b"mean_radius\n1\n", headers={"Content-Type": "text/csv"}
        )
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(refused, timeout=60)
        assert error.value.code == 400
        assert b"missing columns" in error.value.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_predict_serve_stops_its_server_with_it(demo_workspace: Workspace, demo_run: Finished):
    """`predict --serve` on 127.0.0.1 (port 0: any free one); stopping the command stops the
    server it started."""
    command = [sys.executable, "-m", "cli.main", "predict", str(demo_workspace.config)]
    served = subprocess.Popen(
        [*command, "--serve", "--port", "0", "--registry", str(demo_workspace.registry)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = served.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split()[-1].replace("/invocations", "/ping")
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200
    finally:
        served.terminate()
        assert served.wait(timeout=60) == 130
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)
    assert "model: breast-cancer-models version" in served.stderr.read()
