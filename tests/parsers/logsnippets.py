"""The real log snippets the parser tests read, and their index (which parser reads each, and its source).

Snippets cut from the CodeR evaluation logs are not stored twice: the index records the archive
member (a log in ``tests/data/swebench/lite__20240604_CodeR.tar.xz``) and its line ranges, and
``read_bytes`` cuts them from the bundled log. The few snippets quoted from public pages are stored here.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..conftest import swebench_file

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
INDEX: dict[str, dict] = json.loads((LOGS / "index.json").read_text())


def _cut(entry: dict) -> bytes:
    lines = swebench_file(entry["archive"], entry["member"]).split(b"\n")
    return b"".join(b"\n".join(lines[a - 1: b]) + b"\n" for a, b in entry["lines"])


def read_bytes(name: str) -> bytes:
    """A snippet by file name (``x.log``)."""
    entry = INDEX[name]
    return _cut(entry) if "archive" in entry else (LOGS / name).read_bytes()


def read_log(name: str) -> str:
    """A snippet by file stem, decoded the way logs are (invalid UTF-8 replaced)."""
    return read_bytes(f"{name}.log").decode("utf-8", errors="replace")
