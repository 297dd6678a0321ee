"""Units of the spec schema and image recipes: setuptools_scm versions, requirement expansion, errors.

Expected versions were checked against setuptools_scm 8.1.0 itself on full clones of pytest-dev/pytest
and psf/requests (every Verified and Lite base commit gave the same string).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from swebench_runner.errors import SpecError
from swebench_runner.images import (
    base_for,
    clean_requirements,
    conda_to_pip,
    env_recipe,
    expand_requirements,
    instance_recipe,
    requirements_for,
)
from swebench_runner.spec import DirectiveFiles, Directives, ScmVersion, VersionSpec, _load, normalize_tag
from swebench_runner.types import Instance

SHA = "a" * 40
ENV_SHA = "b" * 40


def make_instance(**kw) -> Instance:
    row = {"instance_id": "acme__widget-1", "repo": "acme/widget", "base_commit": SHA,
           "environment_setup_commit": ENV_SHA, "version": "1.0", "test_patch": "x", "FAIL_TO_PASS": "[]"}
    return Instance.model_validate({**row, **kw})


def make_spec(**kw) -> VersionSpec:
    return VersionSpec.model_validate({"python": "3.11", "test_cmd": ["pytest", "-rA"], "log_parser": "pytest", **kw})


class FakeStore:
    """Files of one commit, as ``RepoStore.read_file`` would return them (None when absent)."""

    def __init__(self, files: dict[str, str], mirror_path: Path | None = None) -> None:
        self.files = files
        self.mirror_path = mirror_path
        self.reads: list[tuple[str, str]] = []

    def read_file(self, repo: str, commit: str, path: str) -> str | None:
        self.reads.append((commit, path))
        return self.files.get(path)

    def mirror(self, repo: str, *commits: str) -> Path:
        assert self.mirror_path is not None
        return self.mirror_path


# --- setuptools_scm versions -------------------------------------------------------------------

@pytest.mark.parametrize("describe, expected", [
    ("5.4.0-593-ge6e300e72", "5.4.1.dev593+ge6e300e72"),  # pytest-dev__pytest-7432
    ("7.2.0.dev0-157-gaa55975c7", "7.2.0.dev157+gaa55975c7"),  # a .dev0 tag becomes its release
    ("6.0.0rc1-33-g7f7a36478", "6.0.0rc2.dev33+g7f7a36478"),  # a pre-release bumps its own number
    ("v2.27.0-0-g0192aac2", "2.27.0"),  # on the tag itself: the tag, no local part
    ("v0.14.0-28-ga0df2cbb", "0.14.1.dev28+ga0df2cbb"),
    ("4.4.1-174-g4a2fdce62", "4.4.2.dev174+g4a2fdce62"),
])
def test_guess_next_dev_matches_setuptools_scm(describe, expected):
    assert ScmVersion(dist="pytest").version(describe) == expected


@pytest.mark.parametrize("describe, expected", [
    ("v2.26.0-32-g39d0fdd9", "2.27.0.dev32+g39d0fdd9"),
    ("v2.2.1-56-g110048f9", "2.3.0.dev56+g110048f9"),
    ("v3.6.0rc1-4-g1234567", "3.7.0.dev4+g1234567"),
    ("v3.5.0-0-g1234567", "3.5.0"),
])
def test_release_branch_semver_bumps_minor_off_release_branches(describe, expected):
    assert ScmVersion(dist="matplotlib", scheme="release-branch-semver").version(describe) == expected


def test_scm_errors_and_env_var():
    scm = ScmVersion(dist="my.dist-name")
    assert scm.env_var == "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MY_DIST_NAME"
    with pytest.raises(ValueError, match="git describe"):
        scm.version("5.4.0")
    with pytest.raises(ValueError, match="dev tag"):
        scm.version("1.0.dev3-2-gabcdef0")  # setuptools_scm refuses too
    with pytest.raises(ValueError):
        ScmVersion(dist="not a name")


@pytest.mark.parametrize("tag, version", [
    ("v5.1.dev", "5.1.dev0"), ("6.0.0rc1", "6.0.0rc1"), ("v1.0-rc.1", "1.0rc1"), ("1.0.post2", "1.0.post2"),
    ("astropy-4.3.dev", "4.3.dev0"), ("V2.0", "2.0"), ("1.0beta2", "1.0b2"),
])
def test_normalize_tag(tag, version):
    assert normalize_tag(tag) == version


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def test_instance_recipe_bakes_in_the_full_clone_version(tmp_path):
    repo = tmp_path / "mirror"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    _git(repo, "tag", "4.5.0")
    for n in range(3):
        _git(repo, "commit", "-q", "--allow-empty", "-m", f"c{n}")
    head = _git(repo, "rev-parse", "HEAD")
    inst = make_instance(base_commit=head, environment_setup_commit=head)
    spec = make_spec(scm_version={"dist": "widget"})
    store = FakeStore({}, mirror_path=repo)
    env = env_recipe(inst, spec, store)
    rec = instance_recipe(inst, spec, env)
    version = f"4.5.1.dev3+g{_git(repo, 'rev-parse', '--short', 'HEAD')}"
    assert f"ENV SETUPTOOLS_SCM_PRETEND_VERSION_FOR_WIDGET={version}\n" in rec.files["Dockerfile"]
    assert rec.labels["swerun.scm_version"] == version
    assert "@ENV@" not in rec.files["Dockerfile"]
    plain = instance_recipe(inst, make_spec(), env_recipe(inst, make_spec(), store))
    assert "ENV" not in plain.files["Dockerfile"].split("\n", 2)[2] and "@ENV@" not in plain.files["Dockerfile"]


# --- requirement files -------------------------------------------------------------------------

DEV_TXT = """\
# compiled by pip-compile
-r docs.txt
-r tests.txt
-e .
build==0.10.0
    # via pip-tools
-c constraints.txt
-e git+https://example.invalid/x.git#egg=x
.[typing]
"""


def test_expand_requirements_nested_local_dropped_at_env_commit():
    store = FakeStore({"requirements/dev.txt": DEV_TXT, "requirements/docs.txt": "sphinx==4.5.0\n-r tests.txt\n",
                       "requirements/tests.txt": "pytest==7.3.0\npython-dotenv==1.0.0 ; python_version >= \"3.8\"\n"})
    lines = expand_requirements(store, make_instance(), "requirements/dev.txt")
    assert lines == ["sphinx==4.5.0", "pytest==7.3.0", 'python-dotenv==1.0.0 ; python_version >= "3.8"',
                     "build==0.10.0", "-e git+https://example.invalid/x.git#egg=x"]
    assert {commit for commit, _ in store.reads} == {ENV_SHA}  # read at environment_setup_commit


def test_missing_requirements_file_names_instance_and_file():
    with pytest.raises(SpecError, match=r"acme__widget-1.*'requirements/dev.txt' not found"):
        expand_requirements(FakeStore({}), make_instance(), "requirements/dev.txt")


def test_requirements_replace_and_search():
    assert clean_requirements(["types-pkg_resources==0.1.3", "Types_Foo>=1", "keep==1"],
                              {"types-pkg-resources": "types-setuptools", "types.foo": ""}) == \
        ["types-setuptools", "keep==1"]
    store = FakeStore({"requirements-test.txt": "hypothesis==6.0\n"})
    spec = make_spec(requirements_search=["requirements-dev.txt", "requirements-test.txt"])
    assert requirements_for(make_instance(), spec, store) == ["hypothesis==6.0"]
    with pytest.raises(SpecError, match="none of requirements-dev.txt, requirements-test.txt"):
        requirements_for(make_instance(), spec, FakeStore({}))


def test_env_layer_installs_requirements_before_pins():
    store = FakeStore({"requirements/dev.txt": "pytest==7.3.0\n"})
    spec = make_spec(bootstrap_packages=["pip==24.2"], requirements_files=["requirements/dev.txt"],
                     pip_packages=["pytest==8.3.4"], env_setup=["locale-gen"], system_packages=["locales"])
    rec = env_recipe(make_instance(), spec, store)
    script = rec.files["build/setup.sh"]
    order = [script.index(s) for s in ("apt-get install", "locale-gen", "-m venv", "pip==24.2",
                                       "-r /swerun-build/requirements.txt", "pytest==8.3.4")]
    assert order == sorted(order)
    assert rec.files["build/requirements.txt"] == "pytest==7.3.0\n"
    assert rec.labels["swerun.python"] == "3.11" and rec.labels["swerun.base"].startswith("swerun/base:bookworm")


@pytest.mark.parametrize("dep, line", [
    ("numpy", "numpy"), ("numpy=1.20", "numpy==1.20.*"), ("numpy 1.20.*", "numpy==1.20.*"),
    ("numpy==1.20", "numpy==1.20"), ("numpy>=1.20,<2", "numpy>=1.20,<2"), ("numpy=1.20=py38_0", "numpy==1.20.*"),
    ("conda-forge::scipy >=1.5", "scipy>=1.5"), ("a 1.2|1.3", "a"), ("python=3.10", None), ("pip", None),
])
def test_conda_match_specs_as_pip_requirements(dep, line):
    assert conda_to_pip(dep) == line


def test_conda_environment_file_is_installed_under_the_pins():
    env_yml = ("name: t\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - numpy<1.24\n"
               "  - dask-core\n  - cdms2\n  - lxml # optional\n  - pip:\n      - numbagg\n      - -e .\n")
    store = FakeStore({"ci/environment.yml": env_yml})
    spec = make_spec(conda_environment_files=["ci/environment.yml"], pip_packages=["numpy==1.23.0", "xarray[io]==1"],
                     requirements_replace={"dask-core": "dask", "cdms2": ""})
    rec = env_recipe(make_instance(), spec, store)
    assert rec.files["build/environment.txt"].split() == ["numpy<1.24", "dask", "lxml", "numbagg"]
    assert rec.files["build/pins.txt"] == "numpy==1.23.0\nxarray==1\n"  # constraints refuse extras
    script = rec.files["build/setup.sh"]
    assert script.index("-r /swerun-build/environment.txt -c /swerun-build/pins.txt") < script.index("numpy==1.23.0")
    assert (ENV_SHA, "ci/environment.yml") in store.reads  # read at the env commit
    with pytest.raises(SpecError, match=r"field 'conda_environment_files'.*not found"):
        env_recipe(make_instance(), spec, FakeStore({}))
    with pytest.raises(SpecError, match="no dependencies list"):
        env_recipe(make_instance(), spec, FakeStore({"ci/environment.yml": "name: t\n"}))


# --- schema and errors -------------------------------------------------------------------------

def test_directive_files_and_django_labels():
    files = ["tests/a/test_b.py", "tests/a/data.json", "tests/roots/index.rst", "tests/a/templates/x.html"]
    assert make_spec().directives(files) == ["tests/a/test_b.py"]
    assert make_spec(directive_files="non_data").directives(files) == [
        "tests/a/test_b.py", "tests/roots/index.rst", "tests/a/templates/x.html"]
    django = make_spec(test_directives=Directives.DJANGO, directive_files=DirectiveFiles.NON_DATA)
    assert django.directives(files) == ["a.test_b", "roots.index.rst", "a.templates.x.html"]
    assert make_spec(test_directives="none").directives(files) == []


def test_spec_file_errors_name_file_and_field(tmp_path):
    path = tmp_path / "acme__widget.yaml"
    path.write_text("repo: acme/widget\nversions:\n  2.10:\n    python: '3.9'\n")
    with pytest.raises(SpecError, match="quoted strings: 2.1"):
        _load(path)
    path.write_text("repo: acme/widget\nversions:\n  '1.0':\n    python: '3.9'\n    test_cmd: [pytest]\n"
                    "    log_parser: pytest\n    pip_packages: [pytest]\n")
    with pytest.raises(SpecError, match=r"acme__widget.yaml: field 'versions.1.0.pip_packages'.*pinned"):
        _load(path)


def test_anchors_in_x_keys_are_shared_settings(tmp_path):
    path = tmp_path / "acme__widget.yaml"
    path.write_text("repo: acme/widget\nx-common: &c\n  python: '3.9'\n  test_cmd: [pytest]\n  log_parser: pytest\n"
                    "versions:\n  '1.0': *c\n  '1.1':\n    <<: *c\n    python: '3.11'\n")
    spec = _load(path)
    assert spec.versions["1.0"].python == "3.9" and spec.versions["1.1"].python == "3.11"


def test_python_without_base_is_refused_with_instance_and_version():
    inst = make_instance(version="3.0")
    with pytest.raises(SpecError) as err:
        base_for(make_spec(python="3.4"), inst)
    msg = str(err.value)
    assert "acme__widget-1" in msg and "Python 3.4" in msg and "3.9 (bullseye)" in msg and "field 'python'" in msg
    assert base_for(make_spec(python="3.9"), inst).python == "3.9"


def test_uploaded_before_needs_pip_26_and_reaches_every_later_pip_call():
    with pytest.raises(ValueError, match="pip==26"):
        make_spec(uploaded_before="2024-08-01", bootstrap_packages=["pip==24.2"])
    with pytest.raises(ValueError, match="ISO date"):
        make_spec(uploaded_before="August 2024", bootstrap_packages=["pip==26.0.1"])
    spec = make_spec(uploaded_before="2024-08-01", bootstrap_packages=["pip==26.0.1"], pip_packages=["x==1"])
    env = env_recipe(make_instance(), spec, FakeStore({}))
    script = env.files["build/setup.sh"]
    # after the bootstrap (an older pip would ignore the variable; the bootstrap pin could be newer)
    assert script.index("pip==26.0.1") < script.index("PIP_UPLOADED_PRIOR_TO=2024-08-01T00:00:00Z") \
        < script.index("x==1")
    inst = instance_recipe(make_instance(), spec, env)
    assert "ENV PIP_UPLOADED_PRIOR_TO=2024-08-01T00:00:00Z\n" in inst.files["Dockerfile"]
