"""The real log snippets the parser tests read, and their index (which parser reads each, and its source).

Snippets cut from the CodeR evaluation logs are not copied into the project (``../shared`` says to
read its data in place): the index records their file and line ranges and ``read_log`` cuts them
from ``../shared/swebench`` at test time. The few snippets quoted from public pages are stored here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "swebench"
INDEX: dict[str, dict] = json.loads((LOGS / "index.json").read_text())


def _cut(entry: dict) -> bytes:
    path = SHARED / entry["shared"]
    if not path.is_file():
        if os.environ.get("CI"):
            raise FileNotFoundError(path)
        pytest.skip(f"{path} is missing")
    lines = path.read_bytes().split(b"\n")
    return b"".join(b"\n".join(lines[a - 1: b]) + b"\n" for a, b in entry["lines"])


def read_bytes(name: str) -> bytes:
    """A snippet by file name (``x.log``)."""
    entry = INDEX[name]
    return _cut(entry) if "shared" in entry else (LOGS / name).read_bytes()


def read_log(name: str) -> str:
    """A snippet by file stem, decoded the way logs are (invalid UTF-8 replaced)."""
    return read_bytes(f"{name}.log").decode("utf-8", errors="replace")
