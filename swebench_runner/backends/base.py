"""The backend contract: "a place that runs boxes", so nothing above it knows which engine runs them.

Evaluation, agents, validation and image builds ask a backend for five things: open a long-lived
sandbox from an image, run a one-shot script with input files and a timeout, prepare and clean up a
run, make an image available, and describe itself for ``run.json``. Docker is one implementation
(``backends/docker.py``); ``backends/fake.py`` keeps everything in memory so the scheduler, the agent
loop and reporting can be tested without an engine. ``backends/conformance.py`` holds every backend to
the same behaviour; it ships in the package so a new backend is checked by the same tests.

Exceptions a backend raises (all under ``swebench_runner.errors.SwerunError``):

- ``BackendUnavailable`` (an ``InfraError``): the engine cannot be reached at all. Raised by
  ``prepare_run`` and by any call when the engine went away.
- ``InfraError``: one operation failed for a reason that says nothing about the model (a container
  could not start, an exec broke, a copy failed). Callers retry these and never turn them into a verdict.
- ``EvalTimeout`` (an ``InfraError``): a one-shot script ran past the outer safety timeout.
- ``ImageBuildError`` (an ``InfraError``): an image could not be made; its build log path is attached.
- ``FileNotFoundError`` / ``IsADirectoryError``: from ``Sandbox.read_file`` only, for a path that is
  missing or not a file; these are answers about the sandbox's content, not failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from ..sandbox.base import Sandbox


@dataclass(frozen=True)
class RunResult:
    """What a one-shot script left: its exit code, its interleaved output, and its wall time."""

    exit_code: int
    output: str
    seconds: float


class Limits(BaseModel):
    """Resource caps for one container. ``None`` means the engine's default (no cap)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pids: int | None = None  # processes and threads (a fork bomb stops here)
    memory_mb: int | None = None  # RAM, swap included
    cpus: float | None = None  # CPU share, in cores
    file_mb: int | None = None  # the largest file any process may write (RLIMIT_FSIZE): a 10 GB write stops here
    # what the container may add to its image's files (every file and directory counts at least 4 KiB, so
    # a million empty files count too); a container past it is killed and its sandbox says why (``fault``)
    disk_mb: int | None = None


class Mount(BaseModel):
    """A host path seen inside the container."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    target: str
    read_only: bool = True


class ImageProvider(Protocol):
    """Makes images exist on the backend: reuse, pull by tag from a registry, or build (once per tag).

    Raises ``ImageBuildError`` when an image cannot be made and ``BackendUnavailable`` without an engine.
    """

    store: Any  # the RepoStore layers are built from

    def ensure_base(self, recipe: Any) -> Any:
        """The base layer of ``recipe`` (an ``ImageInfo``)."""

    def ensure(self, recipe: Any) -> Any:
        """An env or instance layer (an ``ImageInfo``)."""

    def ensure_official(self, name: str) -> Any:
        """An official prebuilt image by name, pulled when missing (an ``ImageInfo``)."""


class Backend(Protocol):
    """Where work runs. Thread-safe: one backend object serves every worker thread of a process."""

    name: str

    def describe(self) -> dict[str, Any]:
        """What ran the boxes, for ``run.json`` (engine and its version, node). Never raises."""

    def prepare_run(self, run_id: str) -> int:
        """Make the run possible (reach the engine, create the internal network) and remove containers
        an earlier, killed process of the same run left; returns how many were removed."""

    def cleanup(self, run_id: str | None = None, *, only_mine: bool = False, only_orphans: bool = False) -> int:
        """Remove containers of one run (or of every swerun run): all of them, only this process's
        (Ctrl-C), or only orphans whose starting process is gone (``kill -9``, a lost node). Unless only
        orphans go, the run is closed on this backend object: a worker still running when the run was
        stopped gets ``InfraError`` instead of a new container, until ``prepare_run`` opens it again."""

    def open_sandbox(self, image: str, *, run_id: str, name: str, labels: Mapping[str, str] | None = None,
                     mounts: list[Mount] | None = None, limits: Limits | None = None, workdir: str = "/testbed",
                     env: Mapping[str, str] | None = None) -> Sandbox:
        """A long-lived container on the internal network (agent sessions, debugging)."""

    def run_script(self, image: str, script: str, *, files: Mapping[str, bytes | str], run_id: str, name: str,
                   timeout: float, env: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                   limits: Limits | None = None) -> RunResult:
        """``bash -c script`` once in a fresh container with ``files`` copied in (paths relative to /),
        on the internal network; the container is always removed."""

    def images(self, *, repo_url: str | None, log_dir: Any, ca_bundle: str | None,
               registry: str | None) -> ImageProvider:
        """The image provider of this backend, building from ``repo_url`` mirrors into ``log_dir`` logs."""

    def run_argv(self, image: str, command: list[str], *, tty: bool = False, env: Mapping[str, str] | None = None,
                 mounts: list[Mount] | None = None, labels: Mapping[str, str] | None = None,
                 workdir: str = "/testbed") -> list[str]:
        """The command line a person types to run ``command`` in a throwaway container like ours
        (``swerun debug`` prints it and runs it). ``InputError`` where the backend has none."""

    def shell_argv(self, sandbox: Sandbox) -> list[str]:
        """The command line a person types to get a shell in an open sandbox of this backend."""

    def image_inventory(self, label: str) -> list[dict[str, Any]]:
        """Every image carrying ``label``, as the engine describes it (``Id``, ``RepoTags``, ``Size``,
        ``Created``, ``Config.Labels``, ``RootFS.Layers``): what ``swerun images ls`` lists."""

    def remove_image(self, ref: str) -> str | None:
        """Remove an image by tag or id; ``None`` once it is gone, else why the engine kept it."""

    def storage_root(self) -> str | None:
        """Where the engine keeps images on this machine (None: not on this machine's disk)."""
