"""Test helpers: patches made with real git against the bundled repositories, CLI invocations, a local
image registry."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_registry():
    """Debian's docker-registry serving on a free loopback port (Docker trusts 127.0.0.0/8 over HTTP),
    storing under a temporary folder removed afterwards; yields ``127.0.0.1:PORT``."""
    binary = shutil.which("docker-registry")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("docker-registry is not installed (apt-get install docker-registry)")
        pytest.skip("docker-registry is not installed (apt-get install docker-registry)")
    root = Path(tempfile.mkdtemp(prefix="swerun-registry-"))
    port = _free_port()
    (root / "config.yml").write_text(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\n"
                                     f"http:\n  addr: 127.0.0.1:{port}\n")
    proc = subprocess.Popen([binary, "serve", str(root / "config.yml")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
