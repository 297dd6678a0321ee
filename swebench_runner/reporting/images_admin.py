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
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from docker.errors import APIError, ImageNotFound, NotFound
from filelock import FileLock
from pydantic import BaseModel, Field

from ..errors import InputError, SpecError
from ..resources import cache_dir, harness_dir
from ..sandbox.docker import client
from ..spec import spec_for
from ..types import Instance

log = logging.getLogger(__name__)

LABEL = "swerun.layer"
ORDER = {"agent": 0, "instance": 1, "env": 2, "base": 3}  # children before parents when removing
SIZES_FILE = "image_sizes.json"
ANY = "*"  # the key of a repository's (or the bases') figure for a version/instance with none of its own


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


# -- recorded layer sizes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """Bytes one layer takes, and whether that is a measurement (here or bundled) or a guess."""

    bytes: int
    guess: bool
    source: str  # "engine" | "recorded" (this machine's builds) | "bundled" | "default"
    note: str = ""


def bundled_sizes_path() -> Path:
    return harness_dir() / "data" / SIZES_FILE


def user_sizes_path() -> Path:
    """This machine's measured layer sizes (written by builds and pulls; read before the bundled data)."""
    return cache_dir() / SIZES_FILE


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable layer sizes %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _figures(table: Any, source: str, *, measured: bool = False) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for key, entry in (table or {}).items() if isinstance(table, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("bytes"), int) and entry["bytes"] >= 0:
            guess = False if measured else bool(entry.get("guess", True))
            out[str(key)] = Figure(entry["bytes"], guess, source, str(entry.get("note") or entry.get("tag") or ""))
    return out


class SizeBook:
    """Layer sizes by (layer, repository) then key: a version (env), an instance id (instance), a Python
    version (base), or ``*`` for the rest. Later sources win per key: bundled < recorded < engine."""

    def __init__(self, bundled: Mapping[str, Any], recorded: Mapping[str, Any] | None = None,
                 rows: Iterable[ImageRow] = ()) -> None:
        self.entries: dict[tuple[str, str | None], dict[str, Figure]] = {}
        defaults = bundled.get("default") or {}
        self.defaults = {layer: _figures({ANY: defaults.get(layer)}, "default").get(ANY)
                         for layer in ("base", "env", "instance")}
        for data, source in ((bundled, "bundled"), (recorded or {}, "recorded")):
            measured = source == "recorded"
            self._add("base", None, _figures(data.get("base"), source, measured=measured))
            for repo, layers in (data.get("repos") or {}).items():
                for layer in ("env", "instance"):
                    self._add(layer, repo, _figures((layers or {}).get(layer), source, measured=measured))
        for r in rows:  # what is on the engine is a measurement too
            key = {"base": r.python, "env": r.version, "instance": r.instance}.get(r.layer)
            if key and r.unique > 0:
                repo = None if r.layer == "base" else r.repo
                self._add(r.layer, repo, {key: Figure(r.unique, False, "engine", r.tag)})

    @classmethod
    def load(cls, rows: Iterable[ImageRow] = ()) -> SizeBook:
        """The bundled figures under this machine's recorded ones (and ``rows``, images on the engine)."""
        return cls(_read_json(bundled_sizes_path()), _read_json(user_sizes_path()), rows)

    def _add(self, layer: str, repo: str | None, figures: dict[str, Figure]) -> None:
        if figures:
            self.entries.setdefault((layer, repo), {}).update(figures)

    def figure(self, layer: str, repo: str | None, key: str) -> Figure:
        """The size of layer ``key`` of ``repo`` (``repo`` None for bases).

        Its own measurement when there is one. Otherwise the repository's ``*`` figure, raised to the
        largest measured sibling (another version, another base); for an instance layer a measured sibling
        counts as a measurement, since instances of one repository differ by their checkout only. Failing
        all that, the default figure, which is a guess.
        """
        entries = self.entries.get((layer, None if layer == "base" else repo), {})
        own = entries.get(key)
        if own is not None and not own.guess:
            return own
        siblings = [f for k, f in entries.items() if k not in (key, ANY) and not f.guess]
        fallback = own or entries.get(ANY) or self.defaults.get(layer) or Figure(
            {"base": 1 << 30, "env": 3 << 30, "instance": 1 << 30}[layer], True, "default", "no data at all")
        if layer == "instance" and siblings:
            return max(siblings, key=lambda f: f.bytes)
        best = max([fallback, *siblings], key=lambda f: f.bytes)
        if best is not fallback:  # another version's measurement, used for this one: a guess
            return Figure(best.bytes, True, best.source, f"measured for a sibling layer ({best.note})")
        return fallback


def record_layer_size(layer: str, labels: Mapping[str, str], size: int, tag: str,
                      path: Path | None = None) -> None:
    """Record the measured ``size`` of a layer (from its swerun labels) in this machine's sizes file.

    Read-modify-write under a file lock, replaced atomically: builds of many workers may finish at once.
    """
    repo, python = labels.get("swerun.repo"), labels.get("swerun.python")
    if layer == "base":
        where, key = ("base",), python
    elif layer == "env":
        where, key = ("repos", repo, "env"), labels.get("swerun.version")
    elif layer == "instance":
        where, key = ("repos", repo, "instance"), labels.get("swerun.instance")
    else:
        raise ValueError(f"no size records for {layer!r} layers")
    if not key or None in where:
        raise ValueError(f"{tag} lacks the labels that say which {layer} layer it is")
    path = path or user_sizes_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        data = _read_json(path)
        table = data
        for part in where:
            table = table.setdefault(part, {})
        table[key] = {"bytes": int(size), "tag": tag,
                      "measured": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".image_sizes.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(tmp, path)


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
            py = spec_for(inst).python
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
             sizes: SizeBook | None = None) -> Estimate:
    """Disk a run of ``instances`` still needs on this engine (``forecast``), and the disk free there."""
    rows = list_images() if rows is None else rows
    est = forecast(instances, rows, sizes)
    root = client().info().get("DockerRootDir")
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


class BuildOutcome(BaseModel):
    sources: dict[str, str] = Field(default_factory=dict)  # instance -> cache | built | pulled | ...
    failed: dict[str, str] = Field(default_factory=dict)  # instance -> the error
    pushed: dict[str, str] = Field(default_factory=dict)  # layer tag -> "pushed" | "present" (the registry had it)
    digests: dict[str, str] = Field(default_factory=dict)  # layer tag -> the registry's manifest digest


def push_built(builder: Any, tags: Iterable[str], registry: str, outcome: BuildOutcome | None = None,
               guard: threading.Lock | None = None) -> BuildOutcome:
    """Push ``tags`` and every swerun layer under them (base, env, instance) to ``registry`` as
    ``registry/<tag>``, each layer once (``guard``: a lock shared by threads filling one ``outcome``),
    skipping layers the registry has. ``builder``: an ``ImageBuilder``. Raises ``InfraError`` on the first
    layer that cannot be pushed."""
    out = outcome or BuildOutcome()
    guard = guard or threading.Lock()
    for tag in tags:
        for layer in builder.layer_chain(tag):
            with guard:
                if layer in out.pushed:
                    continue
                out.pushed[layer] = "pushing"
            try:
                rec = builder.push(layer, registry)
            except BaseException:
                with guard:
                    out.pushed.pop(layer, None)
                raise
            with guard:
                out.pushed[layer] = "pushed" if rec.pushed else "present"
                if rec.digest:
                    out.digests[layer] = rec.digest
    return out


def build_ahead(instances: list[Instance], *, max_workers: int = 1, repo_url: str | None = None,
                registry: str | None = None, ca_bundle: str | None = None, push: str | None = None,
                lock: Any = None, backend: str = "docker", ray_address: str | None = None,
                on_done: Callable[[str, str | None, str | None], None] | None = None) -> BuildOutcome:
    """Make sure every instance image exists before a run; layers shared by instances are built once.

    ``push``: a registry (host:port) to push every layer of every ready instance to, skipping layers it
    has; it is also where missing layers are pulled from when ``registry`` is not given. Each layer this
    builds is pushed while its lock is held, so other nodes waiting on it (``lock``: a shared
    ``builder.TagLock``; default one file lock per tag on this machine, a cluster-wide one on Ray) pull it
    instead of building it. Work goes through the run scheduler: a thread pool here, or one Ray task per
    instance across a cluster (``backend="ray"``), each node building what lands on it.

    Failures are collected, not raised: one broken environment must not stop the images of the others
    (an instance whose layers cannot be pushed counts as failed). Build logs go to ``<cache>/build_logs``.
    """
    from ..backends import make_backend
    from ..scheduler import make_scheduler
    from ..settings import RunSettings

    cfg = RunSettings(run_id="prebuild", max_workers=max_workers, repo_url=repo_url, registry=registry or push,
                      ca_bundle=ca_bundle, backend=backend, ray_address=ray_address, progress=False)
    out = BuildOutcome()
    where = make_backend(backend)
    scheduler = make_scheduler(where, cfg)
    work = BuildWork(cfg, push, lock if backend != "ray" else None)

    def record(inst: Instance, got: BuildOutcome) -> None:
        for key in ("sources", "failed", "pushed", "digests"):
            getattr(out, key).update(getattr(got, key))
        if on_done:
            iid = inst.instance_id
            on_done(iid, got.sources.get(iid), got.failed.get(iid))

    def lost(inst: Instance, exc: Exception) -> None:
        record(inst, BuildOutcome(failed={inst.instance_id: f"lost with its node: {exc}"}))

    try:
        scheduler.map(work, instances, record, lost)
    finally:
        scheduler.close()
    return out


class BuildWork:
    """One instance's image (and its push); picklable, so a Ray worker builds on its own node."""

    def __init__(self, cfg: Any, push: str | None, lock: Any = None) -> None:
        self.cfg, self.push, self.lock = cfg, push, lock
        self._ctx: Any = None
        self._guard = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"cfg": self.cfg, "push": self.push}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["cfg"], state["push"])  # type: ignore[misc]

    def context(self) -> Any:
        from ..artifacts import RunDir
        from ..backends import make_backend
        from ..builder import ImageBuilder
        from ..evaluation.evaluate import EvalSettings
        from ..repos import RepoStore

        with self._guard:
            if self._ctx is None:
                cfg = self.cfg
                backend = make_backend(cfg.backend)
                if self.lock is not None or cfg.backend != "ray":
                    builder = ImageBuilder(RepoStore(cfg.repo_url), cache_dir() / "build_logs",
                                           ca_bundle=cfg.ca_bundle, registry=cfg.registry, push_to=self.push,
                                           lock=self.lock)
                else:  # the cluster's lock per tag, pushing as it builds
                    builder = backend.images(repo_url=cfg.repo_url, log_dir=cache_dir() / "build_logs",
                                             ca_bundle=cfg.ca_bundle, registry=cfg.registry)
                self._ctx = EvalSettings(run=RunDir(cache_dir(), cfg.run_id), builder=builder, backend=backend)
            return self._ctx

    def __call__(self, inst: Instance) -> BuildOutcome:
        from ..errors import SwerunError
        from ..evaluation.evaluate import prepare_image

        out = BuildOutcome()
        try:
            settings = self.context()
            info = prepare_image(settings, inst, spec_for(inst))
            if self.push:
                push_built(settings.builder, [info.tag], self.push, out)
            out.sources[inst.instance_id] = info.source
        except SwerunError as exc:
            out.failed[inst.instance_id] = str(exc).splitlines()[0]
            log.error("%s: %s", inst.instance_id, exc)
        return out
