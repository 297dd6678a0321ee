"""npm packages for agent layers, fetched once per machine with the ordinary client (``npm pack``).

Tarballs are cached under ``<cache>/npm/`` with the registry's integrity string beside them; the
integrity goes into the layer's hash, so the image tag names exactly the bytes inside it. The build
itself then needs no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ...errors import InfraError
from ...resources import cache_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tarball:
    spec: str  # name@version
    path: Path
    integrity: str  # sha512-<base64>, as the registry publishes it


def _sri(path: Path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def fetch(name: str, version: str) -> Tarball:
    """The package tarball, from the cache or ``npm pack``; its sha512 is checked against the registry's."""
    spec = f"{name}@{version}"
    root = cache_dir() / "npm"
    root.mkdir(parents=True, exist_ok=True)
    stem = spec.replace("/", "+").replace("@", "_")
    tgz, meta = root / f"{stem}.tgz", root / f"{stem}.json"
    with FileLock(str(root / f"{stem}.lock")):
        if tgz.is_file() and meta.is_file():
            integrity = json.loads(meta.read_text())["integrity"]
            if _sri(tgz) == integrity:
                return Tarball(spec, tgz, integrity)
            log.warning("cached %s does not match its integrity; fetching again", spec)
        npm = shutil.which("npm")
        if npm is None:
            raise InfraError(f"cannot fetch {spec}: npm is not installed (apt-get install npm)")
        with tempfile.TemporaryDirectory(prefix="swerun-npm-") as tmp:
            proc = subprocess.run([npm, "pack", "--json", "--pack-destination", tmp, spec], cwd=tmp,
                                  capture_output=True, text=True, timeout=900, check=False)
            if proc.returncode != 0:
                raise InfraError(f"npm pack {spec} failed: {proc.stderr.strip()[-1000:]}")
            try:
                info = json.loads(proc.stdout)[0]
            except (json.JSONDecodeError, IndexError, KeyError) as exc:
                raise InfraError(f"npm pack {spec}: unexpected output ({exc})") from None
            got = Path(tmp) / info["filename"]
            if _sri(got) != info["integrity"]:
                raise InfraError(f"npm pack {spec}: the tarball does not match the registry's integrity")
            shutil.move(str(got), tgz)
            meta.write_text(json.dumps({"spec": spec, "integrity": info["integrity"]}) + "\n")
        log.info("fetched %s (%s)", spec, info["integrity"][:24])
        return Tarball(spec, tgz, info["integrity"])
