#!/usr/bin/env python
"""Serve the newest approved model version on a SageMaker endpoint, or delete it.

The pipeline registers models; serving one is billed for as long as the endpoint exists, so
deploying is a deliberate step of its own:

    python deploy.py                 create (or update) the endpoint
    python deploy.py --front --lambda-role-arn ARN
                                     also a Lambda function behind an HTTP API in front of it
    python deploy.py --delete        delete the endpoint (and what this script created)

Approve a version first, in Studio or with
    aws sagemaker update-model-package --model-package-arn ARN --model-approval-status Approved

The endpoint answers raw records: the columns of your data, as CSV (a header line is
optional) or JSON; code/serving.py describes the requests and the answers, e.g.
    aws sagemaker-runtime invoke-endpoint --endpoint-name NAME --content-type text/csv \
        --body fileb://records.csv answers.csv

The role, bucket and region come from --role-arn, --bucket and --region, or from
SAGEMAKER_ROLE_ARN, SAGEMAKER_BUCKET and AWS_REGION.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import uuid
import zipfile
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

# From wizard.toml (see pipeline.py).
PIPELINE_NAME = "churn-at-scale"
S3_PREFIX = "ml/churn"
DEFAULT_REGION = "eu-west-1"
MODEL_PACKAGE_GROUP = "churn-models"
ENDPOINT_NAME = f"{PIPELINE_NAME}-endpoint"
# The kinds of endpoint chosen in wizard.toml (deployment.services).
KINDS = [
    "endpoints",
]
# Real-time and multi-model endpoints: always-on instances.
INSTANCE_TYPE = "ml.m5.xlarge"
INSTANCE_COUNT = 2
# Share of requests and responses of the real-time endpoint saved to S3 for Model Monitor
# (see monitoring.py); serverless and multi-model endpoints capture nothing.
DATA_CAPTURE_PERCENT = 100
FUNCTION_NAME = f"{PIPELINE_NAME}-predict"
HANDLER_FILE = Path(__file__).resolve().parent / "lambda" / "handler.py"
API_NAME = f"{PIPELINE_NAME}-api"


def aws_options() -> argparse.ArgumentParser:
    """--bucket, --role-arn and --region, defaulting to the environment (as pipeline.py)."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--bucket", default=os.environ.get("SAGEMAKER_BUCKET"))
    options.add_argument("--role-arn", default=os.environ.get("SAGEMAKER_ROLE_ARN"))
    env_region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    options.add_argument("--region", default=env_region or DEFAULT_REGION)
    return options


def required(value: str | None, option: str, variable: str) -> str:
    if not value:
        raise SystemExit(f"error: give {option} or set {variable}")
    return value


def newest_approved_version(sagemaker) -> str:
    """The ARN of the newest approved version in the model package group."""
    packages = sagemaker.list_model_packages(
        ModelPackageGroupName=MODEL_PACKAGE_GROUP,
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
    )["ModelPackageSummaryList"]
    if not packages:
        raise SystemExit(
            f"error: {MODEL_PACKAGE_GROUP} has no approved version; run the pipeline, then "
            "approve the version you want to serve"
        )
    return packages[0]["ModelPackageArn"]


def create_model(session: boto3.Session, package_arn: str, kind: str, args) -> str:
    """A SageMaker model for the version (named after this moment and a few random
    characters, so two deployments in the same second do not clash either)."""
    sagemaker = session.client("sagemaker")
    name = f"{PIPELINE_NAME}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"
    role = required(args.role_arn, "--role-arn", "SAGEMAKER_ROLE_ARN")
    package = sagemaker.describe_model_package(ModelPackageName=package_arn)
    containers = package["InferenceSpecification"]["Containers"]
    if len(containers) > 1:
        # An inference pipeline: the built-in algorithm between the containers that turn
        # raw records into its features and its scores into your labels. AWS hosts one on
        # real-time endpoints and in batch transform only, not on serverless or
        # multi-model endpoints.
        if kind != "endpoints":
            raise SystemExit(
                f"error: this version is an inference pipeline ({len(containers)} containers: "
                f"preprocessing, the algorithm, the answers), which AWS does not host on "
                f"{kind}; deploy it with --kind endpoints, or train a scikit-learn "
                "algorithm (one container) for that kind of endpoint"
            )
        sagemaker.create_model(
            ModelName=name,
            Containers=[
                {
                    "Image": c["Image"],
                    "ModelDataUrl": c["ModelDataUrl"],
                    "Environment": c.get("Environment", {}),
                }
                for c in containers
            ],
            InferenceExecutionConfig={"Mode": "Serial"},
            ExecutionRoleArn=role,
        )
        return name
    container: dict = {"ModelPackageName": package_arn}
    sagemaker.create_model(ModelName=name, PrimaryContainer=container, ExecutionRoleArn=role)
    return name


def create_endpoint_config(sagemaker, model_name: str, kind: str, args) -> str:
    variant: dict = {"VariantName": "AllTraffic", "ModelName": model_name}
    variant["InstanceType"] = INSTANCE_TYPE
    variant["InitialInstanceCount"] = INSTANCE_COUNT
    config: dict = {"EndpointConfigName": model_name, "ProductionVariants": [variant]}
    # Only a single-model real-time endpoint: Model Monitor, the one reader of the capture,
    # watches no serverless or multi-model endpoint (AWS's Model Monitor and serverless
    # inference guides), so a capture there would only fill S3.
    if kind == "endpoints":
        bucket = required(args.bucket, "--bucket", "SAGEMAKER_BUCKET")
        config["DataCaptureConfig"] = {
            "EnableCapture": True,
            "InitialSamplingPercentage": DATA_CAPTURE_PERCENT,
            "DestinationS3Uri": f"s3://{bucket}/{S3_PREFIX}/data-capture",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            "CaptureContentTypeHeader": {
                "CsvContentTypes": ["text/csv"],
                "JsonContentTypes": ["application/json"],
            },
        }
    sagemaker.create_endpoint_config(**config)
    return model_name


def endpoint_exists(sagemaker) -> bool:
    try:
        sagemaker.describe_endpoint(EndpointName=ENDPOINT_NAME)
    except sagemaker.exceptions.ClientError as error:
        if "Could not find endpoint" in str(error):
            return False
        raise
    return True


def deploy(args: argparse.Namespace) -> int:
    session = boto3.Session(region_name=args.region)
    sagemaker = session.client("sagemaker")
    package_arn = newest_approved_version(sagemaker)
    print(f"serving {package_arn}")
    model_name = create_model(session, package_arn, args.kind, args)
    config_name = create_endpoint_config(sagemaker, model_name, args.kind, args)
    if endpoint_exists(sagemaker):
        sagemaker.update_endpoint(EndpointName=ENDPOINT_NAME, EndpointConfigName=config_name)
        print(f"updating endpoint {ENDPOINT_NAME} (the old version serves until it is ready)")
    else:
        sagemaker.create_endpoint(EndpointName=ENDPOINT_NAME, EndpointConfigName=config_name)
        print(f"creating endpoint {ENDPOINT_NAME} (this takes a few minutes)")
    sagemaker.get_waiter("endpoint_in_service").wait(
        EndpointName=ENDPOINT_NAME, WaiterConfig={"Delay": 30, "MaxAttempts": 60}
    )
    print(f"endpoint {ENDPOINT_NAME} is in service")
    if args.front:
        create_front(session, args)
    return 0


def create_front(session: boto3.Session, args: argparse.Namespace) -> None:
    """A Lambda function that calls the endpoint, behind an HTTP API (POST /predict)."""
    role = required(args.lambda_role_arn, "--lambda-role-arn", "LAMBDA_ROLE_ARN")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(HANDLER_FILE, "handler.py")
    functions = session.client("lambda")
    try:
        function = functions.create_function(
            FunctionName=FUNCTION_NAME,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": archive.getvalue()},
            Environment={"Variables": {"ENDPOINT_NAME": ENDPOINT_NAME}},
            Timeout=30,
        )
    except functions.exceptions.ResourceConflictException:
        function = functions.update_function_code(
            FunctionName=FUNCTION_NAME, ZipFile=archive.getvalue()
        )
    print(f"Lambda function {FUNCTION_NAME}: {function['FunctionArn']}")
    apis = session.client("apigatewayv2")
    api = next((a for a in apis.get_apis()["Items"] if a["Name"] == API_NAME), None)
    if api is None:
        # The same front as infra/services.json: an HTTP API whose POST /predict route
        # (IAM authorization) invokes the function, on a $default stage that deploys itself.
        api = apis.create_api(Name=API_NAME, ProtocolType="HTTP")
        integration = apis.create_integration(
            ApiId=api["ApiId"],
            IntegrationType="AWS_PROXY",
            IntegrationUri=function["FunctionArn"],
            PayloadFormatVersion="2.0",
        )
        apis.create_route(
            ApiId=api["ApiId"],
            RouteKey="POST /predict",
            AuthorizationType="AWS_IAM",
            Target=f"integrations/{integration['IntegrationId']}",
        )
        apis.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
        account = session.client("sts").get_caller_identity()["Account"]
        # aws, aws-cn or aws-us-gov: from botocore's own partition data for the region
        partition = session.get_partition_for_region(args.region)
        functions.add_permission(
            FunctionName=FUNCTION_NAME,
            StatementId="invoke-from-http-api",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:{partition}:execute-api:{args.region}:{account}:{api['ApiId']}/*",
        )
    # Only signed (SigV4) requests from identities allowed execute-api:Invoke on the route
    # get through. Checked on every run, so an API an older deploy.py created open (with no
    # authorization) is closed too.
    for route in apis.get_routes(ApiId=api["ApiId"])["Items"]:
        if route.get("AuthorizationType") != "AWS_IAM":
            apis.update_route(
                ApiId=api["ApiId"], RouteId=route["RouteId"], AuthorizationType="AWS_IAM"
            )
    print(
        f"POST records (CSV or JSON) to {api['ApiEndpoint']}/predict, signed with SigV4 "
        "(IAM auth), e.g.\n"
        f"  awscurl --service execute-api --region {args.region} -X POST "
        f"-H 'Content-Type: text/csv' -d @rows.csv {api['ApiEndpoint']}/predict"
    )


def delete(args: argparse.Namespace) -> int:
    session = boto3.Session(region_name=args.region)
    sagemaker = session.client("sagemaker")
    apis = session.client("apigatewayv2")
    for api in apis.get_apis()["Items"]:
        if api["Name"] == API_NAME:
            apis.delete_api(ApiId=api["ApiId"])
            print(f"deleted HTTP API {API_NAME}")
    functions = session.client("lambda")
    try:
        functions.delete_function(FunctionName=FUNCTION_NAME)
        print(f"deleted Lambda function {FUNCTION_NAME}")
    except functions.exceptions.ResourceNotFoundException:
        pass
    if not endpoint_exists(sagemaker):
        print(f"there is no endpoint {ENDPOINT_NAME}")
        return 0
    config_name = sagemaker.describe_endpoint(EndpointName=ENDPOINT_NAME)["EndpointConfigName"]
    config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    sagemaker.delete_endpoint(EndpointName=ENDPOINT_NAME)
    sagemaker.delete_endpoint_config(EndpointConfigName=config_name)
    for variant in config["ProductionVariants"]:
        sagemaker.delete_model(ModelName=variant["ModelName"])
    print(f"deleted endpoint {ENDPOINT_NAME}, its configuration and model")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[aws_options()],
    )
    parser.add_argument("--kind", choices=KINDS, default=KINDS[0], help="kind of endpoint")
    parser.add_argument("--delete", action="store_true", help="delete the endpoint")
    parser.add_argument("--front", action="store_true", help="also deploy the Lambda front")
    parser.add_argument(
        "--lambda-role-arn",
        default=os.environ.get("LAMBDA_ROLE_ARN"),
        help="execution role of the Lambda function (may invoke the endpoint)",
    )
    args = parser.parse_args(argv)
    return delete(args) if args.delete else deploy(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BotoCoreError, ClientError) as error:  # no credentials, access denied, ...
        sys.exit(f"error: {error}")
