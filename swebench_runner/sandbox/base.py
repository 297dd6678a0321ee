"""The sandbox contract every backend meets: run a command, read a file, write a file, close.

Kept narrow on purpose so agents and evaluation depend on three verbs, and a conformance suite
(``tests/sandbox/``) can hold every backend to the same behaviour. Timeouts are enforced inside the
sandbox; output is kept up to the time limit; infrastructure failure raises instead of returning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ExecResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


class Sandbox(Protocol):
    def exec(self, argv: list[str], *, timeout: float = 60, cwd: str | None = None,
             env: dict[str, str] | None = None) -> ExecResult:
        """Run ``argv`` (no shell unless argv asks for one); kill it after ``timeout`` seconds."""

    def read_file(self, path: str) -> bytes:
        """Bytes of a file; ``FileNotFoundError`` if it does not exist."""

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        """Create or replace a file, creating parent directories."""

    def close(self) -> None:
        """Release the sandbox; safe to call twice."""

    def fault(self) -> str | None:
        """After an operation raised ``InfraError``: why the sandbox ended, when the workload inside ended
        it (its processes were all killed, it went past its memory or disk cap); ``None`` when the cause
        was outside (the engine, someone removing the container), which is an infrastructure failure."""


class Stream(Protocol):
    """A long-lived process in a sandbox, reached through its stdin and stdout (``open_stream``, which a
    sandbox may offer: the persistent shell uses it when present, one exec per call when not)."""

    def send(self, data: bytes) -> None:
        """Write to the process's stdin; ``InfraError`` when the stream is gone."""

    def read_until(self, marker: bytes, timeout: float) -> bytes:
        """Its stdout up to ``marker``; ``InfraError`` when the stream breaks or ``timeout`` passes."""

    def close(self) -> None:
        """End the stream; safe to call twice."""
