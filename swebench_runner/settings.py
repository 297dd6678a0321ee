"""The one settings model of a run: what eval, infer, the headline command, validate and image builds
are told. Typed and closed (unknown keys are refused), so a typo in a config or a caller is an error
instead of a silently ignored option; plain data, so it crosses to a Ray worker unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .artifacts import RUN_ID_RE
from .backends.base import Limits

# Containers run strangers' patches: a fork bomb must stop at the pids cap, not at the host.
DEFAULT_LIMITS = Limits(pids=4096)


class RunSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    results_root: Path = Path("results")
    max_workers: int = Field(default=1, ge=1, le=4096)
    timeout: int = Field(default=1800, ge=1)  # seconds the tests of one instance may run
    retries: int = Field(default=1, ge=0, le=10)  # extra attempts after an infrastructure failure
    repo_url: str | None = None
    registry: str | None = None
    ca_bundle: str | None = None
    strict: bool = True  # integrity checks on top of the official grading rules
    image_source: Literal["build", "swebench", "auto"] = "build"
    image_namespace: str | None = None
    limits: Limits = DEFAULT_LIMITS
    backend: Literal["docker", "ray", "fake"] = "docker"  # what runs the boxes ("ray": Docker on Ray's nodes)
    scheduler: Literal["auto", "local", "ray"] = "auto"  # auto: Ray for the ray backend, else a thread pool
    ray_address: str | None = None  # None: start a local Ray instance
    slots_per_task: float = 1.0  # of the `docker_slots` resource each Ray task holds
    evaluate: bool = False  # inference runs: grade each prediction as it lands (the headline command)
    progress: bool = True
    extra: dict[str, Any] = Field(default_factory=dict)  # what the run was, recorded in run.json

    @field_validator("run_id")
    @classmethod
    def _safe_run_id(cls, v: str) -> str:
        if not RUN_ID_RE.match(v):
            raise ValueError(f"run id {v!r} must be one path component of letters, digits, '.', '_' or '-'")
        return v
