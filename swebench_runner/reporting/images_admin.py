"""swerun's images on this Docker engine: what is there, what it costs, what to remove, what a run will need.

swerun's layers form a tree (base -> env -> instance, and agent layers on instances), so the bytes an
image shares are the bytes of its parent in that tree: the longest layer list of another swerun image
that is a prefix of its own. An image's *unique* bytes are its size minus its parent's, and the disk
all of them use is the sum of unique bytes (each shared layer counted once). Images are recognised by
the ``swerun.layer`` label every swerun build sets; nothing else on the engine is listed or removed.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import shutil
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from statistics import median

from docker.errors import APIError, ImageNotFound, NotFound
from pydantic import BaseModel, Field

from ..errors import InputError, SpecError
from ..sandbox.docker import client
from ..spec import spec_for
from ..types import Instance

log = logging.getLogger(__name__)

LABEL = "swerun.layer"
ORDER = {"agent": 0, "instance": 1, "env": 2, "base": 3}  # children before parents when removing
DEFAULT_BYTES = {"instance": 60 << 20, "env": 600 << 20, "base": 450 << 20}  # when nothing is there to measure


class ImageRow(BaseModel):
    tag: str
    id: str
    layer: str  # base | env | instance | agent
    repo: str | None = None
    instance: str | None = None
    version: str | None = None
    python: str | None = None
    created: datetime
    size: int
    shared: int = 0  # bytes in layers of its parent image (shared with it and its siblings)
    unique: int = 0
    parent: str | None = None
    layers: list[str] = Field(default_factory=list, exclude=True)


def _created(value: str) -> datetime:
    value = re.sub(r"(\.\d{6})\d*", r"\1", value).replace("Z", "+00:00")
    return datetime.fromisoformat(value)


def list_images() -> list[ImageRow]:
    """Every swerun image (by label), with sizes; shared/unique computed from the layer tree."""
    rows: list[ImageRow] = []
    api = client().api
    for summary in api.images(filters={"label": LABEL}):
        try:
            attrs = api.inspect_image(summary["Id"])
        except (ImageNotFound, NotFound):  # removed meanwhile (another process pruned or rebuilt it)
            continue
        labels = (attrs.get("Config") or {}).get("Labels") or {}
        layer = labels.get(LABEL, "?")
        for tag in [t for t in attrs.get("RepoTags") or [] if t != "<none>:<none>"] or [f"<untagged>@{attrs['Id'][7:19]}"]:
            rows.append(ImageRow(tag=tag, id=attrs["Id"], layer=layer, repo=labels.get("swerun.repo"),
                                 instance=labels.get("swerun.instance") if layer in ("instance", "agent") else None,
                                 version=labels.get("swerun.version"), python=labels.get("swerun.python"),
                                 created=_created(attrs.get("Created") or "1970-01-01T00:00:00Z"),
                                 size=int(attrs.get("Size") or 0), layers=list((attrs.get("RootFS") or {}).get("Layers") or [])))
    by_layers = {tuple(r.layers): r for r in rows}
    for r in rows:
        for n in range(len(r.layers) - 1, 0, -1):
            parent = by_layers.get(tuple(r.layers[:n]))
            if parent is not None:
                r.parent, r.shared = parent.tag, parent.size
                break
        r.unique = max(0, r.size - r.shared)
    return sorted(rows, key=lambda r: (ORDER.get(r.layer, 9), r.tag))


def disk_used(rows: Iterable[ImageRow]) -> int:
    """Bytes on disk for these images, shared layers once (tags of one image counted once)."""
    seen: dict[str, int] = {}
    for r in rows:
        seen[r.id] = r.unique
    return sum(seen.values())


def parse_age(text: str) -> timedelta:
    m = re.fullmatch(r"(\d+)\s*([smhdw])", text.strip())
    if not m:
        raise InputError("must look like 30d, 12h, 90m, 2w or 0s", source="--older-than")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[m[2]]
    return timedelta(**{unit: int(m[1])})


class PruneOutcome(BaseModel):
    removed: list[str] = Field(default_factory=list)
    kept: dict[str, str] = Field(default_factory=dict)  # tag -> why it could not go (children, containers)
    freed: int = 0


def select(rows: list[ImageRow], *, older_than: timedelta | None = None, tags: set[str] | None = None,
           match: str | None = None, layers: set[str] | None = None) -> list[ImageRow]:
    """The images every given criterion picks (age, a run's tags, a glob on the tag, the layer kinds)."""
    now = datetime.now(timezone.utc)
    out = []
    for r in rows:
        if older_than is not None and now - r.created < older_than:
            continue
        if tags is not None and r.tag not in tags:
            continue
        if match is not None and not fnmatch.fnmatchcase(r.tag, match):
            continue
        if layers is not None and r.layer not in layers:
            continue
        out.append(r)
    return out


def prune(chosen: list[ImageRow], *, dry_run: bool = False) -> PruneOutcome:
    """Remove ``chosen`` children first; an image still needed (child images, containers) is kept and says why."""
    out = PruneOutcome()
    for r in sorted(chosen, key=lambda r: ORDER.get(r.layer, 9)):
        if dry_run:
            out.removed.append(r.tag)
            out.freed += r.unique
            continue
        try:
            client().images.remove(image=r.tag if not r.tag.startswith("<untagged>") else r.id)
            out.removed.append(r.tag)
            out.freed += r.unique
        except ImageNotFound:
            out.removed.append(r.tag)
        except APIError as exc:
            out.kept[r.tag] = str(exc.explanation or exc)
    return out


def run_image_tags(run_json: dict) -> set[str]:
    """Image tags a run recorded in ``run.json`` (one per instance)."""
    return {v["tag"] for v in (run_json.get("images") or {}).values() if isinstance(v, dict) and v.get("tag")}


class Estimate(BaseModel):
    instances: int
    present: int
    missing: list[str]
    missing_envs: list[str]  # repo@version
    missing_bases: list[str]  # python versions
    no_spec: list[str]
    bytes_needed: int
    free_bytes: int | None
    docker_root: str | None

    @property
    def enough(self) -> bool | None:
        return None if self.free_bytes is None else self.free_bytes >= self.bytes_needed


def _typical(rows: list[ImageRow], layer: str, repo: str | None = None) -> int:
    sizes = [r.unique for r in rows if r.layer == layer and (repo is None or r.repo == repo) and r.unique]
    if sizes:
        return int(median(sizes))
    return _typical(rows, layer) if repo is not None else DEFAULT_BYTES[layer]


def estimate(instances: Iterable[Instance], rows: list[ImageRow] | None = None) -> Estimate:
    """Disk a run of ``instances`` still needs: missing layers times the typical size of such a layer here."""
    rows = list_images() if rows is None else rows
    have_inst = {r.instance for r in rows if r.layer == "instance"}
    have_env = {(r.repo, r.version) for r in rows if r.layer == "env"}
    have_base = {r.python for r in rows if r.layer == "base"}
    missing, envs, bases, no_spec, need, total = [], set(), set(), [], 0, 0
    for inst in instances:
        total += 1
        try:
            py = spec_for(inst).python
        except SpecError:
            no_spec.append(inst.instance_id)
            continue
        if inst.instance_id not in have_inst:
            missing.append(inst.instance_id)
            need += _typical(rows, "instance", inst.repo)
        if (inst.repo, inst.version) not in have_env | envs:
            envs.add((inst.repo, inst.version))
            need += _typical(rows, "env", inst.repo)
        if py not in have_base | bases:
            bases.add(py)
            need += _typical(rows, "base")
    root = client().info().get("DockerRootDir")
    try:
        free = shutil.disk_usage(root).free if root else None
    except OSError:  # a remote engine: its disk is not ours to measure
        free = None
    return Estimate(instances=total, present=total - len(missing) - len(no_spec), missing=missing,
                    missing_envs=sorted(f"{r}@{v}" for r, v in envs), missing_bases=sorted(bases), no_spec=no_spec,
                    bytes_needed=need, free_bytes=free, docker_root=root)


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


class BuildOutcome(BaseModel):
    sources: dict[str, str] = Field(default_factory=dict)  # instance -> cache | built | pulled | ...
    failed: dict[str, str] = Field(default_factory=dict)  # instance -> the error


def build_ahead(instances: list[Instance], *, max_workers: int = 1, repo_url: str | None = None,
                registry: str | None = None, ca_bundle: str | None = None,
                on_done: Callable[[str, str | None, str | None], None] | None = None) -> BuildOutcome:
    """Make sure every instance image exists before a run; layers shared by instances are built once.

    Failures are collected, not raised: one broken environment must not stop the images of the others.
    Build logs go to ``<cache>/build_logs``.
    """
    from concurrent.futures import ThreadPoolExecutor

    from ..artifacts import RunDir
    from ..builder import ImageBuilder
    from ..errors import SwerunError
    from ..evaluation.evaluate import EvalSettings, prepare_image
    from ..repos import RepoStore
    from ..resources import cache_dir

    run = RunDir(cache_dir(), "prebuild")
    builder = ImageBuilder(RepoStore(repo_url), cache_dir() / "build_logs", ca_bundle=ca_bundle, registry=registry)
    settings = EvalSettings(run=run, builder=builder)
    out = BuildOutcome()

    def one(inst: Instance) -> None:
        try:
            info = prepare_image(settings, inst, spec_for(inst))
            out.sources[inst.instance_id] = info.source
            if on_done:
                on_done(inst.instance_id, info.source, None)
        except SwerunError as exc:
            out.failed[inst.instance_id] = str(exc).splitlines()[0]
            log.error("%s: %s", inst.instance_id, exc)
            if on_done:
                on_done(inst.instance_id, None, str(exc).splitlines()[0])

    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="swerun-build") as pool:
        list(pool.map(one, instances))
    return out
