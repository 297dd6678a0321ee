"""Every SWE-bench Verified row has an environment spec, a renderable eval script and the official parser.

Pure checks over the 500 real rows in ``tests/data/swebench/verified.jsonl.xz``: no Docker, no network,
no repository mirrors. They catch a version missing from a spec file, a test command that does not
survive shell quoting, a parser name that differs from the official per-repository one, and
directives that do not point back at the files the test patch touches.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.evaluation.eval_script import render
from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.images import base_for
from swebench_runner.patch import split_test_files
from swebench_runner.spec import DATA_SUFFIXES, Directives, spec_for

VERIFIED_REPOS = 12


@pytest.fixture(scope="module")
def verified(swebench_jsonl):
    return load_dataset(dataset=str(swebench_jsonl("verified"))).instances


@pytest.fixture(scope="module")
def specs(verified):
    return {i.instance_id: spec_for(i) for i in verified}


def test_every_row_has_a_spec(verified, specs):
    assert len(verified) == 500
    assert len({i.repo for i in verified}) == VERIFIED_REPOS
    assert set(specs) == {i.instance_id for i in verified}


def test_eval_scripts_render_and_parse_as_bash(verified, specs, tmp_path):
    # one `bash -n` over every script, each wrapped in a function, instead of 500 processes (~3 s);
    # a syntax error's line number says which function, hence which instance
    chunks, starts = [], []
    line = 1
    for n, inst in enumerate(verified):
        plan = render(inst, specs[inst.instance_id], None, 1800)
        assert plan.test_command.startswith(specs[inst.instance_id].test_cmd[0])
        chunk = f"eval_{n}() {{\n{plan.script}\n}}\n"
        starts.append((line, inst.instance_id))
        chunks.append(chunk)
        line += chunk.count("\n")
    path = tmp_path / "all.sh"
    path.write_text("".join(chunks))
    out = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        lines = [int(m) for m in re.findall(r"line (\d+):", out.stderr)]
        culprits = sorted({max((s for s in starts if s[0] <= at), default=(0, "?"))[1] for at in lines})
        pytest.fail(f"bash -n rejects the eval scripts of {culprits or '?'}: {out.stderr[:500]}")


def _official_parser_names() -> dict[str, str]:
    """repo -> per-repository parser name in swebench 5.0.2's ``MAP_REPO_TO_PARSER_PY`` (minus ``parse_log_``).

    Read from the installed module's source rather than imported: importing swebench costs seconds,
    and the dict's values are the per-repository names (several are aliases of one function there,
    so the functions' own ``__name__`` would not do). Empty when swebench is not installed.
    """
    found = importlib.util.find_spec("swebench")
    if found is None or not found.submodule_search_locations:
        return {}
    source = Path(found.submodule_search_locations[0]) / "harness" / "log_parsers" / "python.py"
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id == "MAP_REPO_TO_PARSER_PY" for t in node.targets)):
            return {k.value: v.id.removeprefix("parse_log_") for k, v in zip(node.value.keys, node.value.values, strict=False)
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Name)}
    return {}


def test_parser_is_the_official_per_repository_one(verified, specs):
    official = _official_parser_names()
    if importlib.util.find_spec("swebench") is not None:
        assert len(official) >= VERIFIED_REPOS
    for inst in verified:
        name = specs[inst.instance_id].log_parser
        assert get_parser(name).name == name
        if official:
            assert name == official[inst.repo], f"{inst.instance_id}: {name} != {official[inst.repo]}"


def _django_label(path: str) -> str:
    dotted = path[: -len(".py")] if path.endswith(".py") else path
    return dotted.removeprefix("tests/").replace("/", ".")


def test_directives_name_files_the_test_patch_touches(verified, specs):
    for inst in verified:
        spec = specs[inst.instance_id]
        existing, created = split_test_files(inst.test_patch)
        touched = existing + created
        directives = spec.directives(touched)
        test_files = [f for f in touched if not f.endswith(DATA_SUFFIXES)]
        # a test patch of data files only gives no directive: the whole suite runs, as officially
        assert directives or not test_files, f"{inst.instance_id}: no directive from {touched}"
        if spec.test_directives is Directives.DJANGO:
            labels = {_django_label(f): f for f in touched}
            assert all(d in labels for d in directives), f"{inst.instance_id}: {directives} vs {touched}"
        else:
            assert spec.test_directives is Directives.PATHS
            assert set(directives) <= set(touched), f"{inst.instance_id}: {directives} vs {touched}"
        assert len(directives) == len(test_files), f"{inst.instance_id}: a touched test file has no directive"


def test_test_ids_point_into_directives(verified, specs):
    """For pytest-style repos, each FAIL_TO_PASS id's file is among the directives, so the run reaches it."""
    for inst in verified:
        spec = specs[inst.instance_id]
        if spec.test_directives is not Directives.PATHS or spec.log_parser == "sympy":
            continue
        directives = set(spec.directives(sum(split_test_files(inst.test_patch), [])))
        for test_id in inst.FAIL_TO_PASS:
            path = test_id.split("::", 1)[0]
            if PurePosixPath(path).suffix == ".py":
                assert path in directives, f"{inst.instance_id}: {test_id} outside {sorted(directives)}"


def test_every_row_gets_a_base_with_exactly_its_python(verified, specs):
    """Every Verified environment's Python has a base (Debian or Ubuntu), and the base gives that Python,
    never a neighbour (a refusal for a Python no base has is tested in test_spec_units)."""
    for inst in verified:
        spec = specs[inst.instance_id]
        assert base_for(spec, inst).python == spec.python, inst.instance_id
