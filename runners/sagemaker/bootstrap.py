"""Deploy the bootstrap stack (``exporters.infra.bootstrap_template``) with a change set.

``Bootstrapper.prepare`` creates a change set and describes it in words, ``execute`` runs it
and reports each resource's progress, ``discard`` removes a change set the person declined
(and the empty stack a first change set leaves behind), ``delete`` removes the stack and,
when asked, the bucket with every object version. Every failure is a ``BootstrapError`` that
says what happened and how to clean up; nothing here writes a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard.errors import WizardError

from .aws import AwsSession, translate

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
# A stack in one of these states cannot take a change set until it is deleted.
MUST_DELETE = frozenset({"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"})
# A stack whose last update failed but which still exists as it was: it can be updated.
UPDATABLE = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}
)
ACTION_WORDS = {"Add": "add", "Modify": "modify", "Remove": "remove", "Import": "import"}
Progress = Callable[[str], None]


class BootstrapError(WizardError):
    """A bootstrap problem in words, with what to do next."""

    def __init__(self, message: str, title: str = "Bootstrap failed") -> None:
        super().__init__(message, title)


@dataclass(frozen=True, slots=True)
class Change:
    action: str  # Add, Modify, Remove
    logical_id: str
    resource_type: str
    replacement: str = ""

    def words(self) -> str:
        verb = ACTION_WORDS.get(self.action, self.action.lower())
        text = f"{verb:<7}{self.resource_type:<28}{self.logical_id}"
        if self.action == "Modify" and self.replacement in ("True", "Conditional"):
            text += "  (replaced)" if self.replacement == "True" else "  (may be replaced)"
        return text


@dataclass(slots=True)
class ChangePlan:
    stack_name: str
    change_set_id: str
    creating: bool
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def words(self) -> list[str]:
        if self.empty:
            return [f"stack {self.stack_name} is up to date: nothing to change"]
        head = "create" if self.creating else "update"
        return [f"{head} stack {self.stack_name}:", *(f"  {c.words()}" for c in self.changes)]


def _code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def _message(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Message", str(exc))


def _denied(text: str) -> bool:
    lowered = text.lower()
    return "not authorized" in lowered or "accessdenied" in lowered or "access denied" in lowered


RIGHTS = (
    "the AWS identity you use needs cloudformation:CreateChangeSet, DescribeChangeSet, "
    "ExecuteChangeSet, DescribeStacks, DescribeStackEvents and DeleteStack, plus the rights "
    "to make what the stack holds: s3:CreateBucket, s3:PutBucket* and s3:PutEncryption"
    "Configuration, iam:CreateRole, iam:PutRolePolicy, iam:GetRole, iam:TagRole (and their "
    "Delete* for --delete). Ask your account's administrator, or run bootstrap with an "
    "administrator profile (--profile)"
)


class Bootstrapper:
    """One stack in one account and region. ``sleep`` is injectable for tests."""

    def __init__(
        self,
        session: AwsSession,
        stack_name: str,
        *,
        poll_seconds: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout_seconds: float = 1800.0,
    ) -> None:
        self.session = session
        self.stack_name = stack_name
        self.poll_seconds = poll_seconds
        self.sleep = sleep
        self.timeout_seconds = timeout_seconds

    # ----------------------------------------------------------------- AWS calls

    def _cfn(self, operation: str, **params: Any) -> dict[str, Any]:

        client = self.session.client("cloudformation")
        try:
            return getattr(client, operation)(**params)
        except Exception as exc:
            raise self._error(exc, operation) from exc

    def _error(self, exc: Exception, operation: str) -> Exception:
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return translate(exc, service="cloudformation")
        code, message = _code(exc), _message(exc)
        if code == "InsufficientCapabilitiesException":
            return BootstrapError(
                f"CloudFormation refused the stack's IAM roles ({message}): the stack "
                "creates named IAM roles, which needs CAPABILITY_NAMED_IAM; " + RIGHTS,
                "IAM rights needed",
            )
        if code in ("AccessDenied", "AccessDeniedException") or _denied(message):
            return BootstrapError(
                f"AWS denied {operation} on stack {self.stack_name} ({message}); " + RIGHTS,
                "Access denied",
            )
        return translate(exc, service="cloudformation")

    def status(self) -> str | None:
        """The stack's status, or None when there is no such stack."""
        client = self.session.client("cloudformation")
        try:
            stacks = client.describe_stacks(StackName=self.stack_name)["Stacks"]
        except Exception as exc:
            if _code(exc) == "ValidationError" and "does not exist" in _message(exc):
                return None
            raise self._error(exc, "DescribeStacks") from exc
        return stacks[0]["StackStatus"] if stacks else None

    def outputs(self) -> dict[str, str]:
        stack = self._cfn("describe_stacks", StackName=self.stack_name)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def failure_reasons(self) -> list[str]:
        """Why resources failed, oldest first (the first one is usually the cause)."""
        events = self._cfn("describe_stack_events", StackName=self.stack_name)["StackEvents"]
        reasons = []
        for event in reversed(events):
            status = event.get("ResourceStatus", "")
            reason = event.get("ResourceStatusReason") or ""
            if status.endswith("_FAILED") and reason and "cancelled" not in reason.lower():
                reasons.append(f"{event.get('LogicalResourceId')}: {reason}")
        return reasons

    # ----------------------------------------------------------------- create/update

    def prepare(self, template_body: str, *, tags: dict[str, str] | None = None) -> ChangePlan:
        """Create a change set for ``template_body`` and describe it."""
        status = self.status()
        if status in MUST_DELETE:
            reasons = self.failure_reasons()
            why = f" It failed because: {reasons[0]}." if reasons else ""
            raise BootstrapError(
                f"stack {self.stack_name} is {status}: its creation failed and was rolled "
                f"back, and CloudFormation cannot update it.{why} Delete it first with "
                "`sm-wizard bootstrap FILE --delete`, then run bootstrap again.",
                "Stack must be deleted first",
            )
        if (
            status is not None
            and status.endswith("_IN_PROGRESS")
            and status != ("REVIEW_IN_PROGRESS")
        ):
            raise BootstrapError(
                f"stack {self.stack_name} is busy ({status}); wait until it finishes (aws "
                f"cloudformation describe-stacks --stack-name {self.stack_name}), then try again",
                "Stack busy",
            )
        creating = status in (None, "REVIEW_IN_PROGRESS")
        name = f"sm-wizard-{int(time.time())}"
        response = self._cfn(
            "create_change_set",
            StackName=self.stack_name,
            ChangeSetName=name,
            ChangeSetType="CREATE" if creating else "UPDATE",
            TemplateBody=template_body,
            Capabilities=CAPABILITIES,
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            Description="sm-wizard bootstrap",
        )
        change_set_id = response["Id"]
        described = self._wait_change_set(change_set_id)
        plan = ChangePlan(self.stack_name, change_set_id, creating)
        if described["Status"] == "FAILED":
            reason = described.get("StatusReason", "")
            if "didn't contain changes" in reason or "No updates" in reason:
                self._cfn("delete_change_set", ChangeSetName=change_set_id)
                return plan
            self.discard(plan)
            if _denied(reason):
                raise BootstrapError(f"the change set failed: {reason}; " + RIGHTS)
            raise BootstrapError(
                f"CloudFormation could not plan the stack: {reason}. Nothing was created.",
                "Change set failed",
            )
        for item in described.get("Changes", []):
            change = item.get("ResourceChange", {})
            plan.changes.append(
                Change(
                    action=change.get("Action", "?"),
                    logical_id=change.get("LogicalResourceId", "?"),
                    resource_type=change.get("ResourceType", "?"),
                    replacement=change.get("Replacement", "") or "",
                )
            )
        return plan

    def _wait_change_set(self, change_set_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            described = self._cfn("describe_change_set", ChangeSetName=change_set_id)
            if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                return described
            if time.monotonic() > deadline:
                raise BootstrapError(f"the change set {change_set_id} did not finish in time")
            self.sleep(self.poll_seconds)

    def discard(self, plan: ChangePlan) -> None:
        """Remove a change set that will not run, and the empty stack a first one made."""
        if plan.change_set_id:
            self._cfn("delete_change_set", ChangeSetName=plan.change_set_id)
        if plan.creating and self.status() == "REVIEW_IN_PROGRESS":
            self._cfn("delete_stack", StackName=self.stack_name)

    def execute(self, plan: ChangePlan, progress: Progress) -> dict[str, str]:
        """Run the change set, report each resource event, return the stack's outputs."""
        if plan.empty:
            return self.outputs()
        seen = {e["EventId"] for e in self._events()}
        self._cfn("execute_change_set", ChangeSetName=plan.change_set_id)
        final = self._wait(progress, seen, deleting=False)
        if final in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            return self.outputs()
        reasons = self.failure_reasons()
        cause = reasons[0] if reasons else f"the stack ended in {final}"
        rights = f"; {RIGHTS}" if any(_denied(r) for r in reasons) else ""
        if plan.creating:
            cleanup = (
                "The stack was rolled back; delete it with `sm-wizard bootstrap FILE --delete` "
                "(add --delete-bucket if the bucket was made: it is kept on rollback), fix "
                "the cause, then run bootstrap again."
            )
        else:
            cleanup = "The update was rolled back: the stack is as it was before, and still usable."
        raise BootstrapError(f"stack {self.stack_name}: {cause}{rights}. {cleanup}")

    def _events(self) -> list[dict[str, Any]]:
        if self.status() is None:
            return []
        return self._cfn("describe_stack_events", StackName=self.stack_name)["StackEvents"]

    def _wait(self, progress: Progress, seen: set[str], *, deleting: bool) -> str:
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            status = self.status()
            try:
                events = self._events() if status is not None else []
            except WizardError:
                events = []
            for event in reversed(events):
                if event["EventId"] in seen:
                    continue
                seen.add(event["EventId"])
                if event.get("ResourceType") == "AWS::CloudFormation::Stack":
                    continue
                reason = event.get("ResourceStatusReason") or ""
                progress(
                    f"{event.get('ResourceStatus', ''):<20} {event.get('ResourceType', ''):<28}"
                    f" {event.get('LogicalResourceId', '')}" + (f"  {reason}" if reason else "")
                )
            if status is None:
                return "DELETE_COMPLETE"
            if not status.endswith("_IN_PROGRESS") or (
                status == "REVIEW_IN_PROGRESS" and not deleting
            ):
                return status
            if time.monotonic() > deadline:
                raise BootstrapError(
                    f"stack {self.stack_name} is still {status} after "
                    f"{self.timeout_seconds:.0f} s; follow it in the CloudFormation console"
                )
            self.sleep(self.poll_seconds)

    # ----------------------------------------------------------------- delete

    def bucket_of_stack(self) -> str | None:
        if self.status() is None:
            return None
        resources = self._cfn("describe_stack_resources", StackName=self.stack_name)
        for resource in resources["StackResources"]:
            if resource["ResourceType"] == "AWS::S3::Bucket" and resource["LogicalResourceId"] == (
                "Bucket"
            ):
                return resource.get("PhysicalResourceId") or None
        return None

    def delete(
        self,
        progress: Progress,
        *,
        delete_bucket: bool,
        bucket: str | None = None,
        project: str | None = None,
    ) -> list[str]:
        """Delete the stack; the bucket is kept (Retain) unless ``delete_bucket``.

        ``bucket``: the config's bucket, used when the stack is gone already; it is deleted
        only if it carries this project's ``sm-wizard:project`` tag (one bootstrap made).
        """
        notes: list[str] = []
        status = self.status()
        stack_bucket = self.bucket_of_stack()
        if status is None:
            notes.append(f"there is no stack {self.stack_name}; nothing to delete")
        else:
            seen = {e["EventId"] for e in self._events()}
            self._cfn("delete_stack", StackName=self.stack_name)
            final = self._wait(progress, seen, deleting=True)
            if final != "DELETE_COMPLETE":
                reasons = self.failure_reasons()
                raise BootstrapError(
                    f"deleting stack {self.stack_name} ended in {final}"
                    + (f": {reasons[0]}" if reasons else "")
                    + ". Remove the resource named there by hand (or with the console), then "
                    "run `sm-wizard bootstrap FILE --delete` again."
                )
            notes.append(f"deleted stack {self.stack_name}")
        target = stack_bucket or bucket
        if not target:
            return notes
        if not delete_bucket:
            notes.append(
                f"kept bucket {target} and its data. It is versioned: to remove it, run "
                "bootstrap --delete --delete-bucket, which empties every object version first"
            )
            return notes
        if stack_bucket is None and not self._made_by_bootstrap(target, project):
            notes.append(
                f"did not delete bucket {target}: it was not made by sm-wizard bootstrap for "
                "this project (no sm-wizard:project tag); empty and delete it yourself"
            )
            return notes
        removed = self._empty_bucket(target, progress)
        self._s3("delete_bucket", Bucket=target)
        notes.append(f"deleted bucket {target} ({removed} object versions removed)")
        return notes

    def _s3(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        try:
            return getattr(self.session.client("s3"), operation)(**params)
        except ClientError as exc:
            if _code(exc) in ("AccessDenied", "403"):
                raise BootstrapError(
                    f"AWS denied s3:{operation} on {params.get('Bucket')}: emptying and "
                    "deleting the bucket needs s3:ListBucketVersions, s3:DeleteObjectVersion "
                    "and s3:DeleteBucket",
                    "Access denied",
                ) from None
            raise translate(exc, service="s3") from exc
        except Exception as exc:
            raise translate(exc, service="s3") from exc

    def _made_by_bootstrap(self, bucket: str, project: str | None) -> bool:
        from botocore.exceptions import ClientError

        try:
            tags = self.session.client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"]
        except ClientError:
            return False
        return any(t["Key"] == "sm-wizard:project" and t["Value"] == project for t in tags)

    def _empty_bucket(self, bucket: str, progress: Progress) -> int:
        """Delete every object version and delete marker (a versioned bucket must be empty
        before it can be deleted)."""
        removed = 0
        while True:
            listed = self._s3("list_object_versions", Bucket=bucket, MaxKeys=1000)
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for kind in ("Versions", "DeleteMarkers")
                for v in listed.get(kind, [])
            ]
            if not doomed:
                return removed
            self._s3("delete_objects", Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
            removed += len(doomed)
            progress(f"emptied {removed} object versions from {bucket}")
