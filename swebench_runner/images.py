"""Image recipes: base -> environment (repository + version) -> instance (repository at base commit).

A recipe is everything that defines a layer: its parent's tag and the exact files of its build
context. The tag is a hash of those, so editing a spec makes a new image and an unchanged spec reuses
the old one, on any machine. The build CA bundle is transport, not environment: it is added to the
context but left out of the hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from pathlib import PurePosixPath
from typing import Protocol

import yaml

from . import toolchains
from .errors import SpecError
from .repos import FIXED_IDENTITY, RepoStore
from .resources import harness_dir
from .spec import VersionSpec, spec_file
from .types import Instance

log = logging.getLogger(__name__)

HASH_LEN = 12
IMAGE_PREFIX = "swerun"
VENV = "/opt/venv"


def content_hash(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:HASH_LEN]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-.") or "x"


@dataclass(frozen=True)
class Keyring:
    """An archive keyring debootstrap verifies against, taken from a pinned ``.deb``.

    Debian hosts carry Debian's keyring but not Ubuntu's; the package holding it is fetched from the
    archive itself and trusted only if its sha256 matches the one committed in the base file.
    """

    url: str
    sha256: str
    member: str  # path of the keyring inside the package


@dataclass(frozen=True)
class BaseRecipe:
    suite: str
    python: str
    packages: tuple[str, ...]
    mirror: str
    distro: str = "debian"
    components: tuple[str, ...] = ()  # empty: debootstrap's default (main)
    pockets: tuple[str, ...] = ()  # e.g. updates, security: added after debootstrap, then upgraded to
    keyring: Keyring | None = None  # empty: the host's keyring for the distribution
    script: str | None = None  # debootstrap script for a suite newer than the host's debootstrap knows

    @property
    def tag(self) -> str:
        # fields at their defaults stay out of the hash, so the tags of Debian bases did not change when
        # Ubuntu bases (which set them) arrived
        ident = {f.name: getattr(self, f.name) for f in fields(self)
                 if f.default is MISSING or getattr(self, f.name) != f.default}
        return f"{IMAGE_PREFIX}/base:{self.suite}-py{self.python}-{content_hash('base', ident)}"


@dataclass(frozen=True)
class LayerRecipe:
    """An env or instance layer: a Dockerfile build on top of ``parent``."""

    kind: str
    tag: str
    parent: str
    files: dict[str, str]  # build-context path -> text (Dockerfile, build/setup.sh, ...)
    labels: dict[str, str]
    testbed: tuple[str, str] | None = field(default=None)  # (repo, commit) checked out into testbed/
    # Binary build-context files: context path -> (host file, integrity). The integrity is what the tag
    # hashes (agent layers carry npm tarballs this way).
    blobs: dict[str, tuple[str, str]] = field(default_factory=dict)
    build_network: str | None = None  # "none": the build needs no downloads, so it gets no network
    # The repository store the recipe read from; not part of the recipe's identity.
    store: RepoStore | None = field(default=None, compare=False, repr=False)


DEFAULT_MIRRORS = {"debian": "http://deb.debian.org/debian", "ubuntu": "http://archive.ubuntu.com/ubuntu"}


@cache
def base_recipes() -> dict[str, BaseRecipe]:
    """Python version -> base recipe, from ``harness/base/*.yaml``.

    ``SWERUN_DEBIAN_MIRROR`` / ``SWERUN_UBUNTU_MIRROR`` point debootstrap at another archive.
    """
    import os

    out: dict[str, BaseRecipe] = {}
    for path in sorted((harness_dir() / "base").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            distro = data.get("distro", "debian")
            mirror = os.environ.get(f"SWERUN_{distro.upper()}_MIRROR", DEFAULT_MIRRORS[distro])
            keyring = Keyring(**data["keyring"]) if data.get("keyring") else None
            recipe = BaseRecipe(data["suite"], str(data["python"]), tuple(data["packages"]), mirror, distro,
                                tuple(data.get("components", ())), tuple(data.get("pockets", ())), keyring,
                                data.get("script"))
        except (KeyError, TypeError) as exc:
            raise SpecError(f"bad base recipe: {exc!r}", source=str(path)) from None
        if recipe.python in out:
            raise SpecError(f"Python {recipe.python} is already provided by {out[recipe.python].suite}",
                            source=str(path), field="python")
        out[recipe.python] = recipe
    return out


def base_for(spec: VersionSpec, instance: Instance | None = None) -> BaseRecipe:
    """The base image that provides ``spec.python``; never a different Python.

    A test suite run on another interpreter than its environment names can pass or fail for reasons
    that have nothing to do with the patch (pytest-dev__pytest-7432 crashes on 3.11, passes on 3.9),
    so an instance whose Python no base recipe provides is refused with a ``SpecError``.
    """
    recipes = base_recipes()
    if spec.base is not None:  # by suite: the environment brings its own toolchain, any Python will do
        by_suite = {r.suite: r for r in recipes.values()}
        if spec.base not in by_suite:
            raise SpecError(f"no base image of suite {spec.base!r} (available: {', '.join(sorted(by_suite))})",
                            source=instance and str(spec_file(instance.repo)),
                            instance_id=instance and instance.instance_id, field="base")
        return by_suite[spec.base]
    if spec.python not in recipes:
        who = f"{instance.repo} version {instance.version}" if instance else "this spec"
        available = ", ".join(f"{py} ({r.suite})" for py, r in sorted(recipes.items(), key=lambda kv: _py_key(kv[0])))
        raise SpecError(f"{who} needs Python {spec.python}, which no base image here provides "
                        f"(available: {available}; add harness/base/<suite>.yaml for it). swerun does not "
                        "substitute another Python", source=instance and str(spec_file(instance.repo)),
                        instance_id=instance and instance.instance_id, field="python")
    return recipes[spec.python]


def _py_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


@cache
def _template(name: str) -> str:
    return (harness_dir() / "dockerfiles" / name).read_text(encoding="utf-8")


def _script(lines: list[str]) -> str:
    return "\n".join(["#!/bin/bash", "set -euxo pipefail", ". /swerun-build/ca.sh", *lines, ""])


def _exports(spec: VersionSpec) -> list[str]:
    return [f"export {k}={shlex.quote(v)}" for k, v in sorted(spec.env.items())]


class FileReader(Protocol):
    """What requirement expansion needs from a repository store (``RepoStore`` has it)."""

    def read_file(self, repo: str, commit: str, path: str) -> str | None: ...


def _requirement_name(line: str) -> str | None:
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    return re.sub(r"[-_.]+", "-", m[1]).lower() if m else None


def _is_local_install(line: str) -> bool:
    """``-e .``, ``.[test]``, ``./sub``: the repository itself, which the instance layer installs."""
    target = re.sub(r"^(-e|--editable)\s*", "", line)
    return target.startswith(".") or (target != line and not re.match(r"^[a-z+]+://|^git\+", target))


def expand_requirements(store: FileReader, instance: Instance, path: str, seen: set[str] | None = None) -> list[str]:
    """A requirements file at the env commit with nested ``-r`` includes expanded, local installs dropped.

    The file is read at ``environment_setup_commit`` (not the base commit) so every instance of one
    environment gets the same list. ``-e .`` and friends are dropped because the instance layer installs
    the repository itself; ``-c`` constraint files are dropped with a warning (they only narrow choices
    and their relative path would not resolve inside the build).
    """
    seen = seen if seen is not None else set()
    if path in seen:
        return []
    seen.add(path)
    text = store.read_file(instance.repo, instance.env_commit, path)
    if text is None:
        raise SpecError(f"requirements file {path!r} not found at {instance.env_commit[:12]}",
                        instance_id=instance.instance_id, field="requirements_files")
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r", "--requirement")):
            inc = re.sub(r"^(-r|--requirement)[\s=]*", "", line)
            out += expand_requirements(store, instance, str(PurePosixPath(path).parent / inc), seen)
        elif line.startswith(("-c", "--constraint")):
            log.warning("%s: %s: dropping constraint line %r", instance.instance_id, path, line)
        elif not _is_local_install(line):
            out.append(line)
    return out


def clean_requirements(lines: list[str], replace: Mapping[str, str]) -> list[str]:
    """Apply the spec's ``requirements_replace`` (normalized names; '' drops the requirement)."""
    table = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in replace.items()}
    out = []
    for line in lines:
        name = _requirement_name(line)
        if name in table:
            if table[name]:
                out.append(table[name])
        else:
            out.append(line)
    return out


def requirements_for(instance: Instance, spec: VersionSpec, store: FileReader) -> list[str]:
    """Every requirement line the env layer installs from the repository's own files."""
    paths = list(spec.requirements_files)
    if spec.requirements_search:
        found = next((p for p in spec.requirements_search
                      if store.read_file(instance.repo, instance.env_commit, p) is not None), None)
        if found is None:
            raise SpecError(f"none of {', '.join(spec.requirements_search)} exists at "
                            f"{instance.env_commit[:12]}", source=str(spec_file(instance.repo)),
                            instance_id=instance.instance_id, field="requirements_search")
        paths.append(found)
    seen: set[str] = set()
    lines = [r for p in paths for r in expand_requirements(store, instance, p, seen)]
    return clean_requirements(lines, spec.requirements_replace)


CONDA_DEP_RE = re.compile(r"^(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$")


def conda_to_pip(dep: str) -> str | None:
    """A conda match spec as a pip requirement; None for what pip cannot or need not install.

    conda's ``=1.20`` and ``1.20`` (after a space) are fuzzy (1.20.*) where pip's ``==`` is exact; a
    build string after a second ``=`` or space has no pip meaning and is dropped.
    """
    m = CONDA_DEP_RE.match(dep.strip())
    if not m or m[1] in ("python", "pip"):
        return None
    name, rest = m[1], m[2].strip()
    if not rest:
        return name
    if "|" in rest:
        log.warning("conda dependency %r: alternatives have no pip form; taking it unconstrained", dep)
        return name
    if rest[0] == "=" and not rest.startswith("=="):
        rest = rest[1:]
    if rest[0].isdigit():  # fuzzy version, maybe followed by a build string
        version = re.split(r"[=\s]", rest)[0]
        return f"{name}=={version if version.endswith('*') else version + '.*'}"
    return name + rest.replace(" ", "")


def conda_environment_requirements(instance: Instance, spec: VersionSpec, store: FileReader) -> list[str]:
    """The dependencies of the spec's conda environment files (at the env commit) as pip requirement lines."""
    out: list[str] = []
    for path in spec.conda_environment_files:
        text = store.read_file(instance.repo, instance.env_commit, path)
        where = dict(source=str(spec_file(instance.repo)), instance_id=instance.instance_id,
                     field="conda_environment_files")
        if text is None:
            raise SpecError(f"conda environment file {path!r} not found at {instance.env_commit[:12]}", **where)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"{path} at {instance.env_commit[:12]} is not valid YAML: {exc}", **where) from None
        deps = data.get("dependencies") if isinstance(data, dict) else None
        if not isinstance(deps, list):
            raise SpecError(f"{path} at {instance.env_commit[:12]} has no dependencies list", **where)
        for dep in deps:
            if isinstance(dep, dict):  # the `- pip:` section is pip requirements already
                out += [str(line) for line in dep.get("pip") or [] if not _is_local_install(str(line))]
            elif (line := conda_to_pip(str(dep))) is not None:
                out.append(line)
    return clean_requirements(out, spec.requirements_replace)


def _constraints(pins: list[str]) -> str:
    """Pins as a pip constraints file (which refuses extras)."""
    return "".join(re.sub(r"\[[^\]]*\]", "", pin) + "\n" for pin in pins)


def _pip(packages: list[str]) -> str:
    return "python -m pip install -q " + shlex.join(packages)


def env_recipe(instance: Instance, spec: VersionSpec, store: RepoStore) -> LayerRecipe:
    """The environment layer of (repo, version): system packages, a venv, pinned and repo requirements."""
    base = base_for(spec, instance)
    lines = _exports(spec)
    apt = [*spec.system_packages, *(p for p in toolchains.packages(spec.toolchains) if p not in spec.system_packages)]
    if apt:
        lines += ["apt-get update -qq",
                  "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends " + shlex.join(apt),
                  "rm -rf /var/lib/apt/lists/*"]
    lines += toolchains.install_lines(spec.toolchains)
    lines += spec.env_setup
    if spec.python is not None:
        lines.append(f"python{spec.python} -m venv {VENV}")
    if spec.bootstrap_packages:
        lines.append(_pip(spec.bootstrap_packages))
    if spec.uploaded_before_utc:
        lines.append(f"export PIP_UPLOADED_PRIOR_TO={shlex.quote(spec.uploaded_before_utc)}")
    image_env = toolchains.image_env(spec.toolchains)
    envs = "".join(f"ENV {k}={json.dumps(v)}\n" for k, v in sorted(image_env.items()))
    files = {"Dockerfile": _template("env.Dockerfile").replace("@PARENT@", base.tag).replace("@ENV@\n", envs),
             "build/ca.sh": _template("ca.sh")}
    reqs = requirements_for(instance, spec, store)
    if reqs:
        files["build/requirements.txt"] = "\n".join(reqs) + "\n"
        lines.append("python -m pip install -q -r /swerun-build/requirements.txt")
    conda_reqs = conda_environment_requirements(instance, spec, store)
    if conda_reqs:  # resolved together with the pins, so that what they pull in agrees with them
        files["build/environment.txt"] = "\n".join(conda_reqs) + "\n"
        files["build/pins.txt"] = _constraints(spec.pip_packages)
        lines.append("python -m pip install -q -r /swerun-build/environment.txt -c /swerun-build/pins.txt")
    if spec.pip_packages:
        lines.append(_pip(spec.pip_packages))
    lines += spec.env_post_install
    files["build/setup.sh"] = _script(lines)
    h = content_hash("env", base.tag, files)
    repo_slug = _slug(instance.repo.replace("/", "__"))
    tag = f"{IMAGE_PREFIX}/env-{repo_slug}:{_slug(instance.version)}-{h}"
    labels = {"swerun.layer": "env", "swerun.repo": instance.repo, "swerun.version": instance.version,
              **_base_labels(base)}
    return LayerRecipe("env", tag, base.tag, files, labels, store=store)


def _base_labels(base: BaseRecipe) -> dict[str, str]:
    """Which base the layer was built on, so a run can say which Debian and Python it tested with."""
    return {"swerun.base": base.tag, "swerun.base.suite": base.suite, "swerun.python": base.python}


def git_describe(store: RepoStore, repo: str, commit: str) -> str | None:
    """``git describe --tags --long`` of ``commit`` in the full host mirror (None when no tag reaches it).

    Same options setuptools_scm uses, so the tag it picks is the one a full clone would pick.
    """
    mirror = store.mirror(repo, commit)
    proc = subprocess.run(["git", "-C", str(mirror), "describe", "--tags", "--long", "--match", "*[0-9]*", commit],
                          capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def scm_version_for(instance: Instance, spec: VersionSpec, store: RepoStore) -> str | None:
    """The version a full clone of the repository at ``base_commit`` would install as (setuptools_scm)."""
    if spec.scm_version is None:
        return None
    describe = git_describe(store, instance.repo, instance.base_commit)
    if describe is None:
        log.warning("%s: no version tag reaches %s; setuptools_scm will guess a version", instance.instance_id,
                    instance.base_commit[:12])
        return None
    try:
        return spec.scm_version.version(describe)
    except ValueError as exc:
        raise SpecError(str(exc), source=str(spec_file(instance.repo)), instance_id=instance.instance_id,
                        field="scm_version") from None


def instance_recipe(instance: Instance, spec: VersionSpec, env: LayerRecipe,
                    store: RepoStore | None = None) -> LayerRecipe:
    """The instance layer: the repository at ``base_commit`` (depth 1) installed into the env.

    ``store`` (default: the one the env recipe was made with) is needed only for specs with
    ``scm_version``: the version is read from the host's full mirror and baked in as an ``ENV``, so the
    install and any reinstall in the eval container see it.
    """
    store = store or env.store
    ident = " ".join(f"{k}={shlex.quote(v)}" for k, v in FIXED_IDENTITY.items())
    lines = [*_exports(spec), *toolchains.build_exports(spec.toolchains), "cd /testbed", *spec.pre_install,
             *spec.install,
             # an install that rewrites tracked files would show up in every diff: commit that state
             f"if ! git diff --quiet HEAD; then env {ident} git commit -qam 'swerun: post-install state'; fi"]
    if instance.setup_patch is not None:  # the task's own starting state (SWE-smith's bug), as a plain commit
        lines += ["git apply --index -v /swerun-build/setup.patch",
                  f"env {ident} git commit -q --no-verify -m 'swerun: task starting state'"]
    lines.append("git status --short")
    version = scm_version_for(instance, spec, store) if spec.scm_version and store else None
    envs = f"ENV {spec.scm_version.env_var}={version}\n" if version and spec.scm_version else ""
    if spec.uploaded_before_utc:  # the install, and any reinstall in an eval container, resolve as the env did
        envs += f"ENV PIP_UPLOADED_PRIOR_TO={spec.uploaded_before_utc}\n"
    files = {"Dockerfile": _template("instance.Dockerfile").replace("@PARENT@", env.tag).replace("@ENV@\n", envs),
             "build/ca.sh": _template("ca.sh"), "build/setup.sh": _script(lines)}
    if instance.setup_patch is not None:
        files["build/setup.patch"] = instance.setup_patch
    h = content_hash("instance", env.tag, instance.repo, instance.base_commit, files)
    tag = f"{IMAGE_PREFIX}/eval-{_slug(instance.instance_id)}:{h}"
    labels = {"swerun.layer": "instance", "swerun.repo": instance.repo, "swerun.instance": instance.instance_id,
              **({"swerun.base_commit": instance.base_commit} if instance.setup_patch is None else {}),
              **{k: v for k, v in env.labels.items() if k.startswith(("swerun.base", "swerun.python"))}}
    if version:
        labels["swerun.scm_version"] = version
    return LayerRecipe("instance", tag, env.tag, files, labels, testbed=(instance.repo, instance.base_commit),
                       store=store)

