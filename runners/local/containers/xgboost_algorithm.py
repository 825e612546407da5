"""A local stand-in for SageMaker's built-in XGBoost algorithm container (training).

The real container is an image AWS maintains; on this machine the local engine runs this
file instead, as a subprocess, with the same conventions (``<ml>`` stands for ``/opt/ml``):

    <ml>/input/config/hyperparameters.json    every value a string, as SageMaker writes it
    <ml>/input/config/inputdataconfig.json    channel -> {"ContentType": ..., ...}
    <ml>/input/data/<channel>/                train and validation (optional) channels,
                                              label in the first column: Parquet
                                              (application/x-parquet, column names
                                              ignored) or CSV without a header (text/csv)
    <ml>/model/xgboost-model                  the trained Booster (what it saves)
    <ml>/output/failure                       the reason, when training fails

and the built-in's log format, one line per boosting round with tab-separated scores
(CloudWatch shows a tab as ``#011``, and the metric definitions' regexes expect that):

    [12]#011train-auc:0.99125#011validation-auc:0.97210

``<ml>`` is ``$SM_WIZARD_ML_ROOT`` (default ``/opt/ml``); ``SM_CHANNEL_<NAME>`` and
``SM_MODEL_DIR`` override single folders. Hyperparameters follow the built-in's names:
``num_round`` (required), ``early_stopping_rounds``, and every XGBoost parameter
(``objective``, ``eval_metric``, ``max_depth``, ``eta``, ``subsample``, ...).

This file imports nothing from sm_wizard: it stands for a separate container.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

# Hyperparameters the algorithm itself consumes; everything else goes to XGBoost's params.
CONTROL = {"num_round", "early_stopping_rounds", "csv_weights", "save_model_on_termination"}


def ml_root() -> Path:
    return Path(os.environ.get("SM_WIZARD_ML_ROOT", "/opt/ml"))


def channel_dir(name: str) -> Path:
    override = os.environ.get(f"SM_CHANNEL_{name.upper()}")
    return Path(override) if override else ml_root() / "input" / "data" / name


def parse_value(text: str):
    """SageMaker passes every hyperparameter as a string: turn numbers back into numbers."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_hyperparameters() -> dict:
    path = ml_root() / "input" / "config" / "hyperparameters.json"
    raw = json.loads(path.read_text()) if path.exists() else {}
    return {key: parse_value(str(value)) for key, value in raw.items()}


def content_type(channel: str) -> str | None:
    """The channel's ContentType in inputdataconfig.json; None when it has none."""
    path = ml_root() / "input" / "config" / "inputdataconfig.json"
    config = json.loads(path.read_text()) if path.exists() else {}
    return config.get(channel, {}).get("ContentType")


def load_channel(name: str):
    """A DMatrix of every file in the channel (label first), or None. Parquet is read as the
    built-in reads it (pyarrow, every column a number); CSV by pyarrow's parser."""
    import time

    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    import xgboost

    folder = channel_dir(name)
    if not folder.exists():
        return None
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith((".", "_")) and p.stat().st_size
    )
    if not files:
        raise ValueError(f"channel {name} is empty ({folder})")
    declared = content_type(name)
    if declared is None:  # run by hand, without SageMaker's config: go by the file names
        declared = "application/x-parquet" if files[0].suffix == ".parquet" else "text/csv"
    kind = declared.split(";")[0].strip().lower()
    if kind not in ("text/csv", "csv", "application/x-parquet", "parquet"):
        raise ValueError(
            f"channel {name}: the local stand-in reads text/csv and application/x-parquet, "
            f"not {kind}"
        )
    started = time.perf_counter()
    if "parquet" in kind:
        tables = [pq.read_table(f) for f in files]
    else:
        no_header = pacsv.ReadOptions(autogenerate_column_names=True)
        tables = [pacsv.read_csv(f, read_options=no_header) for f in files]
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    del tables
    label = table.column(0).to_numpy().astype(float)
    # float32 is what a DMatrix holds: one copy of the features at that width, not two
    features = np.empty((table.num_rows, table.num_columns - 1), dtype=np.float32)
    for index in range(1, table.num_columns):
        features[:, index - 1] = table.column(index).to_numpy()
    del table
    print(
        f"channel {name}: read {features.shape[0]} rows ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return xgboost.DMatrix(features, label=label, missing=np.nan)


def train() -> None:
    import xgboost

    hps = read_hyperparameters()
    hps = {k: v for k, v in hps.items() if not k.startswith(("_", "sagemaker_"))}
    if "num_round" not in hps:
        raise ValueError("hyperparameter num_round is required (the number of boosting rounds)")
    num_round = int(hps["num_round"])
    early_stopping = hps.get("early_stopping_rounds")
    params = {k: v for k, v in hps.items() if k not in CONTROL}
    if isinstance(params.get("eval_metric"), str) and "," in params["eval_metric"]:
        params["eval_metric"] = params["eval_metric"].split(",")

    dtrain = load_channel("train")
    if dtrain is None:
        raise ValueError("the train channel is required")
    dvalidation = load_channel("validation")
    evals = [(dtrain, "train")] + ([(dvalidation, "validation")] if dvalidation else [])
    print(f"training on {dtrain.num_row()} rows, {dtrain.num_col()} features; params {params}")
    if dvalidation is not None:
        print(f"validating on {dvalidation.num_row()} rows")

    class LogRounds(xgboost.callback.TrainingCallback):
        """Print each round's scores in the built-in container's format."""

        def after_iteration(self, model, epoch, evals_log) -> bool:
            scores = [
                f"{data}-{metric}:{values[-1]:.5f}"
                for data, by_metric in evals_log.items()
                for metric, values in by_metric.items()
            ]
            print(f"[{epoch}]#011" + "#011".join(scores), flush=True)
            return False

    booster = xgboost.train(
        params,
        dtrain,
        num_boost_round=num_round,
        evals=evals,
        early_stopping_rounds=int(early_stopping) if early_stopping and dvalidation else None,
        verbose_eval=False,
        callbacks=[LogRounds()],
    )
    model_dir = Path(os.environ.get("SM_MODEL_DIR") or ml_root() / "model")
    model_dir.mkdir(parents=True, exist_ok=True)
    # The built-in names its file "xgboost-model"; an explicit format avoids a warning.
    raw = booster.save_raw(raw_format="ubj")
    (model_dir / "xgboost-model").write_bytes(bytes(raw))
    print(f"saved {model_dir / 'xgboost-model'}")


def main() -> int:
    try:
        train()
    except Exception as exc:
        # SageMaker shows the failure file as the job's FailureReason: keep it to the point
        # (XGBoost's own messages go on with candidate lists and a native stack trace).
        message = f"AlgorithmError: {(str(exc).strip().splitlines() or [repr(exc)])[0]}"
        failure = ml_root() / "output" / "failure"
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(message)
        traceback.print_exc()
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # `import xgboost` imports scikit-learn when it can (1.3 of its 1.7 s here), for
    # sklearn-style classes this container never uses; None in sys.modules makes that
    # import fail as if sklearn were absent, which xgboost supports. A training job (each
    # tuning trial) then starts in a third of the time.
    sys.modules["sklearn"] = None  # type: ignore[assignment]
    sys.exit(main())
