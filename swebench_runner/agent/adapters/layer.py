"""Agent layers: an instance image plus a CLI agent's runtime, hash-tagged like the other layers.

The tag is a hash of the parent's tag (itself a content hash), the Dockerfile, the text files and the
registry integrity of every tarball, so a new agent version or a changed recipe makes a new image and
an unchanged one is reused. Built by ``builder.ImageBuilder`` like the other layers, once under
a file lock, with the tarballs as binary context files and no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...backends.docker_builder import ImageBuilder, ImageInfo
from ...images import IMAGE_PREFIX, LayerRecipe, content_hash


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

    def recipe(self) -> LayerRecipe:
        """The layer as the shared builder builds it: no network, since both tarballs are in the context."""
        return LayerRecipe(
            kind="agent", tag=self.tag, parent=self.parent,
            files={"Dockerfile": self.dockerfile.replace("@PARENT@", self.parent), **self.texts},
            labels={"swerun.layer": "agent", "swerun.agent": self.kind, "swerun.instance": self.instance_id},
            blobs={name: (str(path), integrity) for name, (path, integrity) in self.blobs.items()},
            build_network="none")


def ensure_layer(layer: AgentLayer, builder: ImageBuilder) -> ImageInfo:
    return builder.ensure(layer.recipe())
