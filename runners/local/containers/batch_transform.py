"""A local stand-in for a SageMaker batch transform job.

A transform job reads every file under the input prefix (or the one input file), splits it
into records (``SplitType=Line``: one CSV line each), applies ``InputFilter`` to each record,
sends the records to the model's containers in mini-batches and writes ``<input file
name>.out`` with the answers.

The model is served by ``endpoint.py`` (next to this file), the stand-in for SageMaker
hosting: the same containers, loaded the same way. Records are raw (the columns of the
user's data); a header line is read as one (so a file's answers have one line fewer).

``InputFilter`` takes SageMaker's JSONPath subset for CSV: ``$`` (everything), ``$[1:]``
(from the second column on), ``$[a:b]``, ``$[i,j,...]`` and ``$[i]``.

This file imports nothing from sm_wizard: it stands for a separate container.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from endpoint import BadRequest, Endpoint


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


def transform_file(source: Path, target: Path, predict, pick, batch_size: int) -> int:
    """Predict every line of ``source`` into ``target``; returns the number of records."""
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with source.open(newline="") as infile, target.open("w") as outfile:
        batch: list[str] = []
        for row in csv.reader(infile):
            if not row:
                continue
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(pick(row))
            batch.append(buffer.getvalue())
            if len(batch) >= batch_size:
                count += write_batch(batch, predict, outfile)
                batch = []
        if batch:
            count += write_batch(batch, predict, outfile)
    return count


def write_batch(batch: list[str], predict, outfile) -> int:
    answer = predict("\n".join(batch) + "\n")
    lines = answer.strip("\n").split("\n") if answer.strip() else []
    if len(lines) > len(batch):
        raise SystemExit(f"the model answered {len(lines)} lines for {len(batch)} records")
    if lines:
        outfile.write("\n".join(lines) + "\n")
    return len(batch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the model (endpoint.py's JSON)")
    parser.add_argument("--input", type=Path, required=True, help="a file or folder of records")
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument("--content-type", default="text/csv")
    parser.add_argument("--accept", default="text/csv")
    parser.add_argument("--split-type", default="Line")
    parser.add_argument("--input-filter", default="$")
    parser.add_argument("--batch-size", type=int, default=1000, help="records per request")
    args = parser.parse_args(argv)
    if args.content_type != "text/csv" or args.split_type != "Line":
        raise SystemExit("the local stand-in handles text/csv split by Line")

    pick = parse_filter(args.input_filter)
    with tempfile.TemporaryDirectory(prefix="sm-wizard-transform-") as workdir:
        model = Endpoint(json.loads(args.model.read_text()), Path(workdir))
        print(f"serving {len(model.containers)} container(s); input_filter {args.input_filter}")

        def predict(body: str) -> str:
            try:
                answer, _ = model.invoke(body.encode(), args.content_type, args.accept)
            except BadRequest as error:
                raise SystemExit(f"the model refused a mini-batch: {error}") from None
            return answer.decode()

        if args.input.is_file():
            base, files = args.input.parent, [args.input]
        else:
            base, files = args.input, sorted(p for p in args.input.rglob("*") if p.is_file())
        if not files:
            raise SystemExit(f"no input files under {args.input}")
        for source in files:
            relative = source.relative_to(base)
            target = args.output_dir / relative.parent / (relative.name + ".out")
            records = transform_file(source, target, predict, pick, args.batch_size)
            print(f"{relative}: {records} records -> {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
