"""Environment specs: per-repository data files in ``harness/specs/`` that say how to build and test.

A spec is data, not code: one YAML file per repository, one entry per dataset ``version``. Everything
in an entry goes into the environment or instance image hash, so editing a spec makes new images and
an unchanged spec reuses the old ones.
"""

from __future__ import annotations

import enum
import re
import shlex
from functools import cache
from pathlib import Path, PurePosixPath

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import SpecError
from .resources import harness_dir
from .types import Instance

PY_VERSION_RE = re.compile(r"^3\.\d{1,2}$")
PIP_PIN_RE = re.compile(r"^[A-Za-z0-9_.\[\],-]+\s*(===?|@)\s*\S+$")


class Directives(str, enum.Enum):
    """How the test files a test patch touches become arguments of the test command."""

    PATHS = "paths"  # tests/test_x.py
    MODULES = "modules"  # tests.test_x
    DJANGO = "django"  # tests/a/b.py -> a.b (Django's runtests.py labels)
    NONE = "none"  # the command already names what to run


class VersionSpec(BaseModel):
    """How to build and test one (repository, version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    python: str = Field(description="Python major.minor, e.g. '3.11'; picks the base image")
    system_packages: list[str] = Field(default_factory=list, description="Debian packages for the env layer")
    pip_packages: list[str] = Field(default_factory=list, description="pinned requirements (name==version)")
    requirements_files: list[str] = Field(
        default_factory=list, description="repo files read at environment_setup_commit and installed in the env")
    env: dict[str, str] = Field(default_factory=dict, description="environment variables for build and tests")
    pre_install: list[str] = Field(default_factory=list, description="shell lines run in /testbed before install")
    install: list[str] = Field(default_factory=list, description="shell lines that install the repo in /testbed")
    test_cmd: list[str] = Field(description="argv of the test command; directives are appended")
    test_directives: Directives = Directives.PATHS
    log_parser: str = Field(description="name of a parser in swebench_runner.evaluation.log_parsers")
    eval_commands: list[str] = Field(default_factory=list, description="shell lines run before the tests")
    reinstall_globs: list[str] = Field(
        default_factory=lambda: ["setup.py", "setup.cfg", "pyproject.toml", "*.pyx", "*.pxd", "*.c", "*.cpp",
                                 "*.h", "MANIFEST.in", "requirements*.txt"],
        description="a patch touching a matching path triggers the install commands again before tests")

    @field_validator("python")
    @classmethod
    def _py(cls, v: str) -> str:
        if not PY_VERSION_RE.match(v):
            raise ValueError("must be a major.minor version such as '3.11'")
        return v

    @field_validator("pip_packages")
    @classmethod
    def _pinned(cls, v: list[str]) -> list[str]:
        loose = [p for p in v if not PIP_PIN_RE.match(p)]
        if loose:
            raise ValueError(f"must be pinned (name==version): {', '.join(loose)}")
        return v

    @field_validator("test_cmd")
    @classmethod
    def _cmd(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("must not be empty")
        return v

    def directives(self, test_files: list[str]) -> list[str]:
        """Arguments naming the tests to run, from the test files the test patch touches."""
        files = [f for f in test_files if PurePosixPath(f).suffix == ".py"]
        if self.test_directives is Directives.NONE:
            return []
        if self.test_directives is Directives.PATHS:
            return files
        mods = []
        for f in files:
            dotted = f[: -len(".py")]
            if self.test_directives is Directives.DJANGO and dotted.startswith("tests/"):
                dotted = dotted[len("tests/"):]
            mods.append(dotted.replace("/", "."))
        return mods

    def test_command(self, test_files: list[str]) -> str:
        return shlex.join([*self.test_cmd, *self.directives(test_files)])


class RepoSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    repo: str
    versions: dict[str, VersionSpec]


def _load(path: Path) -> RepoSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", source=str(path)) from None
    try:
        return RepoSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SpecError(err["msg"], source=str(path), field=".".join(str(p) for p in err["loc"])) from None


def spec_file(repo: str, root: Path | None = None) -> Path:
    return (root or harness_dir() / "specs") / (repo.replace("/", "__") + ".yaml")


@cache
def load_repo_spec(repo: str, root: Path | None = None) -> RepoSpec:
    path = spec_file(repo, root)
    if not path.is_file():
        raise SpecError(f"no environment spec for repository {repo} (expected {path})", source=str(path))
    spec = _load(path)
    if spec.repo != repo:
        raise SpecError(f"says repo {spec.repo!r} but is named for {repo!r}", source=str(path), field="repo")
    return spec


def spec_for(instance: Instance, root: Path | None = None) -> VersionSpec:
    repo_spec = load_repo_spec(instance.repo, root)
    try:
        return repo_spec.versions[instance.version]
    except KeyError:
        raise SpecError(
            f"no spec for version {instance.version!r} (known: {', '.join(sorted(repo_spec.versions))})",
            source=str(spec_file(instance.repo, root)), instance_id=instance.instance_id, field="version",
        ) from None
