"""Typed records shared by every layer: task instances, predictions, test statuses, outcomes."""

from __future__ import annotations

import enum
import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

INSTANCE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*__[A-Za-z0-9_.-]+-[0-9]+$")
# SWE-smith names an instance by its repository snapshot and bug: owner__repo.<sha8>.<bug-kind>__<hash>
SMITH_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*__[A-Za-z0-9_.-]+\.[0-9a-f]{7,40}\.[A-Za-z0-9_.-]+$")
REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$")
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
SHORT_SHA_RE = re.compile(r"^[0-9a-f]{7,40}$")


class TestStatus(str, enum.Enum):
    """Per-test status as the official log parsers report it."""

    __test__ = False  # not a pytest test class, despite the name

    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"
    XFAIL = "XFAIL"


class Outcome(str, enum.Enum):
    """What happened to one prediction. ``infra_error`` is ours, never the model's."""

    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    EMPTY_PATCH = "empty_patch"
    ERROR = "error"  # the model's patch could not be evaluated (does not apply, unsafe)
    INFRA_ERROR = "infra_error"  # image build, daemon, timeout: retried, reported apart

    @property
    def graded(self) -> bool:
        """Outcomes that are final verdicts on a patch and need no rerun."""
        return self is not Outcome.INFRA_ERROR


def _json_list(value: Any) -> list[str]:
    """HF rows carry test lists as JSON-encoded strings; local files often carry real lists."""
    if value is None:
        return []
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings or a JSON-encoded list of strings")
    return value


def _field_error(field: str, message: str) -> ValueError:
    """A model-level check's error, told apart by field (``dataset.validate_row`` reports it)."""
    return ValueError(f"{field}: {message}")


class Instance(BaseModel):
    """One SWE-bench task instance (a dataset row). Unknown columns are kept, not rejected."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    instance_id: str
    repo: str
    base_commit: str
    patch: str = ""
    test_patch: str = ""
    problem_statement: str = ""
    hints_text: str = ""
    created_at: str = ""
    version: str
    FAIL_TO_PASS: list[str]
    PASS_TO_PASS: list[str] = Field(default_factory=list)
    environment_setup_commit: str | None = None
    difficulty: str | None = None
    # Newer rows (SWE-bench 5.x, Multilingual) may bring their own evaluation recipe.
    image: str | None = None
    eval_script: str | None = None
    log_parser: str | None = None
    eval_type: Literal["pass_and_fail", "fail_only"] | None = None
    # What the other dataset formats (swebench_runner/formats) map onto; SWE-bench rows leave them empty.
    image_assets: dict[str, list[Any]] | None = None  # Multimodal: {"test_patch": [{"path", "url"}], ...}
    assets: dict[str, str] = Field(default_factory=dict)  # repo path -> host file (a task folder's test_assets/)
    spec: dict[str, Any] | None = None  # an inline environment spec (SWE-rebench's install_config, mapped)
    setup_patch: str | None = None  # applied and committed in the instance image (SWE-smith's bug)
    dockerfile: str | None = None  # a task folder's own Dockerfile, kept for the record

    @field_validator("instance_id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not (INSTANCE_ID_RE.match(v) or SMITH_ID_RE.match(v)):
            raise ValueError("must look like owner__repo-NUMBER (or SWE-smith's owner__repo.SHA.BUG)")
        return v

    @field_validator("repo")
    @classmethod
    def _check_repo(cls, v: str) -> str:
        if not REPO_RE.match(v):
            raise ValueError("must look like owner/name")
        return v

    @field_validator("base_commit", "environment_setup_commit")
    @classmethod
    def _check_sha(cls, v: str | None) -> str | None:
        if v is not None and not SHORT_SHA_RE.match(v):
            raise ValueError("must be a full 40-character lowercase hex commit sha")
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: Any) -> str:
        if isinstance(v, (int, float)):
            return str(v)
        return v

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> list[str]:
        return _json_list(v)

    @model_validator(mode="after")
    def _tests_and_commits(self) -> Instance:
        # A task whose image carries its own change (SWE-smith's bug on a snapshot) has its tests in the
        # repository already, and names its snapshot by an abbreviated sha; every other row needs both.
        if self.setup_patch is None:
            if not self.test_patch.strip():
                raise _field_error("test_patch", "is empty: an instance needs tests to evaluate against")
            for name in ("base_commit", "environment_setup_commit"):
                value = getattr(self, name)
                if value is not None and not SHA_RE.match(value):
                    raise _field_error(name, "must be a full 40-character lowercase hex commit sha")
        return self

    @property
    def owner(self) -> str:
        return self.repo.split("/")[0]

    @property
    def name(self) -> str:
        return self.repo.split("/")[1]

    @property
    def env_commit(self) -> str:
        return self.environment_setup_commit or self.base_commit


class Prediction(BaseModel):
    """One model prediction in SWE-bench format. ``None`` and ``""`` both mean "no patch"."""

    model_config = ConfigDict(extra="allow", frozen=True)

    instance_id: str
    model_name_or_path: str
    model_patch: str | None

    @property
    def is_empty(self) -> bool:
        return not (self.model_patch or "").strip()

    @property
    def patch_sha256(self) -> str:
        """Resume key: a rerun re-evaluates an instance exactly when its patch text changed."""
        return hashlib.sha256((self.model_patch or "").encode()).hexdigest()


class InstanceResult(BaseModel):
    """Our record of one evaluated prediction (``result.json``); written last, so it marks completion."""

    instance_id: str
    model_name_or_path: str
    outcome: Outcome
    patch_sha256: str
    spec_hash: str = ""
    log_parser: str | None = None  # the parser grading read the log with (the summary reads it the same way)
    reason: str = ""  # why not resolved / what failed, in a sentence
    image: str | None = None
    image_id: str | None = None
    image_digests: list[str] = Field(default_factory=list)  # registry digests, when the image was pulled
    environment: dict[str, str] = Field(default_factory=dict)  # base image, suite, Python, scm version used
    applied_with: str | None = None  # the apply-ladder rung that took the patch
    reverted_files: list[str] = Field(default_factory=list)  # test infrastructure the patch tried to change
    violations: list[str] = Field(default_factory=list)  # integrity findings in the log
    failing_tests: list[str] = Field(default_factory=list)
    test_exit_code: int | None = None
    attempts: int = 1
    seconds_total: float = 0.0
    seconds_image: float = 0.0
    seconds_container: float = 0.0
    seconds_tests: float | None = None  # the test command's own time, as measured inside the container
    finished_at: str = ""
