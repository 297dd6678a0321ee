"""Making sure an image exists: reuse it, pull it from a registry, or build it (once, under a lock).

Two workers (or two swerun processes) that need the same layer wait on one lock per tag; the second finds
the image built and reuses it. The lock is pluggable (``TagLock``): the default is a file lock, which is
enough on one machine; nodes that share a registry pass a lock they all share, and after taking it the
builder looks at the engine and the registry again, so a layer another node pushed meanwhile is pulled,
not built a second time. With ``push_to`` set, a layer is pushed while its lock is still held, so whoever
waits on it finds it in the registry.

Build output goes to a log file whose path is in the error when a build fails, so a failed build is an
infrastructure error with its evidence attached. After a build (or a pull) the layer's measured size is
recorded for disk forecasts (``image_sizes.record_layer_size``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from docker import DockerClient
from docker.errors import APIError, ImageNotFound, NotFound
from filelock import FileLock

from ..errors import ImageBuildError, InfraError
from ..images import IMAGE_PREFIX, BaseRecipe, Keyring, LayerRecipe
from ..repos import RepoStore
from ..resources import cache_dir
from .docker_engine import client

log = logging.getLogger(__name__)

CA_ENV_VARS = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
LAYER_LABEL = "swerun.layer"


def default_ca_bundle() -> str | None:
    """The CA bundle builds should trust: the first of the usual variables that names a file."""
    for var in CA_ENV_VARS:
        path = os.environ.get(var)
        if path and os.path.isfile(path):
            return path
    return None


@dataclass(frozen=True)
class ImageInfo:
    tag: str
    id: str
    digests: tuple[str, ...]  # RepoDigests: registry/repo@sha256:... for each registry it was pulled from/pushed to
    source: str  # "cache" | "built" | "pulled" | "debootstrap"
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PushRecord:
    """One layer and the registry: ``pushed`` False means the registry had the tag already (nothing sent)."""

    tag: str  # local tag
    remote: str  # registry/<tag>
    digest: str | None  # the registry's manifest digest (sha256:...)
    pushed: bool


class TagLock(Protocol):
    """Who may make an image tag: one holder per tag at a time.

    ``hold(tag)`` returns a context manager that blocks until the caller holds ``tag`` and releases it on
    exit. It need not be reentrant (the builder never takes one tag twice). The default, ``FileTagLock``,
    serialises processes of one machine; nodes that share a registry pass one lock they all see.
    """

    def hold(self, tag: str) -> AbstractContextManager[object]: ...


class FileTagLock:
    """A lock file per tag under ``root`` (default ``<cache>/locks``): one machine."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root

    def hold(self, tag: str) -> FileLock:
        root = self.root or cache_dir() / "locks"
        root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(root / (tag.replace("/", "_").replace(":", "_") + ".lock")))


def _engine_parent(engine: DockerClient, tag: str, by_layers: dict[tuple[str, ...], str]) -> str | None:
    """The tagged swerun image whose layers are the longest proper prefix of ``tag``'s layers."""
    try:
        layers = tuple((engine.api.inspect_image(tag).get("RootFS") or {}).get("Layers") or ())
    except (ImageNotFound, NotFound):
        return None
    for n in range(len(layers) - 1, 0, -1):
        if layers[:n] in by_layers:
            return by_layers[layers[:n]]
    return None


def _split(ref: str) -> tuple[str, str]:
    """``registry:port/repo/name:tag`` -> (``registry:port/repo/name``, ``tag``)."""
    repo, _, version = ref.rpartition(":")
    if not repo or "/" in version:
        raise ValueError(f"{ref!r} has no tag")
    return repo, version


class ImageBuilder:
    """Makes images exist on one Docker engine (``docker``, default: the process-wide client).

    ``registry``: pull a missing tag from ``registry/<tag>`` before building it. ``push_to``: push every
    layer this builder builds to ``push_to/<tag>`` (still under the tag's lock). ``lock``: the per-tag lock
    (default ``FileTagLock()``). ``record_sizes``: record the measured size of each layer built or pulled
    (for ``swerun images estimate``).
    """

    def __init__(self, store: RepoStore, log_dir: Path, *, ca_bundle: str | None = None,
                 registry: str | None = None, nocache: bool = False, lock: TagLock | None = None,
                 push_to: str | None = None, docker: DockerClient | None = None,
                 record_sizes: bool = True) -> None:
        self.store = store
        self.nocache = nocache  # ignore Docker's build cache (cold-build measurements)
        self.log_dir = log_dir
        self.ca_bundle = ca_bundle if ca_bundle is not None else default_ca_bundle()
        self.registry = registry or os.environ.get("SWERUN_REGISTRY") or None
        self.push_to = push_to or None
        self.lock: TagLock = lock or FileTagLock()
        self.record_sizes = record_sizes
        self._docker = docker
        self._parents: dict[str, str] = {}  # tag -> parent tag ("" for a base), for the layers asked for here

    @property
    def docker(self) -> DockerClient:
        return self._docker or client()

    def _log_path(self, tag: str) -> Path:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / (tag.replace("/", "__").replace(":", "__") + ".log")

    def _info(self, tag: str, source: str) -> ImageInfo:
        img = self.docker.images.get(tag)
        return ImageInfo(tag, img.id, tuple(img.attrs.get("RepoDigests") or ()), source, dict(img.labels or {}))

    def _local(self, tag: str) -> ImageInfo | None:
        try:
            return self._info(tag, "cache")
        except ImageNotFound:
            return None

    def _try_pull(self, tag: str) -> bool:
        """Pull ``registry/<tag>`` and tag it ``tag``. The registry name stays on the image too: it is what
        keeps the registry digest in ``RepoDigests`` (the engine drops the digest with its last name)."""
        if not self.registry:
            return False
        remote = f"{self.registry}/{tag}"
        try:
            img = self.docker.images.pull(remote)
        except (APIError, ImageNotFound) as exc:
            log.info("pull %s failed (%s)", remote, exc)
            return False
        img.tag(*_split(tag))
        return True

    def _pulled(self, tag: str, use_registry: bool) -> ImageInfo | None:
        return self._info(tag, "pulled") if use_registry and self._try_pull(tag) else None

    def _ensure(self, tag: str, make: Callable[[], None], made_as: str, *, registry: bool = True,
                parent: str | None = None, kind: str | None = None) -> ImageInfo:
        """Reuse ``tag``, else pull it from the registry, else ``make`` it: once, under the tag's lock.

        The engine and the registry are asked before the lock (the common case costs no wait) and again
        after it (another worker or node may have made the image meanwhile).
        """
        if parent or kind == "base":
            self._parents[tag] = parent or ""  # "": a root (a base)
        use_registry = registry and bool(self.registry)
        found = self._local(tag) or self._pulled(tag, use_registry)
        if found is None:
            with self.lock.hold(tag):
                found = self._local(tag) or self._pulled(tag, use_registry)
                if found is None:
                    make()
                    if self.push_to and registry:
                        try:
                            self._push(tag, self.push_to)
                        except InfraError as exc:  # the image is here; other nodes will build their own
                            log.warning("%s", exc)
                    found = self._info(tag, made_as)
        if found.source != "cache" and self.record_sizes:
            self._record_size(found, parent, kind)
        return found

    def ensure_official(self, name: str) -> ImageInfo:
        """An image of the official harness (``sweb.eval.x86_64.*``): used as found, else pulled."""

        def pull() -> None:
            try:
                self.docker.images.pull(name)
            except (APIError, ImageNotFound) as exc:
                raise ImageBuildError(f"cannot pull {name}: {exc}") from None

        return self._ensure(name, pull, "pulled", registry=False)

    def ensure_base(self, recipe: BaseRecipe) -> ImageInfo:
        return self._ensure(recipe.tag, lambda: build_base_debootstrap(recipe, self._log_path(recipe.tag), self.docker),
                            "debootstrap", kind="base")

    def ensure(self, recipe: LayerRecipe) -> ImageInfo:
        parent = recipe.parent if recipe.parent not in ("", "scratch") else None
        return self._ensure(recipe.tag, lambda: self._build(recipe), "built", parent=parent, kind=recipe.kind)

    # -- registry -------------------------------------------------------------------------------------

    def remote_digest(self, remote: str) -> str | None:
        """The manifest digest the registry holds for ``remote`` (``registry/repo:tag``), None when it has none."""
        try:
            return self.docker.api.inspect_distribution(remote)["Descriptor"]["digest"]
        except NotFound:
            return None
        except APIError as exc:  # unreachable, refused...: the push that follows says what is wrong
            log.info("cannot ask the registry about %s (%s)", remote, exc)
            return None

    def _push(self, tag: str, registry: str) -> PushRecord:
        remote = f"{registry}/{tag}"
        have = self.remote_digest(remote)
        if have:
            return PushRecord(tag, remote, have, pushed=False)
        repo, version = _split(remote)
        try:
            self.docker.images.get(tag).tag(repo, version)
            digest = None
            for line in self.docker.api.push(repo, tag=version, stream=True, decode=True):
                if "error" in line:
                    raise InfraError(f"pushing {remote} failed: {str(line['error']).strip()}")
                digest = (line.get("aux") or {}).get("Digest") or digest
        except APIError as exc:
            raise InfraError(f"pushing {remote} failed: {exc}") from None
        log.info("pushed %s (%s)", remote, digest)
        return PushRecord(tag, remote, digest, pushed=True)

    def push(self, tag: str, registry: str | None = None) -> PushRecord:
        """Push the local image ``tag`` as ``registry/<tag>`` (default registry: ``push_to``, else ``registry``),
        unless the registry has that tag already; under the tag's lock. Raises ``InfraError`` on failure."""
        registry = registry or self.push_to or self.registry
        if not registry:
            raise ValueError("push needs a registry (host:port)")
        with self.lock.hold(tag):
            return self._push(tag, registry)

    def push_layers(self, tag: str, registry: str | None = None) -> list[PushRecord]:
        """Push ``tag`` and the swerun layers under it (base, env, instance, ...), parents first; layers the
        registry has already are skipped."""
        return [self.push(t, registry) for t in self.layer_chain(tag)]

    def layer_chain(self, tag: str) -> list[str]:
        """``tag`` and its swerun parents, base first: from the recipes this builder was given, else from
        the engine (the swerun image whose layers are the longest prefix of the image's layers)."""
        chain, engine = [tag], None
        while True:
            if chain[0] in self._parents:
                parent = self._parents[chain[0]] or None
            else:
                engine = engine if engine is not None else self._engine_layers()
                parent = _engine_parent(self.docker, chain[0], engine)
            if parent is None or parent in chain:
                return chain
            chain.insert(0, parent)

    def _engine_layers(self) -> dict[tuple[str, ...], str]:
        out: dict[tuple[str, ...], str] = {}
        for summary in self.docker.api.images(filters={"label": LAYER_LABEL}):
            tags = [t for t in summary.get("RepoTags") or [] if t != "<none>:<none>"]
            if not tags:
                continue
            try:
                attrs = self.docker.api.inspect_image(summary["Id"])
            except (ImageNotFound, NotFound):
                continue
            own = [t for t in tags if t.startswith(IMAGE_PREFIX + "/")] or tags
            out[tuple((attrs.get("RootFS") or {}).get("Layers") or ())] = min(own)
        return out

    # -- sizes ----------------------------------------------------------------------------------------

    def layer_bytes(self, tag: str, parent: str | None) -> int:
        """Bytes the layer adds: its image's size minus its parent's (a base: its whole size)."""
        size = int(self.docker.api.inspect_image(tag).get("Size") or 0)
        if parent:
            try:
                size -= int(self.docker.api.inspect_image(parent).get("Size") or 0)
            except (ImageNotFound, NotFound):
                pass
        return max(0, size)

    def _record_size(self, info: ImageInfo, parent: str | None, kind: str | None) -> None:
        from ..image_sizes import record_layer_size

        kind = kind or info.labels.get(LAYER_LABEL)
        if kind not in ("base", "env", "instance"):
            return
        try:
            record_layer_size(kind, info.labels, self.layer_bytes(info.tag, parent), info.tag)
        except (OSError, ValueError, APIError) as exc:  # a forecast figure is never worth a failed build
            log.warning("could not record the size of %s: %s", info.tag, exc)

    def _context(self, recipe: LayerRecipe, into: Path) -> Path:
        ctx = into / "context.tar"
        with tarfile.open(ctx, "w") as tar:
            files = dict(recipe.files)
            files["build/ca.pem"] = Path(self.ca_bundle).read_text() if self.ca_bundle else ""
            for name, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
            for name, (path, _integrity) in recipe.blobs.items():
                tar.add(path, arcname=name)
            if recipe.testbed:
                repo, commit = recipe.testbed
                checkout = into / "testbed"
                self.store.checkout(repo, commit, checkout)
                tar.add(checkout, arcname="testbed")
        return ctx

    def _build(self, recipe: LayerRecipe) -> None:
        log_path = self._log_path(recipe.tag)
        log.info("building %s (log: %s)", recipe.tag, log_path)
        work = Path(tempfile.mkdtemp(prefix="swerun-ctx-"))
        try:
            ctx = self._context(recipe, work)
            with open(ctx, "rb") as fobj, open(log_path, "w", encoding="utf-8") as out:
                stream = self.docker.api.build(fileobj=fobj, custom_context=True, tag=recipe.tag, rm=True,
                                            forcerm=True, decode=True, labels=recipe.labels, pull=False,
                                            nocache=self.nocache, network_mode=recipe.build_network)
                for chunk in stream:
                    if "stream" in chunk:
                        out.write(chunk["stream"])
                    if "error" in chunk:
                        out.write(chunk["error"] + "\n")
                        out.flush()
                        tail = "".join(log_path.read_text(errors="replace").splitlines(True)[-15:])
                        raise ImageBuildError(f"building {recipe.tag} failed: {chunk['error'].strip()}\n{tail}",
                                              str(log_path))
        except APIError as exc:
            raise ImageBuildError(f"building {recipe.tag} failed: {exc}", str(log_path)) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)


def fetch_keyring(keyring: Keyring, log_path: Path) -> Path:
    """The keyring file of a pinned package, downloaded once into the cache and checked by sha256."""
    dest = cache_dir() / "keyrings" / f"{keyring.sha256[:16]}-{Path(keyring.member).name}"
    if dest.is_file():
        return dest
    if shutil.which("dpkg-deb") is None:
        raise ImageBuildError(f"cannot unpack the keyring {keyring.url}: dpkg-deb is not installed", str(log_path))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        deb = Path(tmp) / "keyring.deb"
        try:
            with urllib.request.urlopen(keyring.url, timeout=60) as resp:  # http(s) from a data file
                deb.write_bytes(resp.read())
        except OSError as exc:
            raise ImageBuildError(f"cannot download the keyring {keyring.url}: {exc}", str(log_path)) from None
        digest = hashlib.sha256(deb.read_bytes()).hexdigest()
        if digest != keyring.sha256:
            raise ImageBuildError(f"keyring {keyring.url} has sha256 {digest}, expected {keyring.sha256}",
                                  str(log_path))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True, capture_output=True)
        member = Path(tmp) / "x" / keyring.member
        if not member.is_file():
            raise ImageBuildError(f"{keyring.url} holds no {keyring.member}", str(log_path))
        os.replace(member, dest)
    return dest


def _sources_list(recipe: BaseRecipe) -> str:
    components = " ".join(recipe.components or ("main",))
    suites = [recipe.suite, *(f"{recipe.suite}-{p}" for p in recipe.pockets)]
    return "".join(f"deb {recipe.mirror} {suite} {components}\n" for suite in suites)


def _add_pockets(recipe: BaseRecipe, rootfs: Path, out: IO[str]) -> None:
    """Point apt at the release's update pockets and upgrade to them.

    debootstrap installs from the release pocket only; for an old Ubuntu that is the Python of release day
    (bionic shipped a 3.7 beta), while the updates pocket holds the maintained one.
    """
    (rootfs / "etc/apt/sources.list").write_text(_sources_list(recipe), encoding="utf-8")
    resolv = rootfs / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)  # may be a dangling symlink into /run
    shutil.copy("/etc/resolv.conf", resolv)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LANG": "C"}
    # no /proc is mounted in the chroot: a mount left behind by a crash would sit under a folder that is
    # later deleted recursively; apt and dpkg manage without it
    try:
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "dist-upgrade", "-y", "-qq"],
                     ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *recipe.packages],
                     ["apt-get", "clean"]):
            full = ["chroot", str(rootfs), *argv]
            out.write("$ " + " ".join(full) + "\n")
            out.flush()
            subprocess.run(full, stdout=out, stderr=subprocess.STDOUT, env=env, check=True)
    finally:
        resolv.unlink(missing_ok=True)


def build_base_debootstrap(recipe: BaseRecipe, log_path: Path, engine: DockerClient | None = None) -> None:
    """Build a base image from distribution packages: debootstrap a root file system, then import it."""
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(f"cannot build {recipe.tag}: debootstrap is not installed (apt-get install "
                              "debootstrap), and no registry (--registry / SWERUN_REGISTRY) has the image")
    root_parent = cache_dir() / "rootfs"
    root_parent.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{recipe.suite}-", dir=root_parent))
    rootfs, tarball = work / "root", work / "root.tar"
    log.info("debootstrapping %s for %s (log: %s)", recipe.suite, recipe.tag, log_path)
    try:
        with open(log_path, "w", encoding="utf-8") as out:
            argv = ["debootstrap", "--variant=minbase", f"--include={','.join(recipe.packages)}"]
            if recipe.components:
                argv.append(f"--components={','.join(recipe.components)}")
            if recipe.keyring:
                argv.append(f"--keyring={fetch_keyring(recipe.keyring, log_path)}")
            argv += [recipe.suite, str(rootfs), recipe.mirror]
            if recipe.script:
                argv.append(str(Path("/usr/share/debootstrap/scripts") / recipe.script))
            out.write("$ " + " ".join(argv) + "\n")
            out.flush()
            proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
            if proc.returncode != 0:
                raise ImageBuildError(f"debootstrap of {recipe.suite} failed (exit {proc.returncode})", str(log_path))
            if recipe.pockets:
                _add_pockets(recipe, rootfs, out)
            for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for p in (rootfs / junk).glob("*"):
                    if p.is_file():
                        p.unlink()
            subprocess.run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(tarball), "."],
                           stdout=out, stderr=subprocess.STDOUT, check=True)
        repo, _, version = recipe.tag.rpartition(":")
        changes = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "ENV LANG=C.UTF-8", 'CMD ["bash"]',
                   (f"LABEL swerun.layer=base swerun.suite={recipe.suite} swerun.python={recipe.python} "
                    f"swerun.recipe={json.dumps(','.join(recipe.packages))}")]
        (engine or client()).api.import_image_from_file(str(tarball), repository=repo, tag=version, changes=changes)
    except (APIError, subprocess.CalledProcessError) as exc:
        raise ImageBuildError(f"building {recipe.tag} failed: {exc}", str(log_path)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
