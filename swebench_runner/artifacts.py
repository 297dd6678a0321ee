"""Every path of a run folder, and writes that a crash cannot leave half-done.

Layout of ``results/<run_id>/``: ``run.json`` (what the run was), ``<model>.<run_id>.json`` (the
official run report), ``build_logs/`` and one folder per instance with ``patch.diff``, ``eval.sh``,
``test_output.txt``, ``run_instance.log``, ``report.json`` (official format) and ``result.json``
(ours). ``result.json`` is written last: an instance is finished exactly when it exists.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from pydantic import BaseModel

RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"  # not mkstemp: keep umask's modes
    try:
        with open(tmp, "xb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_json(path: Path, data: Any) -> None:
    if isinstance(data, BaseModel):
        text = data.model_dump_json(indent=2)
    else:
        text = json.dumps(data, indent=2, sort_keys=False)
    atomic_write(path, text + "\n")


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


class RunDir:
    def __init__(self, root: Path, run_id: str) -> None:
        if not RUN_ID_RE.match(run_id):
            raise ValueError(f"run id {run_id!r} must be letters, digits, '.', '_' or '-'")
        self.run_id = run_id
        self.path = root / run_id

    @property
    def run_json(self) -> Path:
        return self.path / "run.json"

    @property
    def build_logs(self) -> Path:
        return self.path / "build_logs"

    @property
    def preds(self) -> Path:
        return self.path / "preds.jsonl"

    def run_report(self, model: str) -> Path:
        return self.path / f"{model.replace('/', '__')}.{self.run_id}.json"

    def instance(self, instance_id: str) -> Path:
        return self.path / instance_id

    def file(self, instance_id: str, name: str) -> Path:
        return self.path / instance_id / name

    def instance_ids(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if (p / "result.json").is_file())
