"""The per-instance record every later step reads, resolved once: instance, spec, spec hash, where
its image comes from, the layout of that image and the parser its log is read with.

"Official image or ours" used to be decided wherever it mattered (image, script layout, parser, the
summary's reading of a log), and a place that forgot gave another answer; now it is decided here and
the record travels with the work, to a thread or a Ray worker alike. The resume rule lives here too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from . import official
from .evaluation.eval_script import OURS, Layout
from .images import content_hash
from .spec import VersionSpec, spec_for
from .types import Instance, InstanceResult, Prediction


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    instance: Instance
    spec: VersionSpec
    spec_hash: str
    image_source: Literal["build", "swebench"]
    official_image: str | None  # the prebuilt image's name when image_source is "swebench"
    layout: Layout
    parser: str | None

    @property
    def instance_id(self) -> str:
        return self.instance.instance_id


def spec_hash(spec: VersionSpec) -> str:
    return content_hash(spec.model_dump(mode="json"))


def resolve_task(instance: Instance, image_source: str = "build", image_namespace: str | None = None) -> Task:
    """Raises ``SpecError`` (naming the spec file, instance and field) when the instance has no spec."""
    spec = spec_for(instance)
    if image_source == "swebench":
        return Task(instance=instance, spec=spec, spec_hash=spec_hash(spec), image_source="swebench",
                    official_image=official.image_name(instance, image_namespace), layout=official.layout(instance),
                    parser=official.parser_name(instance, spec.log_parser))
    return Task(instance=instance, spec=spec, spec_hash=spec_hash(spec), image_source="build", official_image=None,
                layout=OURS, parser=spec.log_parser)


def is_done(prev: InstanceResult | None, pred: Prediction, task_hash: str) -> bool:
    """The resume rule: graded before with the same patch under the same spec."""
    return (prev is not None and prev.outcome.graded and prev.patch_sha256 == pred.patch_sha256
            and prev.spec_hash == task_hash)
