"""Binary test files a text patch cannot carry (Multimodal's ``image_assets``, a task folder's
``test_assets/``): read or fetched on the host, staged into the eval container after the test patch.

They arrive with the tests rather than living in the image: test data baked into the image would be
visible to anything with a shell in it, the agent included. A task folder brings its files; a hub row
brings URLs, fetched here on the host (the container's network stays internal) and kept under the
cache by content, so a rerun fetches nothing.
"""

from __future__ import annotations

import hashlib
import logging
import shlex
import urllib.request
from pathlib import Path, PurePosixPath

from ..errors import InfraError
from ..resources import cache_dir
from ..types import Instance

log = logging.getLogger(__name__)

STAGE_DIR = "swerun/assets"  # inside the container, under /
FETCH_TIMEOUT = 60


def _declared(instance: Instance) -> dict[str, str]:
    """repo path -> URL of every asset the row declares for its patches (problem-statement images are
    the model's to look at, not the tests')."""
    out: dict[str, str] = {}
    for key in ("test_patch", "patch"):
        for entry in (instance.image_assets or {}).get(key) or []:
            if isinstance(entry, dict) and entry.get("path"):
                out[str(entry["path"])] = str(entry.get("url") or "")
    return out


def _fetch(url: str, iid: str) -> bytes:
    cached = cache_dir() / "assets" / hashlib.sha256(url.encode()).hexdigest()
    if cached.is_file():
        return cached.read_bytes()
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as resp:  # noqa: S310 (the row's own URL)
            data = resp.read()
    except OSError as exc:
        raise InfraError(f"{iid}: cannot fetch test asset {url}: {exc}") from None
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(cached)
    return data


def _safe(path: str, iid: str) -> str:
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts:
        raise InfraError(f"{iid}: test asset path {path!r} leaves the repository")
    return p.as_posix()


def collect(instance: Instance) -> dict[str, bytes]:
    """repo path -> bytes of every test asset of ``instance``; ``InfraError`` when one cannot be had."""
    iid = instance.instance_id
    out = {_safe(path, iid): Path(src).read_bytes() for path, src in instance.assets.items()}
    for path, url in _declared(instance).items():
        if _safe(path, iid) in out:
            continue
        if not url:
            raise InfraError(f"{iid}: test asset {path} has neither a file in the task folder nor a URL")
        out[_safe(path, iid)] = _fetch(url, iid)
    if out:
        log.info("%s: %d test asset(s) to stage", iid, len(out))
    return out


def staged_name(path: str) -> str:
    return f"{STAGE_DIR}/{path.replace('/', '__')}"


def restore_lines(paths: list[str]) -> list[str]:
    """Shell lines, run in /testbed after the test patch, that put each staged asset in place."""
    lines = []
    for path in paths:
        parent = str(PurePosixPath(path).parent)
        lines.append(f"mkdir -p -- {shlex.quote(parent)} && cp -- {shlex.quote('/' + staged_name(path))} "
                     f"{shlex.quote(path)}")
    return lines
