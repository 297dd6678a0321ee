"""The per-instance record every later step reads, resolved once: instance, spec, spec hash, where
its image comes from, the layout of that image and the parser its log is read with.

"Official image or ours" used to be decided wherever it mattered (image, script layout, parser, the
summary's reading of a log), and a place that forgot gave another answer; now it is decided here and
the record travels with the work, to a thread or a Ray worker alike. The resume rule lives here too.

A row that brings its own recipe (swebench 5.x, Multilingual, task folders: ``eval_script``,
``log_parser``, ``eval_type``) is graded with it on whichever image runs it, ours included: the row's
script runs inside our markers and exit-code record, the row's parser reads the log, the row's eval
type grades it. ``auto`` takes the row's (or the official) image where it can be pulled and builds
ours where it cannot, with a layout that fits both.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from . import official
from .evaluation.eval_script import AUTO, OURS, Layout
from .images import content_hash
from .spec import VersionSpec, spec_for
from .types import Instance, InstanceResult, Prediction


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    instance: Instance
    spec: VersionSpec
    spec_hash: str
    image_source: Literal["build", "swebench", "auto"]
    official_image: str | None  # the prebuilt image's name when image_source is "swebench" or "auto"
    layout: Layout
    parser: str | None
    eval_type: Literal["pass_and_fail", "fail_only"] = "pass_and_fail"

    @property
    def instance_id(self) -> str:
        return self.instance.instance_id


# Spec fields added after results were recorded: left out of the hash at their default, so adding
# them did not make every finished result look stale to the resume rule.
_LATER_FIELDS = {"eval_type": "pass_and_fail"}


def spec_hash(spec: VersionSpec) -> str:
    data = spec.model_dump(mode="json")
    for name, default in _LATER_FIELDS.items():
        if data.get(name) == default:
            data.pop(name)
    return content_hash(data)


def resolve_task(instance: Instance, image_source: str = "build", image_namespace: str | None = None) -> Task:
    """Raises ``SpecError`` (naming the spec file, instance and field) when the instance has no spec."""
    spec = spec_for(instance)
    base = {"instance": instance, "spec": spec, "spec_hash": spec_hash(spec),
            "parser": official.parser_name(instance, spec.log_parser),
            "eval_type": instance.eval_type or spec.eval_type}
    if instance.eval_script is not None:  # the row's script activates what it needs itself
        layout = Layout(row_script=instance.eval_script)
    else:
        layout = {"swebench": official.layout(instance), "auto": AUTO}.get(image_source, OURS)
    if image_source in ("swebench", "auto"):
        return Task(**base, image_source=image_source, official_image=official.image_name(instance, image_namespace),
                    layout=layout)
    return Task(**base, image_source="build", official_image=None, layout=layout)


def is_done(prev: InstanceResult | None, pred: Prediction, task_hash: str) -> bool:
    """The resume rule: graded before with the same patch under the same spec."""
    return (prev is not None and prev.outcome.graded and prev.patch_sha256 == pred.patch_sha256
            and prev.spec_hash == task_hash)
