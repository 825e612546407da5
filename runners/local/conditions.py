"""PropertyFile lookups (``JsonGet``) and Condition comparisons, with SageMaker's semantics.

``JsonGet(step_name=..., property_file=..., json_path="a.b.value")`` reads a JSON file a
Processing step declared as a PropertyFile and picks one value by a JsonPath: dotted keys,
``[n]`` list indexes and ``['key']`` quoting. A path that does not resolve fails the step
that evaluates it (SageMaker fails the Condition step the same way).

The comparison operators are those of ``sagemaker.workflow.conditions``; a Condition step
succeeds either way and its outcome picks the ``if`` or the ``else`` branch.
"""

from __future__ import annotations

import json
import operator
import re
from pathlib import Path
from typing import Any

_TOKEN_RE = re.compile(r"""\.?([^.\[\]]+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]""")

OPERATORS = {
    "Equals": (operator.eq, "=="),
    "GreaterThan": (operator.gt, ">"),
    "GreaterThanOrEqualTo": (operator.ge, ">="),
    "LessThan": (operator.lt, "<"),
    "LessThanOrEqualTo": (operator.le, "<="),
}


class JsonGetError(ValueError):
    """The property file is missing, is not JSON, or has no value at the path."""


def parse_json_path(path: str) -> list[str | int]:
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    tokens: list[str | int] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise JsonGetError(f"cannot parse the JSON path {path!r} at {text[position:]!r}")
        key, index, quoted = match.groups()
        tokens.append(int(index) if index is not None else (quoted if quoted else key))
        position = match.end()
    if not tokens:
        raise JsonGetError("the JSON path is empty")
    return tokens


def json_get(document: Any, path: str) -> Any:
    """The value at ``path`` in a parsed JSON document."""
    value = document
    walked: list[str] = []
    for token in parse_json_path(path):
        try:
            value = value[token]
        except (KeyError, IndexError, TypeError):
            where = ".".join(walked) or "the top level"
            raise JsonGetError(
                f"JsonGet: {path!r} does not resolve: no {token!r} under {where}"
            ) from None
        walked.append(str(token))
    return value


def json_get_file(file: Path, path: str) -> Any:
    try:
        document = json.loads(Path(file).read_text())
    except FileNotFoundError:
        raise JsonGetError(f"JsonGet: the property file {file} does not exist") from None
    except ValueError as exc:
        raise JsonGetError(f"JsonGet: {Path(file).name} is not valid JSON ({exc})") from None
    return json_get(document, path)


def compare(operator_name: str, left: Any, right: Any) -> bool:
    """Evaluate ``left <op> right``; numbers compare as numbers."""
    try:
        function = OPERATORS[operator_name][0]
    except KeyError:
        raise ValueError(f"unknown condition operator {operator_name!r}") from None
    if operator_name != "Equals":
        try:
            left, right = float(left), float(right)
        except (TypeError, ValueError):
            raise JsonGetError(
                f"cannot compare {left!r} with {right!r}: {operator_name} needs numbers"
            ) from None
    return bool(function(left, right))


def symbol(operator_name: str) -> str:
    return OPERATORS[operator_name][1]
