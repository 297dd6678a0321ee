"""Specs for languages other than Python: a base by suite, toolchains from their recipes, and the line
between what the image keeps (tests see it) and what only its builds see (where downloads come from)."""

from __future__ import annotations

import pytest

from swebench_runner import toolchains
from swebench_runner.dataset import load_dataset
from swebench_runner.errors import SpecError
from swebench_runner.images import base_for, env_recipe, instance_recipe
from swebench_runner.repos import RepoStore
from swebench_runner.spec import VersionSpec, spec_for

GO = {"base": "bookworm", "toolchains": {"go": "1.23.8"}, "test_cmd": ["go", "test", "-v", "./..."],
      "log_parser": "parse_log_gotest"}


def test_a_spec_needs_a_python_or_a_base_and_pip_needs_python():
    VersionSpec(**GO)
    with pytest.raises(ValueError, match="needs python"):
        VersionSpec(test_cmd=["x"], log_parser="x")
    with pytest.raises(ValueError, match="pip settings need python"):
        VersionSpec(**GO, pip_packages=["six==1.16.0"])


def test_the_base_is_chosen_by_suite_and_an_unknown_suite_is_refused():
    assert base_for(VersionSpec(**GO)).suite == "bookworm"
    with pytest.raises(SpecError) as err:
        base_for(VersionSpec(**{**GO, "base": "sid"}))
    assert err.value.field == "base" and "bookworm" in str(err.value)


def test_an_unknown_toolchain_names_the_field_and_the_known_ones():
    with pytest.raises(SpecError) as err:
        toolchains.install_lines({"zig": "0.13"})
    assert err.value.field == "toolchains" and "go" in str(err.value) and "rust" in str(err.value)


def test_go_env_layer_installs_the_exact_version_and_tests_see_no_proxy():
    inst = load_dataset("polyglot").by_id()["swerun-mini__slugify-1"]
    spec = spec_for(inst)
    env = env_recipe(inst, spec, RepoStore())
    setup, dockerfile = env.files["build/setup.sh"], env.files["Dockerfile"]
    assert "VERSION=1.22.12" in setup and "golang.org/toolchain/@v/v0.0.1-go${VERSION}" in setup
    assert "export GOPROXY=https://proxy.golang.org" in setup  # the build downloads ...
    assert 'ENV GOPROXY="off"' in dockerfile and 'ENV GOTOOLCHAIN="local"' in dockerfile  # ... the tests cannot
    assert "venv" not in setup and env.parent == base_for(spec).tag
    inst_layer = instance_recipe(inst, spec, env)
    assert "export GOPROXY=https://proxy.golang.org" in inst_layer.files["build/setup.sh"]


def test_versions_in_image_variables_are_filled_in():
    assert toolchains.image_env({"rust": "1.84"})["PATH"].startswith("/usr/lib/rust-1.84/bin:")
    assert toolchains.image_env({"java": "21"})["JAVA_HOME"] == "/usr/lib/jvm/java-21-openjdk-amd64"


def test_every_polyglot_task_has_a_spec_and_every_family_is_there():
    rows = load_dataset("polyglot").instances
    parsers = {spec_for(i).log_parser for i in rows}
    assert parsers == {"parse_log_gotest", "parse_log_cargo", "parse_log_tap", "parse_log_googletest",
                       "parse_log_maven", "parse_log_phpunit", "parse_log_ruby_unit"}
