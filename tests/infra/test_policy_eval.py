"""The IAM evaluator of the policy tests refuses what it cannot model (pure).

A statement it cannot read must fail the test that evaluates it: read as "no match", a
NotAction Allow or an ArnLike Deny would let a coverage test pass or fail for the wrong
reason."""

from __future__ import annotations

from typing import Any

import pytest
from policy_eval import UnsupportedPolicy, allowed

JOB = "arn:aws:sagemaker:eu-west-1:123456789012:training-job/x"
ROLE = "arn:aws:iam::123456789012:role/r"


def _allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": JOB} | extra


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "sagemaker:*", "NotResource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject"},  # no Resource
        {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Action": "s3:GetObject", "Resource": "*"},  # no Effect
        _allow(Resource="arn:aws:s3:::b/${aws:username}/*"),  # a policy variable
        _allow(Resource={"Fn::Sub": "arn:${AWS::Partition}:s3:::b"}),  # unresolved
        _allow(Condition={"ArnLike": {"aws:SourceArn": ROLE}}),
        _allow(Condition={"StringEqualsIfExists": {"aws:SourceAccount": "1"}}),
        _allow(Condition={"ForAnyValue:StringLike": {"aws:TagKeys": ["a*"]}}),
        _allow(Condition={"NumericLessThan": {"s3:max-keys": "10"}}),
        _allow(Condition={"Null": {"aws:TokenIssueTime": "true"}}),
        _allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        _allow(Condition={"StringEquals": {"aws:SourceAccount": 123456789012}}),
        _allow(Condition=[{"StringEquals": {}}]),
    ],
)
def test_a_statement_it_cannot_model_is_refused(statement: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedPolicy):
        allowed([statement], "sagemaker:CreateTrainingJob", JOB)


def test_the_whole_policy_is_checked_even_where_the_action_does_not_match() -> None:
    # The NotAction statement would grant s3:GetObject: it cannot be skipped as "not s3".
    statements = [
        _allow(),
        {"Effect": "Allow", "NotAction": "sagemaker:*", "Resource": "*"},
    ]
    with pytest.raises(UnsupportedPolicy, match="NotAction"):
        allowed(statements, "s3:GetObject", "arn:aws:s3:::b/k")


def test_wildcards_are_iams_star_and_question_mark_only() -> None:
    statement = _allow(Action="sagemaker:Create*", Resource="arn:aws:s3:::b/[ab]?/*")
    assert allowed([statement], "SageMaker:CreateTrainingJob", "arn:aws:s3:::b/[ab]x/k")
    assert not allowed([statement], "sagemaker:CreateTrainingJob", "arn:aws:s3:::b/ax/k")
    # resources are case-sensitive, actions are not
    assert not allowed([statement], "sagemaker:CreateTrainingJob", "arn:aws:s3:::B/[ab]x/k")


def test_a_deny_wins_and_nothing_is_allowed_by_default() -> None:
    deny = {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*"}
    assert allowed([_allow()], "sagemaker:CreateTrainingJob", JOB)
    assert not allowed([_allow(), deny], "sagemaker:CreateTrainingJob", JOB)
    assert not allowed([], "sagemaker:CreateTrainingJob", JOB)


def test_conditions_follow_iams_rules_for_absent_keys() -> None:
    equals = _allow(Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}})
    assert allowed(
        [equals],
        "sagemaker:CreateTrainingJob",
        JOB,
        {"iam:passedtoservice": "sagemaker.amazonaws.com"},
    )
    assert not allowed([equals], "sagemaker:CreateTrainingJob", JOB, {})
    not_like = _allow(Condition={"StringNotLike": {"s3:prefix": ["other/*"]}})
    # a negated operator holds when the request lacks the key
    assert allowed([not_like], "sagemaker:CreateTrainingJob", JOB)
    assert allowed([not_like], "sagemaker:CreateTrainingJob", JOB, {"s3:prefix": "mine/x"})
    assert not allowed([not_like], "sagemaker:CreateTrainingJob", JOB, {"s3:prefix": "other/x"})
    not_equals = _allow(Condition={"StringNotEquals": {"aws:SourceAccount": "1"}})
    assert not allowed([not_equals], "sagemaker:CreateTrainingJob", JOB, {"aws:SourceAccount": "1"})
    secure = _allow(Condition={"Bool": {"aws:SecureTransport": False}})
    assert allowed([secure], "sagemaker:CreateTrainingJob", JOB, {"aws:SecureTransport": "false"})
    assert not allowed(
        [secure], "sagemaker:CreateTrainingJob", JOB, {"aws:SecureTransport": "true"}
    )
    both = _allow(
        Condition={
            "StringLike": {"s3:prefix": ["p", "p/*"]},
            "StringEquals": {"aws:SourceAccount": "1"},
        }
    )
    assert allowed(
        [both], "sagemaker:CreateTrainingJob", JOB, {"s3:prefix": "p/x", "aws:SourceAccount": "1"}
    )
    assert not allowed([both], "sagemaker:CreateTrainingJob", JOB, {"s3:prefix": "p/x"})
