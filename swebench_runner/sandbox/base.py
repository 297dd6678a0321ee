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
