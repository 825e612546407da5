"""code/prepare_spark.py on a real local Spark session (pyspark and a Java runtime).

The session runs as in AWS's Spark container, where ``fs.defaultFS`` is the cluster's HDFS:
here it points at a closed port on 127.0.0.1, so any path the script hands Spark without
``file://`` fails, as it would on SageMaker. One subprocess (one JVM) runs every case,
with settings for tiny data so the test stays quick; features.py then reads what it wrote.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runners.local.project import TEMPLATES_CODE_DIR

SPLITS = ("train", "validation", "test")


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


pytestmark = [
    pytest.mark.skipif(
        _java() is None,
        reason="no Java runtime (java not on PATH, JAVA_HOME unset): Spark needs one; "
        ".ci/run installs default-jre-headless with apt-get",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None,
        reason="pyspark is not installed (it is in the test dependency group: uv sync --group test)",
    ),
    pytest.mark.slow,
]

# Runs prepare_spark.main for each case in one interpreter, so the JVM starts once. First
# it checks the premise: a bare path (the old way of reading) goes to HDFS and fails.
DRIVER = """
import json, sys
from pyspark.sql import SparkSession
sys.path.insert(0, sys.argv[1])
import time
import prepare_spark
started = time.monotonic()
spark = SparkSession.builder.getOrCreate()
try:
    spark.read.csv(sys.argv[3], header=True).count()
except Exception as error:
    print("BARE PATH FAILED:", [l for l in str(error).splitlines() if "Connection refused" in l][:1])
else:
    print("BARE PATH READ")
spark.stop()
for argv in json.loads(sys.argv[2]):
    print(f"{time.monotonic() - started:.1f}s")
    prepare_spark.main(argv)
print(f"{time.monotonic() - started:.1f}s")
"""

# AWS's Spark container: the default file system is HDFS (here: nothing listens there)
SPARK_CONF = {
    "spark.hadoop.fs.defaultFS": "hdfs://127.0.0.1:9",
    "spark.hadoop.ipc.client.connect.max.retries": "0",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # tiny data: compiling query plans and the JIT's second tier cost more than they save
    "spark.sql.codegen.wholeStage": "false",
}
SUBMIT_ARGS = (
    " ".join(f"--conf {k}={v}" for k, v in SPARK_CONF.items())
    + " --driver-java-options -XX:TieredStopAtLevel=1 pyspark-shell"
)


def _table(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    data = pd.DataFrame(
        {
            "x": x,
            "noise": rng.normal(size=rows),
            "colour": rng.choice(["red", "green", "blue"], size=rows),
            "id": np.arange(rows),
            "label": (x > 0.3).astype(int),
            "price": 3 * x + rng.normal(size=rows),
        }
    )
    data.loc[[3, 17, 40], "noise"] = np.nan
    data.loc[[5, 60], "colour"] = None
    return data


def _run(cases: list[list[str]], root: Path, bare: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["SM_PROCESSING_ROOT"] = str(root)
    env["PYSPARK_SUBMIT_ARGS"] = SUBMIT_ARGS
    env["PYSPARK_PYTHON"] = sys.executable
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(TEMPLATES_CODE_DIR), json.dumps(cases), str(bare)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def spark_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], str]:
    """The container layout (<root>/input/raw: two CSV files, with duplicates and missing
    values), then two runs: a stratified classification split, and a regression split of
    Parquet input (with --input-dir and --output-dir, as prepare.py takes them)."""
    root = tmp_path_factory.mktemp("spark") / "processing"
    raw = root / "input" / "raw"
    raw.mkdir(parents=True)
    table = _table(240, seed=1)  # the same as the `table` fixture
    table.iloc[:150].to_csv(raw / "part-1.csv", index=False)
    pd.concat([table.iloc[150:], table.iloc[:6]]).to_csv(raw / "part-2.csv", index=False)
    parquet_in = root / "parquet-in"
    parquet_in.mkdir()
    table.drop(columns=["colour", "label"]).to_parquet(parquet_in / "data.parquet", index=False)
    outputs = {"classification": root / "output", "regression": root / "regression"}
    cases = [
        [
            *("--target-column", "label", "--drop-column", "id", "--drop-column", "price"),
            *("--drop-duplicates", "--baseline"),
        ],
        [
            *("--target-column", "price", "--problem-type", "regression"),
            *("--missing-values", "mean", "--input-dir", str(parquet_in)),
            *("--output-dir", str(outputs["regression"])),
        ],
    ]
    finished = _run(cases, root, bare=raw / "part-1.csv")
    assert finished.returncode == 0, finished.stderr[-4000:]
    return outputs, finished.stdout


@pytest.fixture
def spark_outputs(spark_run) -> dict[str, Path]:
    return spark_run[0]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return _table(240, seed=1)


def _parts(out: Path) -> dict[str, pd.DataFrame]:
    folders = (*SPLITS, "baseline") if (out / "baseline").exists() else SPLITS
    # no scratch folders left
    assert sorted(p.name for p in out.iterdir()) == sorted((*folders, "fixes"))
    for name in folders:
        assert [p.name for p in (out / name).iterdir()] == [f"{name}.csv"]
    return {name: pd.read_csv(out / name / f"{name}.csv") for name in folders}


def test_classification_split_is_stratified_and_filled(spark_outputs, table) -> None:
    parts = _parts(spark_outputs["classification"])
    baseline = parts.pop("baseline")
    assert sum(len(p) for p in parts.values()) == 240  # the 6 duplicates dropped
    assert len(parts["train"]) == pytest.approx(168, abs=3)  # 70 %, cut within each class
    share = pd.concat(parts.values())["label"].mean()
    for part in parts.values():
        assert list(part.columns) == ["x", "noise", "colour", "label"]
        assert part["noise"].notna().all() and part["colour"].notna().all()
        assert part["label"].mean() == pytest.approx(share, abs=0.08)
    # missing values get the training split's median (numbers) and most frequent value
    # (text), in every split
    rows = pd.concat(parts.values()).merge(table[["x", "noise", "colour"]], on="x")
    filled = rows[rows["noise_y"].isna()]["noise_x"]
    assert len(filled) == 3 and filled.nunique() == 1
    train_noise = parts["train"].merge(table[["x", "noise"]], on="x")["noise_y"].dropna()
    assert (train_noise < filled.iloc[0]).mean() == pytest.approx(0.5, abs=0.02)
    top = parts["train"].merge(table[["x", "colour"]], on="x")["colour_y"].mode()[0]
    assert set(rows[rows["colour_y"].isna()]["colour_x"]) == {top}
    # the data-quality baseline: the training rows as requests carry them (no label, the
    # dropped columns still there, gaps unfilled)
    assert list(baseline.columns) == ["x", "noise", "colour", "id", "price"]
    assert sorted(baseline["x"]) == sorted(parts["train"]["x"])
    unfilled = baseline.merge(table[["x", "noise", "colour"]], on="x")
    assert unfilled["noise_x"].isna().equals(unfilled["noise_y"].isna())
    assert unfilled["colour_x"].isna().equals(unfilled["colour_y"].isna())
    # the row fixes served records go through: prepare.py's format, Spark's fill values
    fixes = json.loads((spark_outputs["classification"] / "fixes" / "rowfixes.json").read_text())
    assert fixes["format"] == 1 and fixes["target"] == "label"
    assert fixes["columns"] == ["x", "noise", "colour", "id", "price"]
    assert fixes["drop"] == ["id", "price"]
    assert fixes["fills"]["noise"] == filled.iloc[0] and fixes["fills"]["colour"] == top


def test_regression_from_parquet_fills_with_the_mean(spark_outputs, table) -> None:
    parts = _parts(spark_outputs["regression"])
    assert "baseline" not in parts  # not asked for
    assert [len(parts[n]) for n in SPLITS] == pytest.approx([168, 36, 36], abs=2)
    rows = pd.concat(parts.values()).merge(table[["x", "noise"]], on="x")
    assert len(rows) == 240
    filled = rows[rows["noise_y"].isna()]["noise_x"]
    train_noise = parts["train"].merge(table[["x", "noise"]], on="x")["noise_y"]
    assert list(filled) == pytest.approx([train_noise.mean()] * 3)


def test_features_reads_what_spark_wrote(spark_outputs, tmp_path) -> None:
    spec = importlib.util.spec_from_file_location("features", TEMPLATES_CODE_DIR / "features.py")
    assert spec and spec.loader
    features = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(features)
    out = tmp_path / "features"
    features.main(
        [
            *("--target-column", "label"),
            *("--input-dir", str(spark_outputs["classification"])),
            *("--output-dir", str(out)),
        ]
    )
    train = pd.read_parquet(out / "train" / "train.parquet")
    assert len(train) == len(pd.read_csv(spark_outputs["classification"] / "train/train.csv"))


def test_a_bare_path_would_go_to_hdfs(spark_run) -> None:
    """The setting the other tests rely on really sends bare paths to HDFS: the old way of
    reading (a path without file://) fails under it, as it did on SageMaker."""
    assert "BARE PATH FAILED:" in spark_run[1], spark_run[1]
    assert ":9 failed on connection exception" in spark_run[1], spark_run[1]
