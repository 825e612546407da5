"""A local stand-in for a SageMaker batch transform job (the model's serving container).

A transform job reads every file under the input prefix, splits it into records
(``SplitType=Line``: one CSV row each), applies ``InputFilter`` to each record, sends the
records to the model's container and writes ``<input file name>.out`` with one prediction
per input line.

The model is served the way its container would serve it:
  * built-in XGBoost (``xgboost-model`` in the model folder): CSV rows in, one score out
    per row (the class-1 probability for binary:logistic, comma-separated probabilities
    for multi:softprob);
  * scikit-learn: the project's ``code/inference.py`` (``model_fn``, ``input_fn``,
    ``predict_fn``, ``output_fn``), as SageMaker's scikit-learn container calls it;
    without one, ``model.joblib`` and its ``predict``.

``InputFilter`` takes SageMaker's JSONPath subset for CSV: ``$`` (everything), ``$[1:]``
(from the second column on), ``$[a:b]``, ``$[i,j,...]`` and ``$[i]``.

This file imports nothing from sm_wizard: it stands for a separate container.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import time
from pathlib import Path


def parse_filter(expression: str | None):
    """A function that picks columns from a CSV record, per a JSONPath filter."""
    text = (expression or "$").replace(" ", "")
    if text == "$":
        return lambda row: row
    if not (text.startswith("$[") and text.endswith("]")):
        raise ValueError(f"unsupported input_filter {expression!r}; use e.g. $[1:]")
    inner = text[2:-1]
    if ":" in inner:
        start, _, stop = inner.partition(":")
        part = slice(int(start) if start else None, int(stop) if stop else None)
        return lambda row: row[part]
    indexes = [int(i) for i in inner.split(",")]
    return lambda row: [row[i] for i in indexes]


def load_handlers(model_dir: Path, code_dir: Path | None):
    """(predict, description): ``predict(rows)`` takes a block of records as a float matrix
    (built-in XGBoost, which parses CSV itself) or as CSV text (a serving script, whose
    ``input_fn`` parses it), and returns one output line per record; it says which it takes
    in ``predict.takes`` ("matrix" or "text")."""
    xgb_file = model_dir / "xgboost-model"
    if xgb_file.exists():
        import numpy as np
        import xgboost

        booster = xgboost.Booster()
        booster.load_model(bytearray(xgb_file.read_bytes()))

        def predict_xgboost(rows) -> list[str]:
            scores = booster.predict(xgboost.DMatrix(np.asarray(rows, dtype=np.float32)))
            if scores.ndim == 2:
                return [",".join(f"{v:.10g}" for v in row) for row in scores]
            return [f"{v:.10g}" for v in scores.tolist()]

        predict_xgboost.takes = "matrix"  # type: ignore[attr-defined]
        return predict_xgboost, "built-in XGBoost"

    inference = code_dir / "inference.py" if code_dir else None
    if inference is not None and inference.exists():
        spec = importlib.util.spec_from_file_location("inference", inference)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(code_dir))
        spec.loader.exec_module(module)
        model = module.model_fn(str(model_dir))

        def predict_script(body: str) -> list[str]:
            rows = module.input_fn(body, "text/csv")
            result = module.predict_fn(rows, model)
            output = module.output_fn(result, "text/csv")
            if isinstance(output, tuple):  # (body, mimetype), as the container accepts
                output = output[0]
            if isinstance(output, bytes):
                output = output.decode("utf-8")
            return str(output).strip("\n").split("\n")

        predict_script.takes = "text"  # type: ignore[attr-defined]
        return predict_script, "scikit-learn (code/inference.py)"

    joblib_file = model_dir / "model.joblib"
    if joblib_file.exists():
        import joblib
        import numpy as np

        model = joblib.load(joblib_file)

        def predict_plain(rows) -> list[str]:
            return [f"{v:.10g}" for v in model.predict(np.asarray(rows, dtype=float))]

        predict_plain.takes = "matrix"  # type: ignore[attr-defined]
        return predict_plain, "scikit-learn (model.joblib)"
    raise SystemExit(f"no xgboost-model or model.joblib in {model_dir}")


def read_records(source: Path):
    """A file's records (one CSV row each, no header) as a pyarrow table, parsed by pyarrow."""
    import pyarrow.csv as pacsv

    options = pacsv.ReadOptions(autogenerate_column_names=True)
    return pacsv.read_csv(source, read_options=options)


def transform_file(source: Path, target: Path, predict, pick, batch_size: int) -> int:
    """Predict every line of ``source`` into ``target``; returns the number of records."""
    import numpy as np
    import pyarrow.csv as pacsv

    target.parent.mkdir(parents=True, exist_ok=True)
    if source.stat().st_size == 0:  # no records: an empty output, as the job writes
        target.write_text("")
        return 0
    table = read_records(source)
    table = table.select(list(pick(list(range(table.num_columns)))))  # InputFilter
    as_text = getattr(predict, "takes", "text") == "text"
    # a request per batch_size records for a serving script (as the container gets them);
    # the built-in parses CSV in C++, so its requests are as large as memory allows
    step = batch_size if as_text else max(batch_size, 100_000)
    count, started, last = 0, time.perf_counter(), 0.0
    with target.open("w") as outfile:
        for start in range(0, table.num_rows, step):
            part = table.slice(start, step)
            if as_text:
                buffer = io.BytesIO()
                options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
                pacsv.write_csv(part, buffer, options)
                records = buffer.getvalue().decode("utf-8")
            else:
                records = np.column_stack([c.to_numpy() for c in part.columns])
            count += write_batch(records, part.num_rows, predict, outfile)
            elapsed = time.perf_counter() - started
            if elapsed - last >= 5:
                last = elapsed
                print(f"{source.name}: {count} of {table.num_rows} records", flush=True)
    return count


def write_batch(records, size: int, predict, outfile) -> int:
    lines = predict(records)
    if len(lines) != size:
        raise SystemExit(f"the model answered {len(lines)} lines for {size} records")
    outfile.write("\n".join(lines) + "\n")
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True, help="the unpacked model")
    parser.add_argument("--code-dir", type=Path, default=None, help="holds inference.py")
    parser.add_argument("--input-dir", type=Path, required=True)
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument("--content-type", default="text/csv")
    parser.add_argument("--split-type", default="Line")
    parser.add_argument("--input-filter", default="$")
    parser.add_argument("--batch-size", type=int, default=1000, help="records per request")
    args = parser.parse_args(argv)
    if args.content_type != "text/csv" or args.split_type != "Line":
        raise SystemExit("the local stand-in handles text/csv split by Line")

    predict, description = load_handlers(args.model_dir, args.code_dir)
    pick = parse_filter(args.input_filter)
    print(f"serving the {description} model; input_filter {args.input_filter}")
    files = sorted(p for p in args.input_dir.rglob("*") if p.is_file())
    if not files:
        raise SystemExit(f"no input files under {args.input_dir}")
    for source in files:
        relative = source.relative_to(args.input_dir)
        target = args.output_dir / relative.parent / (relative.name + ".out")
        records = transform_file(source, target, predict, pick, args.batch_size)
        print(f"{relative}: {records} records -> {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
