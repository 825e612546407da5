"""Recommendation rules for the data stages: data collection, data preparation and feature
engineering."""

from __future__ import annotations

from .answers import Answers
from .picks import StageBuilder

_S3_REASONS = {
    "s3": "Your data is already in S3: every pipeline step reads its input straight from the "
    "bucket and writes its results next to it.",
    "local_files": "Your data is in local files: the export uploads them to an S3 bucket, because "
    "every SageMaker job reads its input from S3.",
    "database": "Your data lives in a database, but SageMaker jobs read from S3: the extract "
    "from the database lands in a bucket first.",
    "streaming": "Your data arrives as a stream: Firehose writes the records to S3 in batches, "
    "and the pipeline trains on those files.",
    "third_party": "Your data comes from a third party: Data Exchange exports it into your S3 "
    "bucket, where the pipeline reads it.",
}


def data_collection(a: Answers, s: StageBuilder) -> None:
    s.recommend("s3", _S3_REASONS[a.data_source])
    if a.data_source == "streaming":
        s.recommend(
            "kinesis",
            "Your data arrives as a stream: Kinesis Data Streams captures the records as they "
            "come, and Amazon Data Firehose delivers them to S3 for training.",
        )
    if a.data_source == "third_party":
        s.recommend(
            "data-exchange",
            "Your data comes from a third party: subscribe to the data product in AWS Data "
            "Exchange and export it to your bucket; licensing and updates are handled there.",
        )
    if a.data_source == "database":
        s.recommend(
            "glue",
            "Your data lives in a database: a Glue crawler catalogs the tables and a Glue job "
            "exports them to S3 on each run, with no loader code to write.",
        )
    elif a.large_data:
        s.alternative(
            "glue",
            f"{a.data_phrase}: if the files must be joined or converted before the pipeline "
            "(for example CSV to Parquet), a Glue Spark job handles that size.",
        )


def _preparation_engine(a: Answers) -> str:
    """How the processing job prepares data of this size and format."""
    if a.large_data:
        return (
            f"{a.data_phrase}: too much for one machine, so the preparation runs as a Spark "
            "processing job spread over several instances"
        )
    if a.tabular:
        return (
            f"{a.data_phrase}: one processing instance running scikit-learn and pandas handles "
            "it in minutes"
        )
    if a.text:
        return (
            f"{a.data_phrase} in a table (CSV, Parquet or JSON lines, one row per text): one "
            "processing instance running scikit-learn and pandas handles it in minutes, "
            "keeping the free-text columns you list in text_columns as text"
        )
    return f"Your data is {a.format_words}: a processing job runs your own script on it"


def data_preparation(a: Answers, s: StageBuilder) -> None:
    s.recommend(
        "processing-jobs",
        f"{_preparation_engine(a)}. It cleans the data and splits it into train, validation and "
        "test sets the same way on every run.",
    )
    if a.data_source == "database":
        s.recommend(
            "athena",
            "Your data comes from a database: once Glue has cataloged the tables, Athena lets "
            "you explore them with SQL (row counts, class balance, missing values).",
        )
    elif a.large_data:
        s.alternative(
            "athena",
            f"{a.data_phrase}: too big to open in a notebook, but Athena answers SQL questions "
            "about it (row counts, class balance) straight from S3.",
        )
    if a.prefer_low_code:
        s.recommend(
            "data-wrangler",
            "You prefer low code: Data Wrangler lets you explore and clean the data visually, "
            "then carry the steps over into the preprocessing script.",
        )
        s.alternative(
            "glue-databrew",
            "You prefer low code: DataBrew is another visual tool, suited to analysts who clean "
            "each new delivery with the same saved recipe.",
        )
    elif a.experience == "newcomer":
        s.alternative(
            "data-wrangler",
            "You are new to SageMaker: Data Wrangler shows column statistics and charts, a "
            "gentle way to get to know the data before you edit the preprocessing script.",
        )
    if a.data_source == "streaming":
        s.alternative(
            "lambda",
            "Your data arrives as a stream: a Lambda function can clean or enrich each batch "
            "of records as Firehose delivers it to S3.",
        )


def feature_engineering(a: Answers, s: StageBuilder) -> None:
    engine = "Spark" if a.large_data else "scikit-learn"
    s.recommend(
        "processing-jobs",
        f"The feature transformations (scaling, encoding categories) are learned with {engine} "
        "on the training split only and applied to the other splits in the same processing "
        "job, so the model never peeks at test data.",
    )
    if a.share_features:
        online = (
            " You also predict in real time, and its online store returns the same features "
            "in milliseconds."
            if a.realtime
            else ""
        )
        s.recommend(
            "feature-store",
            "You said features are reused across teams or models: Feature Store keeps one "
            f"shared, versioned copy instead of each team recomputing them.{online}",
        )
    else:
        s.alternative(
            "feature-store",
            "You said features are not shared across teams or models, so computing them inside "
            "the pipeline is simpler; add Feature Store if that changes.",
        )
    if a.realtime and a.data_source == "streaming":
        s.alternative(
            "lambda",
            "Your data is streamed and you predict in real time: a Lambda function can compute "
            "fresh features for each event as it arrives.",
        )
