"""One exception root for swerun.

The split that matters to users is *whose fault* a failure is: an ``InfraError`` (image build, Docker
daemon, timeout) says nothing about the model and is retried and reported apart, while a
``TaskError`` (a patch that does not apply, a test patch that breaks) is part of the verdict.
Input errors (``InputError``) are raised before any container starts and name the instance, file and
field so the user can fix their input without losing work already done.
"""

from __future__ import annotations


class SwerunError(Exception):
    """Root of every error swerun raises on purpose."""


class InputError(SwerunError):
    """Bad user input: dataset rows, predictions, specs, CLI arguments."""

    def __init__(self, message: str, *, source: str | None = None, instance_id: str | None = None,
                 field: str | None = None) -> None:
        parts = [p for p in (source, instance_id and f"instance {instance_id}", field and f"field {field!r}") if p]
        super().__init__(f"{': '.join(parts)}: {message}" if parts else message)
        self.message = message
        self.source = source
        self.instance_id = instance_id
        self.field = field


class DatasetError(InputError):
    """A dataset row or split cannot be loaded or is malformed."""


class FormatError(DatasetError):
    """A row does not map onto an instance in its format (raised with the column as ``field``; the
    dataset loader adds the file, line and instance)."""


class PredictionsError(InputError):
    """A predictions file or row is malformed."""


class SpecError(InputError):
    """An environment spec is missing or invalid."""


class InfraError(SwerunError):
    """Failure of the machinery, not of the model: retried, and never counted as unresolved."""


class BackendUnavailable(InfraError):
    """The place that runs containers (an engine, a cluster) cannot be reached at all."""


class DockerUnavailable(BackendUnavailable):
    """The Docker engine cannot be reached."""


class ImageBuildError(InfraError):
    """An image layer failed to build; ``log_path`` holds the build output."""

    def __init__(self, message: str, log_path: str | None = None) -> None:
        super().__init__(message + (f" (build log: {log_path})" if log_path else ""))
        self.log_path = log_path


class RepoError(InfraError):
    """A repository or commit could not be obtained."""


class EvalTimeout(InfraError):
    """The tests ran past their time limit."""


class TaskError(SwerunError):
    """A failure that belongs to the instance's verdict (e.g. the model patch does not apply)."""


class PatchError(TaskError):
    """A patch is malformed, unsafe, or does not apply."""
