"""Test helpers: patches made with real git against the bundled repositories, CLI invocations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from swebench_runner.repos import RepoStore
from swebench_runner.types import Instance


def patch_against(instance: Instance, tmp: Path, edits: dict[str, str | None]) -> str:
    """A git diff that makes ``edits`` (path -> new text, None deletes) to the instance's base commit."""
    dest = tmp / f"co-{instance.instance_id}-{len(list(tmp.glob('co-*')))}"
    RepoStore().checkout(instance.repo, instance.base_commit, dest)
    for rel, text in edits.items():
        path = dest / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    subprocess.run(["git", "-C", str(dest), "add", "-A"], check=True)
    return subprocess.run(["git", "-C", str(dest), "diff", "--cached"], check=True, capture_output=True,
                          text=True).stdout


def read_base(instance: Instance, tmp: Path, rel: str) -> str:
    return RepoStore().read_file(instance.repo, instance.base_commit, rel) or ""


def write_preds(path: Path, rows: dict[str, str | None], model: str = "test-model") -> Path:
    path.write_text("".join(json.dumps({"instance_id": i, "model_name_or_path": model, "model_patch": p}) + "\n"
                            for i, p in rows.items()))
    return path


def swerun(*args: str, cwd: Path | None = None, check: bool = False, **kw) -> subprocess.CompletedProcess:
    """Run the real CLI in a child process, as a user would."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "swebench_runner", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, check=check, **kw)
