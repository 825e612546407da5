"""CloudFormation for what ``infra/services.json`` puts around the endpoint.

The CloudWatch alarms and dashboard on the endpoint ``deploy.py`` creates, and the Lambda
function (behind an HTTP API when API Gateway is chosen) that calls it. Pure, built from
``exporters.cfn``'s helpers; ``exporters.cfn_services`` adds these to the services template.
"""

from __future__ import annotations

import json
from typing import Any

from wizard.config import WizardConfig

from .cfn import Names, arn, sub, trust_policy
from .packaged import LAMBDA_HANDLER, TEMPLATES_DIR


def endpoint_alarms(names: Names, config: WizardConfig) -> dict[str, Any]:
    """Latency and error-rate alarms on the endpoint, and a dashboard of its metrics."""
    monitoring = config.monitoring
    dimensions = [
        {"Name": "EndpointName", "Value": names.endpoint},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]

    def metric(metric_id: str, name: str, stat: str, visible: bool) -> dict[str, Any]:
        return {
            "Id": metric_id,
            "ReturnData": visible,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SageMaker",
                    "MetricName": name,
                    "Dimensions": dimensions,
                },
                "Period": 300,
                "Stat": stat,
            },
        }

    widgets = [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": config.project.region,
                "stat": stat,
                "period": 300,
                "metrics": [
                    [
                        "AWS/SageMaker",
                        metric_name,
                        "EndpointName",
                        names.endpoint,
                        "VariantName",
                        "AllTraffic",
                    ]
                    for metric_name in metric_names
                ],
            },
        }
        for title, stat, metric_names in (
            ("Invocations", "Sum", ("Invocations", "Invocation4XXErrors", "Invocation5XXErrors")),
            ("Latency (microseconds)", "p90", ("ModelLatency", "OverheadLatency")),
        )
    ]
    widgets[1]["x"] = 12
    return {
        "LatencyAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": f"{names.endpoint}: p90 model latency above "
                f"{monitoring.latency_alarm_ms} ms",
                "Namespace": "AWS/SageMaker",
                "MetricName": "ModelLatency",
                "Dimensions": dimensions,
                "ExtendedStatistic": "p90",
                "Period": 300,
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                # ModelLatency is in microseconds
                "Threshold": monitoring.latency_alarm_ms * 1000,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
            },
        },
        "ErrorRateAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": f"{names.endpoint}: more than "
                f"{monitoring.error_rate_alarm_percent}% of invocations fail (5XX)",
                "Metrics": [
                    metric("errors", "Invocation5XXErrors", "Sum", False),
                    metric("calls", "Invocations", "Sum", False),
                    {
                        "Id": "rate",
                        "Expression": "IF(calls > 0, 100 * errors / calls, 0)",
                        "Label": "5XX error rate (%)",
                        "ReturnData": True,
                    },
                ],
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                "Threshold": monitoring.error_rate_alarm_percent,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
            },
        },
        "EndpointDashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": names.endpoint[:255],
                "DashboardBody": json.dumps({"widgets": widgets}, sort_keys=True),
            },
        },
    }


def predict_front(names: Names, *, api: bool) -> dict[str, Any]:
    """The Lambda function that calls the endpoint (its code is the scaffold's
    ``lambda/handler.py``, inline), and with ``api`` the HTTP API in front of it."""
    handler = (TEMPLATES_DIR / "scaffold" / LAMBDA_HANDLER).read_text("utf-8")
    resources: dict[str, Any] = {
        "PredictFunctionRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": trust_policy("lambda.amazonaws.com"),
                "ManagedPolicyArns": [
                    sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                        "AWSLambdaBasicExecutionRole"
                    )
                ],
                "Policies": [
                    {
                        "PolicyName": "invoke-endpoint",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["sagemaker:InvokeEndpoint"],
                                    "Resource": arn(
                                        "sagemaker", f"endpoint/{names.endpoint.lower()}"
                                    ),
                                }
                            ],
                        },
                    }
                ],
            },
        },
        "PredictFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Description": f"calls the {names.endpoint} endpoint",
                "Runtime": "python3.12",
                # inline code is saved as index.py
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["PredictFunctionRole", "Arn"]},
                "Timeout": 30,
                "MemorySize": 256,
                "Environment": {"Variables": {"ENDPOINT_NAME": names.endpoint}},
                "Code": {"ZipFile": handler},
            },
        },
    }
    if api:
        resources |= {
            "PredictApi": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {"Name": f"{names.pipeline}-predict", "ProtocolType": "HTTP"},
            },
            "PredictIntegration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "PredictApi"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["PredictFunction", "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            "PredictRoute": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "PredictApi"},
                    "RouteKey": "POST /predict",
                    # IAM auth: callers sign requests (SigV4); change it to a JWT authorizer
                    # for browser clients
                    "AuthorizationType": "AWS_IAM",
                    "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "PredictIntegration"}]]},
                },
            },
            "PredictStage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {
                    "ApiId": {"Ref": "PredictApi"},
                    "StageName": "$default",
                    "AutoDeploy": True,
                },
            },
            "PredictPermission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": "PredictFunction"},
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": sub(
                        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                        "${PredictApi}/*/*/predict"
                    ),
                },
            },
        }
    return resources
