"""Image recipes: base -> environment (repository + version) -> instance (repository at base commit).

A recipe is everything that defines a layer: its parent's tag and the exact files of its build
context. The tag is a hash of those, so editing a spec makes a new image and an unchanged spec reuses
the old one, on any machine. The build CA bundle is transport, not environment: it is added to the
context but left out of the hash.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from .errors import SpecError
from .repos import FIXED_IDENTITY, RepoStore
from .resources import harness_dir
from .spec import VersionSpec
from .types import Instance

HASH_LEN = 12
IMAGE_PREFIX = "swerun"
VENV = "/opt/venv"


def content_hash(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:HASH_LEN]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-.") or "x"


@dataclass(frozen=True)
class BaseRecipe:
    suite: str
    python: str
    packages: tuple[str, ...]
    mirror: str

    @property
    def tag(self) -> str:
        return f"{IMAGE_PREFIX}/base:{self.suite}-py{self.python}-{content_hash('base', self.__dict__)}"


@dataclass(frozen=True)
class LayerRecipe:
    """An env or instance layer: a Dockerfile build on top of ``parent``."""

    kind: str
    tag: str
    parent: str
    files: dict[str, str]  # build-context path -> text (Dockerfile, build/setup.sh, ...)
    labels: dict[str, str]
    testbed: tuple[str, str] | None = field(default=None)  # (repo, commit) checked out into testbed/


@cache
def base_recipes() -> dict[str, BaseRecipe]:
    """Python version -> base recipe, from ``harness/base/*.yaml``."""
    import os

    mirror = os.environ.get("SWERUN_DEBIAN_MIRROR", "http://deb.debian.org/debian")
    out = {}
    for path in sorted((harness_dir() / "base").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[str(data["python"])] = BaseRecipe(data["suite"], str(data["python"]), tuple(data["packages"]), mirror)
    return out


def base_for(spec: VersionSpec, instance: Instance | None = None) -> BaseRecipe:
    recipes = base_recipes()
    if spec.python not in recipes:
        raise SpecError(f"Python {spec.python} cannot be provided: no base recipe for it (available: "
                        f"{', '.join(sorted(recipes))})", instance_id=instance and instance.instance_id,
                        field="python")
    return recipes[spec.python]


@cache
def _template(name: str) -> str:
    return (harness_dir() / "dockerfiles" / name).read_text(encoding="utf-8")


def _script(lines: list[str]) -> str:
    return "\n".join(["#!/bin/bash", "set -euxo pipefail", ". /swerun-build/ca.sh", *lines, ""])


def _exports(spec: VersionSpec) -> list[str]:
    return [f"export {k}={shlex.quote(v)}" for k, v in sorted(spec.env.items())]


def expand_requirements(store: RepoStore, instance: Instance, path: str, seen: set[str] | None = None) -> list[str]:
    """A requirements file at the env commit with nested ``-r`` includes expanded and ``-e`` lines dropped."""
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
        if line.startswith(("-r ", "--requirement ")):
            inc = line.split(None, 1)[1]
            out += expand_requirements(store, instance, str(Path(path).parent / inc), seen)
        elif line.startswith(("-e ", "--editable ")) or line in (".", "-e."):
            continue
        elif line and not line.startswith("#"):
            out.append(line)
    return out


def env_recipe(instance: Instance, spec: VersionSpec, store: RepoStore) -> LayerRecipe:
    base = base_for(spec, instance)
    lines = _exports(spec)
    if spec.system_packages:
        lines += ["apt-get update -qq",
                  "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
                  + shlex.join(spec.system_packages),
                  "rm -rf /var/lib/apt/lists/*"]
    lines.append(f"python{spec.python} -m venv {VENV}")
    if spec.pip_packages:
        lines.append("python -m pip install -q " + shlex.join(spec.pip_packages))
    files = {"Dockerfile": _template("env.Dockerfile").replace("@PARENT@", base.tag),
             "build/ca.sh": _template("ca.sh")}
    reqs = [r for p in spec.requirements_files for r in expand_requirements(store, instance, p)]
    if reqs:
        files["build/requirements.txt"] = "\n".join(reqs) + "\n"
        lines.append("python -m pip install -q -r /swerun-build/requirements.txt")
    files["build/setup.sh"] = _script(lines)
    h = content_hash("env", base.tag, files)
    repo_slug = _slug(instance.repo.replace("/", "__"))
    tag = f"{IMAGE_PREFIX}/env-{repo_slug}:{_slug(instance.version)}-{h}"
    labels = {"swerun.layer": "env", "swerun.repo": instance.repo, "swerun.version": instance.version}
    return LayerRecipe("env", tag, base.tag, files, labels)


def instance_recipe(instance: Instance, spec: VersionSpec, env: LayerRecipe) -> LayerRecipe:
    ident = " ".join(f"{k}={shlex.quote(v)}" for k, v in FIXED_IDENTITY.items())
    lines = [*_exports(spec), "cd /testbed", *spec.pre_install, *spec.install,
             # an install that rewrites tracked files would show up in every diff: commit that state
             f"if ! git diff --quiet HEAD; then env {ident} git commit -qam 'swerun: post-install state'; fi",
             "git status --short"]
    files = {"Dockerfile": _template("instance.Dockerfile").replace("@PARENT@", env.tag),
             "build/ca.sh": _template("ca.sh"), "build/setup.sh": _script(lines)}
    h = content_hash("instance", env.tag, instance.repo, instance.base_commit, files)
    tag = f"{IMAGE_PREFIX}/eval-{_slug(instance.instance_id)}:{h}"
    labels = {"swerun.layer": "instance", "swerun.repo": instance.repo, "swerun.instance": instance.instance_id,
              "swerun.base_commit": instance.base_commit}
    return LayerRecipe("instance", tag, env.tag, files, labels, testbed=(instance.repo, instance.base_commit))
