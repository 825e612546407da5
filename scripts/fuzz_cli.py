"""Mutated configs through the CLI's ``validate`` and ``plan``: counts tracebacks and exit codes.

Each config is the demo with 1 to 4 values replaced by hostile ones (NUL, control characters,
a 900,000-character string, lists and tables where text belongs, NaN, huge integers, shell
metacharacters...). Every exit code must be 0 or 2 and no command may end in a traceback.

    .venv/bin/python scripts/fuzz_cli.py DIR [COUNT]     # COUNT defaults to 10,000
"""

from __future__ import annotations

import collections
import copy
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tomli_w
from click.testing import CliRunner

from cli.main import main
from wizard.templates import template_document, write_template_data

HOSTILE: list[Any] = [
    *(True, False, 0, -1, 2**63 - 1, 1e308, float("nan"), 0.5, 3),
    *("", " ", "\x00", "a\nb", "x" * 900_000, "é" * 50, "$(touch PWNED)", "../../etc/passwd"),
    *("s3://", "s3://b/k\n", "data/breast_cancer.csv\x00", "\u2028", "\x7f", "a--b", "A" * 300),
    *("ml.m5.large", "auc", "rmse", "regression", "multiclass_classification", "target"),
    *("cron(0 3 ? * MON *)\n", "mean radius"),
    *([], [1, "a"], {}, {"a": {"b": 1}}),
]


def _paths(doc: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in doc.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _paths(value, (*prefix, key))


def _mutated(base: dict[str, Any], rng: random.Random, paths: list[tuple[str, ...]]) -> dict:
    doc = copy.deepcopy(base)
    for _ in range(rng.randint(1, 4)):
        path = rng.choice(paths)
        node: Any = doc
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[path[-1]] = rng.choice(HOSTILE)
    return doc


def main_(folder: Path, count: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "wizard.toml"
    base = template_document("demo")
    write_template_data("demo", config)
    rng, runner = random.Random(7), CliRunner()
    paths = list(_paths(base))
    codes: collections.Counter[int] = collections.Counter()
    tracebacks: list[tuple[str, str]] = []
    for _ in range(count):
        config.write_text(tomli_w.dumps(_mutated(base, rng, paths)))
        for verb in ("validate", "plan"):
            result = runner.invoke(main, [verb, str(config)])
            codes[result.exit_code] += 1
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                tracebacks.append((verb, repr(result.exception)[:300]))
    print(f"configs: {count}, exit codes: {dict(codes)}, tracebacks: {len(tracebacks)}")
    for verb, error in tracebacks[:10]:
        print(f"  {verb}: {error}")
    return 1 if tracebacks or set(codes) - {0, 2} else 0


if __name__ == "__main__":
    sys.exit(main_(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10_000))
