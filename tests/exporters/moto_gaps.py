"""What moto 5.2 lacks for the exported scripts, added to it for the tests.

moto dispatches a SageMaker request to the ``SageMakerResponse`` method named after the
operation, looked up on every request, so a method patched in here is served by an
in-process ``ThreadedMotoServer`` too (and its result is serialized against botocore's
output shape). Added:

- ``ListPipelineExecutionSteps``: moto runs no steps; a test scripts them per execution in
  ``STEPS`` (the steps are checked against botocore's output shape when registered).
- ``Create/Describe/Update/DeleteMonitoringSchedule``: kept in ``SCHEDULES``.
- ``UpdateEndpoint``: points moto's endpoint at the new endpoint config.
- ``DescribeFeatureGroup`` of a missing group: ResourceNotFound (moto raises a KeyError).

The Feature Store runtime (``PutRecord``) is not in moto at all: ``FeatureStoreRuntime`` is
a small HTTP server that records what it is sent (botocore still validates each request on
the client before sending it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

STEPS: dict[str, list[dict[str, Any]]] = {}
SCHEDULES: dict[str, dict[str, Any]] = {}


def script_steps(execution_arn: str, steps: list[dict[str, Any]]) -> None:
    """ListPipelineExecutionSteps of `execution_arn` answers `steps` from now on."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("ListPipelineExecutionSteps").output_shape
    report = ParamValidator().validate({"PipelineExecutionSteps": steps}, shape)
    if report.has_errors():
        raise ValueError(report.generate_report())
    STEPS[execution_arn] = steps


def _backend(response: Any) -> Any:
    return response.sagemaker_backend


def _list_steps(self: Any) -> Any:
    from moto.core.responses import ActionResult

    arn = self._get_param("PipelineExecutionArn")
    return ActionResult({"PipelineExecutionSteps": STEPS.get(arn, [])})


def _schedule_arn(self: Any, name: str) -> str:
    backend = _backend(self)
    return (
        f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:monitoring-schedule/{name}"
    )


def _create_schedule(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ResourceInUseException

    name = self._get_param("MonitoringScheduleName")
    if name in SCHEDULES:
        raise ResourceInUseException(f"Monitoring schedule {name} already exists")
    _check_definition(self, self._get_param("MonitoringScheduleConfig"))
    now = datetime.now(UTC)
    SCHEDULES[name] = {
        "MonitoringScheduleArn": _schedule_arn(self, name),
        "MonitoringScheduleName": name,
        "MonitoringScheduleStatus": "Scheduled",
        "MonitoringType": self._get_param("MonitoringScheduleConfig").get("MonitoringType"),
        "CreationTime": now,
        "LastModifiedTime": now,
        "MonitoringScheduleConfig": self._get_param("MonitoringScheduleConfig"),
    }
    return ActionResult({"MonitoringScheduleArn": SCHEDULES[name]["MonitoringScheduleArn"]})


def _check_definition(self: Any, config: dict[str, Any]) -> None:
    """As AWS does: the schedule's job definition must exist."""
    from moto.sagemaker.exceptions import ResourceNotFound

    name = config.get("MonitoringJobDefinitionName")
    if name and name not in _backend(self).data_quality_job_definitions:
        raise ResourceNotFound(f"Job definition {name} not found")


def _found(self: Any) -> dict[str, Any]:
    from moto.sagemaker.exceptions import ResourceNotFound

    name = self._get_param("MonitoringScheduleName")
    if name not in SCHEDULES:
        raise ResourceNotFound(f"Monitoring schedule {name} not found")
    return SCHEDULES[name]


def _describe_schedule(self: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult(_found(self))


def _update_schedule(self: Any) -> Any:
    from moto.core.responses import ActionResult

    schedule = _found(self)
    _check_definition(self, self._get_param("MonitoringScheduleConfig"))
    schedule["MonitoringScheduleConfig"] = self._get_param("MonitoringScheduleConfig")
    schedule["LastModifiedTime"] = datetime.now(UTC)
    return ActionResult({"MonitoringScheduleArn": schedule["MonitoringScheduleArn"]})


def _delete_schedule(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    del SCHEDULES[_found(self)["MonitoringScheduleName"]]
    return EmptyResult()


def _delete_job_definition(self: Any) -> Any:
    """moto's own, plus AWS's refusal while a schedule uses the definition."""
    from moto.core.responses import EmptyResult
    from moto.sagemaker.exceptions import ResourceInUseException

    name = self._get_param("JobDefinitionName")
    for schedule in SCHEDULES.values():
        if schedule["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName") == name:
            raise ResourceInUseException(f"Job definition {name} is in use")
    _backend(self).delete_data_quality_job_definition(name)
    return EmptyResult()


def _update_endpoint(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = _backend(self)
    endpoint = backend.endpoints[self._get_param("EndpointName")]
    config = backend.describe_endpoint_config(self._get_param("EndpointConfigName"))
    endpoint.endpoint_config_name = config["EndpointConfigName"]
    endpoint.production_variants = config["ProductionVariants"]
    endpoint.data_capture_config = config.get("DataCaptureConfig")
    return ActionResult({"EndpointArn": endpoint.arn})


def _describe_feature_group(original: Any) -> Any:
    """moto's, but a missing group is AWS's ResourceNotFound (moto fails with a KeyError)."""

    def describe(self: Any) -> Any:
        from moto.sagemaker.exceptions import ResourceNotFound

        name = self._get_param("FeatureGroupName")
        if not any(g.feature_group_name == name for g in _backend(self).feature_groups.values()):
            raise ResourceNotFound(f"Resource Not Found: FeatureGroup {name} not found")
        return original(self)

    return describe


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.sagemaker.responses import SageMakerResponse

    original = SageMakerResponse.__dict__["describe_feature_group"]
    monkeypatch.setattr(
        SageMakerResponse, "describe_feature_group", _describe_feature_group(original)
    )
    for name, method in {
        "list_pipeline_execution_steps": _list_steps,
        "create_monitoring_schedule": _create_schedule,
        "describe_monitoring_schedule": _describe_schedule,
        "update_monitoring_schedule": _update_schedule,
        "delete_monitoring_schedule": _delete_schedule,
        "delete_data_quality_job_definition": _delete_job_definition,
        "update_endpoint": _update_endpoint,
    }.items():
        monkeypatch.setattr(SageMakerResponse, name, method, raising=False)


class FeatureStoreRuntime:
    """PutRecord, recorded: ``records[feature group]`` lists each request's Record."""

    def __init__(self) -> None:
        self.records: dict[str, list[list[dict[str, str]]]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                group = self.path.removeprefix("/FeatureGroup/")
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.records.setdefault(group, []).append(body["Record"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[FeatureStoreRuntime]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
