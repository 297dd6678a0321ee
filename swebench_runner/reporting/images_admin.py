"""swerun's images on this Docker engine: what is there, what it costs, what to remove, what a run will need.

swerun's layers form a tree (base -> env -> instance, and agent layers on instances), so the bytes an
image shares are the bytes of its parent in that tree: the longest layer list of another swerun image
that is a prefix of its own. An image's *unique* bytes are its size minus its parent's, and the disk
all of them use is the sum of unique bytes (each shared layer counted once). Images are recognised by
the ``swerun.layer`` label every swerun build sets; nothing else on the engine is listed or removed.

Disk forecasts (``estimate``) size each missing layer from recorded figures, never from whatever small
images happen to be on this engine: ``harness/data/image_sizes.json`` (bundled, per repository: env and
instance layer bytes, base bytes; each figure marked measured or guessed) under a user-side copy in the
cache (``<cache>/image_sizes.json``) that every build and pull refreshes with the layer's measured size
(``record_layer_size``). Where nothing was measured the bundled figure is a deliberately high guess, and
the estimate names the repositories whose figures are guesses.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import shutil
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, Field

from ..errors import InputError, SpecError
from ..image_sizes import SizeBook
from ..images import base_for
from ..spec import spec_for
from ..types import Instance

log = logging.getLogger(__name__)

LABEL = "swerun.layer"
ORDER = {"agent": 0, "instance": 1, "env": 2, "base": 3}  # children before parents when removing


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


def _backend(backend: Any) -> Any:
    if backend is not None:
        return backend
    from ..backends.docker import DockerBackend

    return DockerBackend()


def list_images(backend: Any = None) -> list[ImageRow]:
    """Every swerun image (by label) on ``backend``'s engine (default: this machine's Docker), with sizes;
    shared/unique computed from the layer tree."""
    rows: list[ImageRow] = []
    for attrs in _backend(backend).image_inventory(LABEL):
        labels = (attrs.get("Config") or {}).get("Labels") or {}
        layer = labels.get(LABEL, "?")
        tags = [t for t in attrs.get("RepoTags") or [] if t != "<none>:<none>"]
        for tag in tags or [f"<untagged>@{attrs['Id'][7:19]}"]:
            rows.append(ImageRow(tag=tag, id=attrs["Id"], layer=layer, repo=labels.get("swerun.repo"),
                                 instance=labels.get("swerun.instance") if layer in ("instance", "agent") else None,
                                 version=labels.get("swerun.version"), python=labels.get("swerun.python"),
                                 created=_created(attrs.get("Created") or "1970-01-01T00:00:00Z"),
                                 size=int(attrs.get("Size") or 0),
                                 layers=list((attrs.get("RootFS") or {}).get("Layers") or [])))
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


def prune(chosen: list[ImageRow], *, dry_run: bool = False, backend: Any = None) -> PruneOutcome:
    """Remove ``chosen`` children first; an image still needed (child images, containers) is kept and says why."""
    out = PruneOutcome()
    backend = _backend(backend)
    for r in sorted(chosen, key=lambda r: ORDER.get(r.layer, 9)):
        if dry_run:
            out.removed.append(r.tag)
            out.freed += r.unique
            continue
        why = backend.remove_image(r.tag if not r.tag.startswith("<untagged>") else r.id)
        if why is None:
            out.removed.append(r.tag)
            out.freed += r.unique
        else:
            out.kept[r.tag] = why
    return out


def run_image_tags(run_json: dict) -> set[str]:
    """Image tags a run recorded in ``run.json`` (one per instance)."""
    return {v["tag"] for v in (run_json.get("images") or {}).values() if isinstance(v, dict) and v.get("tag")}


# -- disk forecast ----------------------------------------------------------------------------------------

class LayerNeed(BaseModel):
    """One missing layer and the figure it was sized with."""

    layer: str  # base | env | instance
    repo: str | None  # None for a base
    key: str  # python version | repo version | instance id
    bytes: int
    guess: bool
    source: str


def _kind(guessed: int, total: int) -> str:
    return "measured" if not guessed else "guess" if guessed == total else "partly guessed"


class RepoNeed(BaseModel):
    repo: str
    instances: int  # missing instance layers
    envs: int  # missing env layers
    bytes: int
    guessed_bytes: int

    @property
    def figures(self) -> str:
        return _kind(self.guessed_bytes, self.bytes)


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
    needs: list[LayerNeed] = Field(default_factory=list)

    @property
    def enough(self) -> bool | None:
        return None if self.free_bytes is None else self.free_bytes >= self.bytes_needed

    @property
    def guessed_bytes(self) -> int:
        return sum(n.bytes for n in self.needs if n.guess)

    @property
    def guessed_repos(self) -> list[str]:
        """Repositories at least one of whose missing layers is sized by a guess."""
        return sorted({n.repo for n in self.needs if n.guess and n.repo})

    @property
    def guessed_bases(self) -> list[str]:
        return sorted({n.key for n in self.needs if n.guess and n.layer == "base"})

    def by_repo(self) -> list[RepoNeed]:
        """Missing layers per repository, largest first."""
        out: dict[str, RepoNeed] = {}
        for n in self.needs:
            if n.repo is None:
                continue
            r = out.setdefault(n.repo, RepoNeed(repo=n.repo, instances=0, envs=0, bytes=0, guessed_bytes=0))
            r.instances += n.layer == "instance"
            r.envs += n.layer == "env"
            r.bytes += n.bytes
            r.guessed_bytes += n.bytes if n.guess else 0
        return sorted(out.values(), key=lambda r: (-r.bytes, r.repo))


def forecast(instances: Iterable[Instance], rows: list[ImageRow], sizes: SizeBook | None = None) -> Estimate:
    """The layers a run of ``instances`` still needs given the swerun images ``rows`` on the engine, each
    at its recorded size (``sizes``, default ``SizeBook.load(rows)``); no disk figures (see ``estimate``)."""
    sizes = sizes or SizeBook.load(rows)
    have_inst = {r.instance for r in rows if r.layer == "instance"}
    have_env = {(r.repo, r.version) for r in rows if r.layer == "env"}
    have_base = {r.python for r in rows if r.layer == "base"}
    missing, envs, bases, no_spec, needs, total = [], set(), set(), [], [], 0

    def need(layer: str, repo: str | None, key: str) -> None:
        f = sizes.figure(layer, repo, key)
        needs.append(LayerNeed(layer=layer, repo=repo, key=key, bytes=f.bytes, guess=f.guess, source=f.source))

    for inst in instances:
        total += 1
        try:
            py = base_for(spec_for(inst), inst).python  # bases are known by their Python
        except SpecError:
            no_spec.append(inst.instance_id)
            continue
        if inst.instance_id not in have_inst:
            missing.append(inst.instance_id)
            need("instance", inst.repo, inst.instance_id)
        if (inst.repo, inst.version) not in have_env | envs:
            envs.add((inst.repo, inst.version))
            need("env", inst.repo, inst.version)
        if py not in have_base | bases:
            bases.add(py)
            need("base", None, py)
    return Estimate(instances=total, present=total - len(missing) - len(no_spec), missing=missing,
                    missing_envs=sorted(f"{r}@{v}" for r, v in envs), missing_bases=sorted(bases), no_spec=no_spec,
                    bytes_needed=sum(n.bytes for n in needs), free_bytes=None, docker_root=None, needs=needs)


def estimate(instances: Iterable[Instance], rows: list[ImageRow] | None = None,
             sizes: SizeBook | None = None, backend: Any = None) -> Estimate:
    """Disk a run of ``instances`` still needs on this engine (``forecast``), and the disk free there."""
    backend = _backend(backend)
    rows = list_images(backend) if rows is None else rows
    est = forecast(instances, rows, sizes)
    root = backend.storage_root()
    try:
        free = shutil.disk_usage(root).free if root else None
    except OSError:  # a remote engine: its disk is not ours to measure
        free = None
    return est.model_copy(update={"free_bytes": free, "docker_root": root})


def estimate_lines(est: Estimate, *, table: bool = True) -> list[str]:
    """``swerun images estimate`` as text: the counts, the total (saying how much of it is guessed), a
    line per repository with missing layers, and which figures are guesses."""
    if est.docker_root is None:
        free = "free disk unknown"
    else:
        free = f"free on {est.docker_root}: " + ("unknown (remote engine)" if est.free_bytes is None
                                                 else human(est.free_bytes))
    lines = [(f"{est.present}/{est.instances} instance images present; to build: {len(est.missing)} instance, "
              f"{len(est.missing_envs)} env, {len(est.missing_bases)} base layers")]
    guessed = est.guessed_bytes
    if not guessed:
        lines.append(f"Disk needed: about {human(est.bytes_needed)}; {free}")
    else:
        lines.append(f"Disk needed: a guess of {human(est.bytes_needed)} (at least {human(est.bytes_needed - guessed)} "
                     f"measured, {human(guessed)} guessed high for layers never measured here); {free}")
    if est.enough is False:
        lines.append("NOT ENOUGH DISK" + (" by this guess" if guessed else "")
                     + ": prune images (swerun images prune) or free space first")
    repos = est.by_repo()
    if table and repos:
        width = max(10, *(len(r.repo) for r in repos))
        lines.append(f"  {'REPOSITORY':<{width}} {'INSTANCES':>9} {'ENVS':>5} {'DISK':>10}  FIGURES")
        lines += [f"  {r.repo:<{width}} {r.instances:>9} {r.envs:>5} {human(r.bytes):>10}  {r.figures}" for r in repos]
        base_needs = [n for n in est.needs if n.layer == "base"]
        if base_needs:
            b_total, b_guess = sum(n.bytes for n in base_needs), sum(n.bytes for n in base_needs if n.guess)
            label = f"({len(base_needs)} base layer{'s' if len(base_needs) > 1 else ''})"
            lines.append(f"  {label:<{width}} {'':>9} {'':>5} {human(b_total):>10}  {_kind(b_guess, b_total)}")
    guessed_env = sorted({n.repo for n in est.needs if n.guess and n.layer == "env" and n.repo})
    guessed_inst = sorted({n.repo for n in est.needs if n.guess and n.layer == "instance" and n.repo})
    if guessed_env or guessed_inst or est.guessed_bases:
        parts = [f"{what} of {', '.join(names)}" for what, names in
                 (("env layers", guessed_env), ("instance layers", guessed_inst),
                  ("bases", [f"py{p}" for p in est.guessed_bases])) if names]
        lines.append(f"Guessed, nothing measured here yet: {'; '.join(parts)}. A build or pull records the real size.")
    if est.no_spec:
        lines.append(f"{len(est.no_spec)} instances have no environment spec: {', '.join(est.no_spec[:5])}")
    return lines


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


