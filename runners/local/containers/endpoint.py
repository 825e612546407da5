"""A local stand-in for SageMaker hosting: a model's containers answering requests.

A SageMaker model is one container or several run in order on the same instance (an
inference pipeline: each container's response is the next one's request). This file
loads them the way their images would and answers requests as the endpoint does:

  * scikit-learn: the model's own ``code/inference.py`` (``model_fn``, ``input_fn``,
    ``predict_fn``, ``output_fn``), with the container's environment
    (``SM_WIZARD_SERVING_STAGE``), as SageMaker's scikit-learn container calls it;
  * built-in XGBoost: ``xgboost-model``, CSV rows in, one score per row out (the class-1
    probability for binary:logistic, comma-separated probabilities for multi:softprob),
    or ``{"predictions": [{"score": ...}]}`` when JSON is accepted.

The model is described by a JSON file: ``{"containers": [{"image": "scikit-learn" |
"xgboost", "model_data": "<path of model.tar.gz>", "environment": {...}}, ...]}``.

    python endpoint.py --model model.json --input new.csv [--output answers.csv]
    python endpoint.py --model model.json --serve [--host 127.0.0.1] [--port 8080]

``--serve`` speaks SageMaker's container protocol: ``POST /invocations`` (the request's
``Content-Type`` and ``Accept``) and ``GET /ping``. A request the model cannot read gets
HTTP 400 with the reason (exit code 2 when scoring a file).

This file imports nothing from sm_wizard: it stands for AWS's containers.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import sys
import tarfile
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CSV = "text/csv"
JSON = "application/json"
SUBMIT_DIRECTORY = "/opt/ml/model/code"
MAX_BODY = 6 * 1024 * 1024
"""SageMaker's real-time payload limit (6 MB)."""


class BadRequest(Exception):
    """The model refused the request (the container would answer 4xx)."""


def unpack(archive: Path, destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(destination, filter="data")
    return destination


class XGBoostContainer:
    """The built-in algorithm's serving: CSV rows of model features in, scores out."""

    def __init__(self, model_dir: Path) -> None:
        import xgboost

        self._xgboost = xgboost
        self.booster = xgboost.Booster()
        self.booster.load_model(bytearray((model_dir / "xgboost-model").read_bytes()))

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        import numpy as np

        if content_type.split(";")[0].strip() != CSV:
            raise BadRequest(f"built-in XGBoost reads {CSV} here, not {content_type!r}")
        try:
            rows = np.loadtxt(io.StringIO(body.decode()), delimiter=",", dtype=float, ndmin=2)
        except ValueError as error:
            raise BadRequest(f"XGBoost cannot read the rows: {error}") from None
        scores = self.booster.predict(self._xgboost.DMatrix(rows))
        if accept.split(";")[0].strip() == JSON:
            return json.dumps(
                {"predictions": [{"score": s} for s in scores.tolist()]}
            ).encode(), JSON
        if scores.ndim == 2:
            lines = [",".join(f"{v:.10g}" for v in row) for row in scores]
        else:
            lines = [f"{v:.10g}" for v in scores]
        return ("\n".join(lines) + "\n").encode(), CSV


class ScriptContainer:
    """SageMaker's scikit-learn container running the model's code/inference.py."""

    def __init__(self, model_dir: Path, environment: dict[str, str]) -> None:
        program = environment.get("SAGEMAKER_PROGRAM", "inference.py")
        submit = environment.get("SAGEMAKER_SUBMIT_DIRECTORY", SUBMIT_DIRECTORY)
        if not submit.startswith("/opt/ml/model"):
            raise SystemExit(f"the local stand-in reads code from the model only, not {submit}")
        code_dir = model_dir / Path(submit).relative_to("/opt/ml/model")
        script = code_dir / program
        if not script.is_file():
            raise SystemExit(f"no {program} in the model's code/ folder ({code_dir})")
        previous = {key: os.environ.get(key) for key in environment}
        os.environ.update(environment)
        try:
            sys.path.insert(0, str(code_dir))
            spec = importlib.util.spec_from_file_location(f"inference_{id(self)}", script)
            assert spec is not None and spec.loader is not None
            self.module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.module)
            self.model = self.module.model_fn(str(model_dir))
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        try:
            data = self.module.input_fn(body, content_type)
            prediction = self.module.predict_fn(data, self.model)
            output = self.module.output_fn(prediction, accept)
        except ValueError as error:  # serving.RequestError and the like: the caller's fault
            raise BadRequest(str(error)) from None
        answer, kind = output if isinstance(output, tuple) else (output, accept)
        return (answer.encode() if isinstance(answer, str) else bytes(answer)), kind


class Endpoint:
    """The model's containers, in order."""

    def __init__(self, description: dict, workdir: Path) -> None:
        containers = description.get("containers") or []
        if not containers:
            raise SystemExit("the model names no containers")
        self.containers = []
        unpacked: dict[str, Path] = {}
        for index, container in enumerate(containers, start=1):
            archive = container["model_data"]
            if archive not in unpacked:
                unpacked[archive] = unpack(Path(archive), workdir / f"model-{index}")
            model_dir = unpacked[archive]
            if container["image"] == "xgboost":
                self.containers.append(XGBoostContainer(model_dir))
            else:
                self.containers.append(ScriptContainer(model_dir, container.get("environment", {})))

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        for container in self.containers:
            body, content_type = container.invoke(body, content_type, accept)
        return body, content_type


def score_file(endpoint: Endpoint, source: Path, content_type: str, accept: str) -> bytes:
    body = source.read_bytes()
    answer, _ = endpoint.invoke(body, content_type, accept)
    return answer


def serve(endpoint: Endpoint, host: str, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        server_version = "sm-wizard-endpoint"

        def _reply(self, status: int, body: bytes, kind: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._reply(200, b"")
            else:
                self._reply(404, b"GET /ping, or POST /invocations\n")

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._reply(404, b"POST /invocations\n")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(413, b"the request is over 6 MB, SageMaker's limit\n")
                return
            body = self.rfile.read(length)
            content_type = self.headers.get("Content-Type") or CSV
            accept = self.headers.get("Accept") or CSV
            try:
                answer, kind = endpoint.invoke(body, content_type, accept)
            except BadRequest as error:
                self._reply(400, f"{error}\n".encode())
                return
            except Exception as error:
                self._reply(500, f"the model failed: {type(error).__name__}: {error}\n".encode())
                return
            self._reply(200, answer, kind)

        def log_message(self, format: str, *args) -> None:
            print(f"{self.address_string()} {format % args}", flush=True)

    server = ThreadingHTTPServer((host, port), Handler)
    shown_host = f"[{host}]" if ":" in host else host
    print(f"listening on http://{shown_host}:{server.server_address[1]}/invocations", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the model's description (JSON)")
    parser.add_argument("--input", type=Path, help="a file of records to score")
    parser.add_argument("--output", type=Path, help="where the answers go (default: stdout)")
    parser.add_argument("--content-type", default=CSV)
    parser.add_argument("--accept", default=CSV)
    parser.add_argument("--serve", action="store_true", help="answer HTTP requests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    description = json.loads(args.model.read_text())
    with tempfile.TemporaryDirectory(prefix="sm-wizard-endpoint-") as workdir:
        endpoint = Endpoint(description, Path(workdir))
        if args.serve:
            serve(endpoint, args.host, args.port)
            return 0
        if args.input is None:
            parser.error("give --input FILE or --serve")
        try:
            answer = score_file(endpoint, args.input, args.content_type, args.accept)
        except BadRequest as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if args.output:
            args.output.write_bytes(answer)
        else:
            sys.stdout.buffer.write(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
