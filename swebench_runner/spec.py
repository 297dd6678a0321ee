"""Environment specs: per-repository data files in ``harness/specs/`` that say how to build and test.

A spec is data, not code: one YAML file per repository, one entry per dataset ``version``. Everything
in an entry goes into the environment or instance image hash, so editing a spec makes new images and
an unchanged spec reuses the old ones.

Entries may share settings through YAML anchors and merge keys (``<<: *defaults``); the loader sees the
expanded mappings, so every version is validated as a complete entry.

Folders named in ``SWERUN_SPECS`` (``--specs``) are searched before the bundled ones, so a dataset of
other repositories, or a changed environment for a known one, needs no edit inside the installed package.
"""

from __future__ import annotations

import enum
import os
import re
import shlex
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .errors import SpecError
from .resources import SPECS_ENV, harness_dir
from .types import Instance

PY_VERSION_RE = re.compile(r"^3\.\d{1,2}$")
PIP_PIN_RE = re.compile(r"^[A-Za-z0-9_.\[\],-]+\s*(===?|@)\s*\S+$")
DIST_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
UPLOADED_BEFORE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")
# Files of a test patch that are data, not tests: the official harness leaves them out of the test
# command's arguments (its NON_TEST_EXTS; "csv" has no dot there, so "xcsv" counts too).
DATA_SUFFIXES = (".json", ".png", "csv", ".txt", ".md", ".jpg", ".jpeg", ".pkl", ".yml", ".yaml", ".toml")


class Directives(str, enum.Enum):
    """How the test files a test patch touches become arguments of the test command."""

    PATHS = "paths"  # tests/test_x.py
    MODULES = "modules"  # tests.test_x
    DJANGO = "django"  # tests/a/b.py -> a.b (Django's runtests.py labels)
    NONE = "none"  # the command already names what to run


class DirectiveFiles(str, enum.Enum):
    """Which files of the test patch become directives."""

    PYTHON = "python"  # only ``.py`` files
    # every file but data files (DATA_SUFFIXES): what the official harness passes, so a SWE-bench log
    # covers the tests its FAIL_TO_PASS/PASS_TO_PASS lists were made from (a patch of data files only
    # gives no directive, and the whole suite runs, as there)
    NON_DATA = "non_data"


class ScmScheme(str, enum.Enum):
    """setuptools_scm version schemes a full clone would apply (names as setuptools_scm spells them)."""

    GUESS_NEXT_DEV = "guess-next-dev"  # the default: 5.4.0 + 593 commits -> 5.4.1.dev593
    RELEASE_BRANCH_SEMVER = "release-branch-semver"  # matplotlib: off a release branch -> next minor


class ScmVersion(BaseModel):
    """The package takes its version from git tags (setuptools_scm).

    Instance images hold a depth-1 checkout (no history, no tags), where setuptools_scm would report
    ``0.1.dev1``; version checks in the code under test (``minversion``, plugin requirements) then
    fail. swerun computes on the host, from the full mirror, the version a full clone would get and
    hands it to the build as ``SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<DIST>``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: str = Field(description="distribution name as setuptools_scm sees it, e.g. 'pytest'")
    scheme: ScmScheme = ScmScheme.GUESS_NEXT_DEV

    @field_validator("dist")
    @classmethod
    def _dist(cls, v: str) -> str:
        if not DIST_NAME_RE.match(v):
            raise ValueError("must be a distribution name such as 'pytest'")
        return v

    @property
    def env_var(self) -> str:
        return "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_" + re.sub(r"[-_.]+", "_", self.dist).upper()

    def version(self, describe: str) -> str:
        """The version setuptools_scm gives a clean full clone whose ``git describe --tags --long`` is this.

        ``5.4.0-593-ge6e300e72`` -> ``5.4.1.dev593+ge6e300e72``; a commit that is itself tagged gets the
        tag's version. The branch is taken to be the default one (the official images clone it), which
        for release-branch-semver means a minor bump.
        """
        m = re.match(r"^(?P<tag>.+)-(?P<distance>\d+)-(?P<node>g[0-9a-f]+)$", describe.strip())
        if not m:
            raise ValueError(f"not the output of git describe --tags --long: {describe!r}")
        tag_version = normalize_tag(m["tag"])
        distance = int(m["distance"])
        if distance == 0:
            return tag_version
        if self.scheme is ScmScheme.RELEASE_BRANCH_SEMVER:
            guessed = _next_minor(tag_version)
        else:
            guessed = _guess_next(tag_version)
        return f"{guessed}.dev{distance}+{m['node']}"


# setuptools_scm's default tag pattern: an optional "name-" prefix, an optional v, then the version.
_TAG_RE = re.compile(r"^(?:[\w-]+-)?[vV]?(?P<version>\d+(?:\.\d+)*[^+]*)(?:\+.*)?$")
_PEP440_RE = re.compile(
    r"^(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:[-_.]?(?:post|rev|r)[-_.]?(?P<post_n>\d*))?"
    r"(?:[-_.]?dev[-_.]?(?P<dev_n>\d*))?$", re.IGNORECASE)
_PRE = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "c": "rc", "rc": "rc", "pre": "rc", "preview": "rc"}


def normalize_tag(tag: str) -> str:
    """A git tag as the PEP 440 version setuptools_scm reads from it (``v5.1.dev`` -> ``5.1.dev0``)."""
    m = _TAG_RE.match(tag)
    v = _PEP440_RE.match(m["version"]) if m else None
    if v is None:
        raise ValueError(f"tag {tag!r} is not a version setuptools_scm understands")
    out = ".".join(str(int(p)) for p in v["release"].split("."))
    if v["pre"]:
        out += _PRE[v["pre"].lower()] + str(int(v["pre_n"] or 0))
    if v["post_n"] is not None:
        out += f".post{int(v['post_n'] or 0)}"
    if v["dev_n"] is not None:
        out += f".dev{int(v['dev_n'] or 0)}"
    return out


def _guess_next(version: str) -> str:
    """guess-next-dev: a ``.dev0`` tag becomes its release; otherwise the last number goes up by one."""
    if ".dev" in version:
        prefix, tail = version.rsplit(".dev", 1)
        if tail != "0":
            raise ValueError(f"setuptools_scm refuses to guess past the dev tag {version!r}")
        return prefix
    m = re.match(r"^(.*?)(\d+)$", version)
    if m is None:
        raise ValueError(f"cannot guess the version after {version!r}")
    return f"{m[1]}{int(m[2]) + 1}"


def _next_minor(version: str) -> str:
    """release-branch-semver off a release branch: major.(minor + 1).0."""
    try:
        nums = [int(p) for p in version.split(".")[:2]]
    except ValueError:
        raise ValueError(f"{version!r} is not a numeric major.minor version") from None
    nums += [0] * (2 - len(nums))
    return f"{nums[0]}.{nums[1] + 1}.0"


def _pinned(v: list[str]) -> list[str]:
    loose = [p for p in v if not PIP_PIN_RE.match(p)]
    if loose:
        raise ValueError(f"must be pinned (name==version): {', '.join(loose)}")
    return v


class VersionSpec(BaseModel):
    """How to build and test one (repository, version).

    The env layer runs, in order: ``system_packages``, ``env_setup``, a venv of ``python``,
    ``bootstrap_packages``, the requirement files and then the conda environment files (both read at
    ``environment_setup_commit``), then ``pip_packages`` (so the spec's pins win over the files', as in
    the official harness), then ``env_post_install``. The instance layer runs ``pre_install`` then ``install`` in ``/testbed``.
    With ``uploaded_before``, every pip call after the bootstrap (build isolation included) sees PyPI
    as it was on that date.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    python: str | None = Field(default=None,
                               description="Python major.minor the environment needs, e.g. '3.11'; picks the "
                                           "base image, and an instance whose Python no base provides is refused")
    base: str | None = Field(default=None, description="the base image by suite (e.g. 'bookworm'), for "
                                                       "environments that need no Python venv (Go, Rust, ...)")
    toolchains: dict[str, str] = Field(
        default_factory=dict, description="toolchain -> version installed in the env layer from "
                                          "harness/toolchains/<name>.yaml (e.g. go: '1.23.8')")
    notes: str = Field(default="", description="where the facts come from, and what differs from the "
                                               "official environment (e.g. conda packages expressed with pip)")
    system_packages: list[str] = Field(default_factory=list,
                                       description="apt packages for the env layer (the base's Debian or Ubuntu)")
    env_setup: list[str] = Field(default_factory=list,
                                 description="shell lines run as root in the env layer after system packages "
                                             "(locales, services the tests need)")
    bootstrap_packages: list[str] = Field(
        default_factory=list, description="pinned pip/setuptools/wheel installed first, in a pip call of their own")
    requirements_files: list[str] = Field(
        default_factory=list, description="repo files read at environment_setup_commit and installed in the env; "
                                          "each must exist")
    requirements_search: list[str] = Field(
        default_factory=list, description="repo files tried in order at environment_setup_commit; the first that "
                                          "exists is installed (the official per-repository path list)")
    conda_environment_files: list[str] = Field(
        default_factory=list, description="conda environment files (environment.yml) read at "
                                          "environment_setup_commit; their dependencies are installed with pip, "
                                          "constrained by pip_packages (conda names that differ on PyPI are "
                                          "mapped by requirements_replace)")
    requirements_replace: dict[str, str] = Field(
        default_factory=dict, description="requirement name -> replacement line ('' drops it), for packages "
                                          "that left PyPI, are named otherwise there, or cannot install on "
                                          "this Python")
    uploaded_before: str | None = Field(
        default=None, description="ISO date: after the bootstrap, pip sees only releases uploaded before it "
                                  "(pip >= 26 --uploaded-prior-to), so requirements the spec does not pin "
                                  "resolve as they did when the official image was built")
    pip_packages: list[str] = Field(default_factory=list, description="pinned requirements (name==version); "
                                                                      "with uploaded_before, names alone may do")
    env_post_install: list[str] = Field(
        default_factory=list, description="shell lines run in the env's venv after pip_packages (e.g. drop a "
                                          "released copy of the package whose dependencies the env keeps)")
    env: dict[str, str] = Field(default_factory=dict, description="environment variables for build and tests")
    pre_install: list[str] = Field(default_factory=list, description="shell lines run in /testbed before install")
    install: list[str] = Field(default_factory=list, description="shell lines that install the repo in /testbed")
    scm_version: ScmVersion | None = Field(default=None, description="the repo's version comes from git tags")
    test_cmd: list[str] = Field(description="argv of the test command; directives are appended")
    test_directives: Directives = Directives.PATHS
    directive_files: DirectiveFiles = DirectiveFiles.PYTHON
    log_parser: str = Field(description="name of a parser in swebench_runner.evaluation.log_parsers")
    eval_type: Literal["pass_and_fail", "fail_only"] = Field(
        default="pass_and_fail", description="official grading mode; fail_only where the parser sees only "
                                             "failures (a row's own eval_type wins)")
    eval_commands: list[str] = Field(default_factory=list, description="shell lines run before the tests")
    reinstall_globs: list[str] = Field(
        default_factory=lambda: ["setup.py", "setup.cfg", "pyproject.toml", "*.pyx", "*.pxd", "*.c", "*.cpp",
                                 "*.h", "MANIFEST.in", "requirements*.txt"],
        description="a patch touching a matching path triggers the install commands again before tests")

    @field_validator("python")
    @classmethod
    def _py(cls, v: str | None) -> str | None:
        if v is not None and not PY_VERSION_RE.match(v):
            raise ValueError("must be a major.minor version such as '3.11'")
        return v

    @model_validator(mode="after")
    def _a_base(self) -> VersionSpec:
        if self.python is None and self.base is None:
            raise ValueError("needs python (a venv of that Python) or base (a base image by suite)")
        pythonic = (self.bootstrap_packages or self.requirements_files or self.requirements_search
                    or self.conda_environment_files or self.pip_packages or self.uploaded_before)
        if self.python is None and pythonic:
            raise ValueError("pip settings need python: without it the environment has no venv")
        return self

    @field_validator("bootstrap_packages")
    @classmethod
    def _pins(cls, v: list[str]) -> list[str]:
        return _pinned(v)

    @field_validator("pip_packages")
    @classmethod
    def _pins_or_date(cls, v: list[str], info: ValidationInfo) -> list[str]:
        # Unpinned requirements resolve the same way every time only when the index is frozen at a date.
        return v if info.data.get("uploaded_before") else _pinned(v)

    @field_validator("test_cmd")
    @classmethod
    def _cmd(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("must not be empty")
        return v

    @field_validator("uploaded_before")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        if v is not None and not UPLOADED_BEFORE_RE.match(v):
            raise ValueError("must be an ISO date or UTC datetime such as '2024-08-01' or '2024-08-01T00:00:00Z'")
        return v

    @model_validator(mode="after")
    def _pip_knows_the_cutoff(self) -> VersionSpec:
        if self.uploaded_before:
            pins = [p for p in self.bootstrap_packages if re.match(r"^pip\s*==", p)]
            major = int(re.findall(r"\d+", pins[0])[0]) if pins else 0
            if major < 26:
                raise ValueError("uploaded_before needs bootstrap_packages to pin pip==26 or newer")
        return self

    @property
    def uploaded_before_utc(self) -> str | None:
        """``uploaded_before`` as the UTC datetime pip expects (a bare date means its midnight UTC)."""
        if self.uploaded_before is None:
            return None
        return self.uploaded_before if "T" in self.uploaded_before else self.uploaded_before + "T00:00:00Z"

    @field_validator("env")
    @classmethod
    def _env_names(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [k for k in v if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k)]
        if bad:
            raise ValueError(f"not valid variable names: {', '.join(bad)}")
        return v

    def _selected(self, test_files: list[str]) -> list[str]:
        if self.directive_files is DirectiveFiles.NON_DATA:
            return [f for f in test_files if not f.endswith(DATA_SUFFIXES)]
        return [f for f in test_files if PurePosixPath(f).suffix == ".py"]

    def directives(self, test_files: list[str]) -> list[str]:
        """Arguments naming the tests to run, from the test files the test patch touches."""
        if self.test_directives is Directives.NONE:
            return []
        files = self._selected(test_files)
        if self.test_directives is Directives.PATHS:
            return files
        mods = []
        for f in files:
            dotted = f[: -len(".py")] if f.endswith(".py") else f
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


def _drop_private_keys(data: object) -> object:
    """Top-level keys starting with ``x-`` hold YAML anchors only (shared settings), not spec fields."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    return data


def _load(path: Path) -> RepoSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", source=str(path)) from None
    versions = data.get("versions") if isinstance(data, dict) else None
    if isinstance(versions, dict):
        unquoted = [k for k in versions if not isinstance(k, str)]
        if unquoted:  # 2.10 unquoted is the float 2.1: refuse rather than guess
            raise SpecError(f"version keys must be quoted strings: {', '.join(map(str, unquoted))}",
                            source=str(path), field="versions")
    try:
        return RepoSpec.model_validate(_drop_private_keys(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SpecError(err["msg"], source=str(path), field=".".join(str(p) for p in err["loc"])) from None


def spec_dirs(root: Path | None = None) -> list[Path]:
    """Where spec files are looked up, first match wins: ``root`` alone, else ``SWERUN_SPECS`` then bundled."""
    if root is not None:
        return [root]
    extra = [Path(p) for p in os.environ.get(SPECS_ENV, "").split(os.pathsep) if p]
    return [*extra, harness_dir() / "specs"]


def spec_file(repo: str, root: Path | None = None) -> Path:
    """The spec file of ``repo`` along the search path (the bundled location when there is none)."""
    name = repo.replace("/", "__") + ".yaml"
    dirs = spec_dirs(root)
    return next((d / name for d in dirs if (d / name).is_file()), dirs[-1] / name)


@cache
def _load_cached(path: Path, mtime_ns: int) -> RepoSpec:
    return _load(path)


def load_repo_spec(repo: str, root: Path | None = None) -> RepoSpec:
    path = spec_file(repo, root)
    if not path.is_file():
        searched = ", ".join(str(d) for d in spec_dirs(root))
        raise SpecError(f"no environment spec for repository {repo}: no {path.name} in {searched} "
                        f"(add one to a folder named by --specs / {SPECS_ENV})", source=str(path))
    spec = _load_cached(path, path.stat().st_mtime_ns)
    if spec.repo != repo:
        raise SpecError(f"says repo {spec.repo!r} but is named for {repo!r}", source=str(path), field="repo")
    return spec


def spec_for(instance: Instance, root: Path | None = None) -> VersionSpec:
    """The instance's environment spec: its own inline one (SWE-rebench rows carry it), else the
    repository's spec file, version ``instance.version``."""
    if instance.spec is not None:
        try:
            return VersionSpec.model_validate(instance.spec)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise SpecError(err["msg"], source="the row's inline spec", instance_id=instance.instance_id,
                            field=".".join(["spec", *(str(p) for p in err["loc"])])) from None
    repo_spec = load_repo_spec(instance.repo, root)
    try:
        return repo_spec.versions[instance.version]
    except KeyError:
        raise SpecError(
            f"no spec for version {instance.version!r} (known: {', '.join(sorted(repo_spec.versions))})",
            source=str(spec_file(instance.repo, root)), instance_id=instance.instance_id, field="version",
        ) from None
