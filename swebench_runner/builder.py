"""Making sure an image exists: reuse it, pull it from a registry, or build it (once, under a lock).

Two workers (or two swerun processes) that need the same layer wait on one file lock per tag; the
second finds the image built and reuses it. Build output goes to a log file whose path is in the error
when a build fails, so a failed build is an infrastructure error with its evidence attached.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from docker.errors import APIError, ImageNotFound
from filelock import FileLock

from .errors import ImageBuildError
from .images import BaseRecipe, Keyring, LayerRecipe
from .repos import RepoStore
from .resources import cache_dir
from .sandbox.docker import client

log = logging.getLogger(__name__)

CA_ENV_VARS = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")


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
    digests: tuple[str, ...]
    source: str  # "cache" | "built" | "pulled" | "debootstrap"
    labels: dict[str, str] = field(default_factory=dict)


def _info(tag: str, source: str) -> ImageInfo:
    img = client().images.get(tag)
    return ImageInfo(tag, img.id, tuple(img.attrs.get("RepoDigests") or ()), source, dict(img.labels or {}))


def _lock(tag: str) -> FileLock:
    locks = cache_dir() / "locks"
    locks.mkdir(exist_ok=True)
    return FileLock(str(locks / (tag.replace("/", "_").replace(":", "_") + ".lock")))


class ImageBuilder:
    def __init__(self, store: RepoStore, log_dir: Path, *, ca_bundle: str | None = None,
                 registry: str | None = None, nocache: bool = False) -> None:
        self.store = store
        self.nocache = nocache  # ignore Docker's build cache (cold-build measurements)
        self.log_dir = log_dir
        self.ca_bundle = ca_bundle if ca_bundle is not None else default_ca_bundle()
        self.registry = registry or os.environ.get("SWERUN_REGISTRY") or None

    def _log_path(self, tag: str) -> Path:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / (tag.replace("/", "__").replace(":", "__") + ".log")

    def _try_pull(self, tag: str) -> bool:
        if not self.registry:
            return False
        remote = f"{self.registry}/{tag}"
        try:
            img = client().images.pull(remote)
        except (APIError, ImageNotFound) as exc:
            log.info("pull %s failed (%s); building instead", remote, exc)
            return False
        repo, _, version = tag.rpartition(":")
        img.tag(repo, version)
        return True

    def _ensure(self, tag: str, make: Callable[[], None], made_as: str, *, registry: bool = True) -> ImageInfo:
        """Reuse ``tag``, else pull it from the registry, else ``make`` it: once, under the tag's lock."""
        with _lock(tag):
            try:
                return _info(tag, "cache")
            except ImageNotFound:
                pass
            if registry and self._try_pull(tag):
                return _info(tag, "pulled")
            make()
            return _info(tag, made_as)

    def ensure_official(self, name: str) -> ImageInfo:
        """An image of the official harness (``sweb.eval.x86_64.*``): used as found, else pulled."""

        def pull() -> None:
            try:
                client().images.pull(name)
            except (APIError, ImageNotFound) as exc:
                raise ImageBuildError(f"cannot pull {name}: {exc}") from None

        return self._ensure(name, pull, "pulled", registry=False)

    def ensure_base(self, recipe: BaseRecipe) -> ImageInfo:
        return self._ensure(recipe.tag, lambda: build_base_debootstrap(recipe, self._log_path(recipe.tag)),
                            "debootstrap")

    def ensure(self, recipe: LayerRecipe) -> ImageInfo:
        return self._ensure(recipe.tag, lambda: self._build(recipe), "built")

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
                stream = client().api.build(fileobj=fobj, custom_context=True, tag=recipe.tag, rm=True,
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
            with urllib.request.urlopen(keyring.url, timeout=60) as resp:  # noqa: S310 (http(s) from a data file)
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


def build_base_debootstrap(recipe: BaseRecipe, log_path: Path) -> None:
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
                   f"LABEL swerun.layer=base swerun.suite={recipe.suite} swerun.python={recipe.python} "
                   f"swerun.recipe={json.dumps(','.join(recipe.packages))}"]
        client().api.import_image_from_file(str(tarball), repository=repo, tag=version, changes=changes)
    except (APIError, subprocess.CalledProcessError) as exc:
        raise ImageBuildError(f"building {recipe.tag} failed: {exc}", str(log_path)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
