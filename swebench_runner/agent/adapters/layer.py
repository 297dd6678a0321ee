"""Agent layers: an instance image plus a CLI agent's runtime, hash-tagged like the other layers.

The tag is a hash of the parent's tag (itself a content hash), the Dockerfile, the text files and the
registry integrity of every tarball, so a new agent version or a changed recipe makes a new image and
an unchanged one is reused. Built once under a file lock, as ``builder.ImageBuilder`` does for the
other layers; kept separate because its build context carries binary tarballs, which ``LayerRecipe``
(text files only) cannot.
"""

from __future__ import annotations

import io
import logging
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from docker.errors import APIError, ImageNotFound
from filelock import FileLock

from ...builder import ImageInfo
from ...errors import ImageBuildError
from ...images import IMAGE_PREFIX, content_hash
from ...resources import cache_dir
from ...sandbox.docker import client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentLayer:
    kind: str  # e.g. "qwen-code"
    instance_id: str
    parent: str
    dockerfile: str  # with @PARENT@ not yet filled in
    texts: dict[str, str]  # build-context path -> text
    blobs: dict[str, tuple[Path, str]] = field(default_factory=dict)  # context path -> (file, integrity)

    @property
    def tag(self) -> str:
        h = content_hash("agent", self.kind, self.parent, self.dockerfile, self.texts,
                         {k: v[1] for k, v in sorted(self.blobs.items())})
        slug = re.sub(r"[^a-z0-9_.-]+", "-", self.instance_id.lower()).strip("-.")
        return f"{IMAGE_PREFIX}/agent-{self.kind}-{slug}:{h}"


def _context(layer: AgentLayer) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        files = {"Dockerfile": layer.dockerfile.replace("@PARENT@", layer.parent), **layer.texts}
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
        for name, (path, _) in layer.blobs.items():
            tar.add(path, arcname=name)
    return buf.getvalue()


def ensure_layer(layer: AgentLayer, log_dir: Path) -> ImageInfo:
    tag = layer.tag
    locks = cache_dir() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with FileLock(str(locks / (tag.replace("/", "_").replace(":", "_") + ".lock"))):
        try:
            img = client().images.get(tag)
            return ImageInfo(tag, img.id, tuple(img.attrs.get("RepoDigests") or ()), "cache")
        except ImageNotFound:
            pass
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / (tag.replace("/", "__").replace(":", "__") + ".log")
        log.info("building agent layer %s (log: %s)", tag, log_path)
        try:
            with open(log_path, "w", encoding="utf-8") as out:
                stream = client().api.build(fileobj=io.BytesIO(_context(layer)), custom_context=True, tag=tag,
                                            rm=True, forcerm=True, decode=True, pull=False, network_mode="none",
                                            labels={"swerun.layer": "agent", "swerun.agent": layer.kind,
                                                    "swerun.instance": layer.instance_id})
                for chunk in stream:
                    out.write(chunk.get("stream", ""))
                    if "error" in chunk:
                        out.write(chunk["error"] + "\n")
                        raise ImageBuildError(f"building {tag} failed: {chunk['error'].strip()}", str(log_path))
        except APIError as exc:
            raise ImageBuildError(f"building {tag} failed: {exc}", str(log_path)) from None
        img = client().images.get(tag)
        return ImageInfo(tag, img.id, (), "built")
