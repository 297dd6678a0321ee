"""Our own doctest and unittest parsers on real output, the registry, and the snippets' provenance."""

from __future__ import annotations

import pytest

from swebench_runner.errors import SpecError
from swebench_runner.evaluation.log_parsers import REGISTRY, get_parser
from swebench_runner.evaluation.log_parsers.unittest import ran_count
from swebench_runner.types import TestStatus as S

from .logsnippets import INDEX, LOGS, read_bytes, read_log

OFFICIAL_NAMES = {
    "pytest", "pytest_options", "pytest_v2", "django", "sympy", "seaborn", "matplotlib", "astropy", "flask",
    "requests", "xarray", "pylint", "scikit", "sphinx", "astroid", "marshmallow", "pvlib", "pyvista",
    "sqlfluff", "pydicom",
}


def test_doctest_passed_and_failed_items(parsed):
    assert parsed("doctest.morse") == {"morse.encode": S.PASSED}  # items "had no tests" are not results
    assert parsed("doctest.score_guess") == {"__main__.score_guess": S.FAILED}


def test_unittest_ran_count():
    assert ran_count(read_log("django__django-11019")) == 80
    assert ran_count(read_log("django__django-14787")) == 21
    assert ran_count(read_log("sympy__sympy-21847")) is None


def test_every_name_is_registered():
    get_parser("pytest")  # loads every module
    assert OFFICIAL_NAMES | {"unittest", "doctest"} <= set(REGISTRY)


def test_families_and_exit_codes():
    for name in OFFICIAL_NAMES - {"django", "sympy"}:
        assert get_parser(name).family == "pytest", name
    assert get_parser("django").family == "django"
    assert get_parser("sympy").family == "sympy"
    # Every Python runner here exits non-zero exactly when a test failed (tox passes pytest's status
    # through: "py39: exit 1 ... evaluation failed" in sphinx-doc__sphinx-7748), so none is marked
    # unreliable; of the Multilingual ones only Ant is (its junit task fails the build only when told to).
    assert all(p.exit_code_reliable for n, p in REGISTRY.items() if not n.startswith("parse_log_"))
    from .test_multilingual import MULTIMODAL_PARSERS  # their runners' statuses are their own story

    assert [n for n, p in REGISTRY.items() if not p.exit_code_reliable and n not in MULTIMODAL_PARSERS] == [
        "parse_log_ant"]


def test_unknown_parser_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown log parser 'nose'"):
        get_parser("nose")


def test_parsers_are_pure():
    text = read_log("django__django-11019")
    assert get_parser("django").parse(text) == get_parser("django").parse(text)


def test_every_snippet_is_indexed_and_parses():
    stored = {p.name for p in LOGS.glob("*.log")}
    assert stored == {n for n, e in INDEX.items() if "archive" not in e}
    for name, entry in INDEX.items():
        assert entry["parser"] in REGISTRY or get_parser(entry["parser"])
        assert read_bytes(name)
        if entry["instance"]:
            assert name == f"{entry['instance']}.log"


def test_a_rows_official_parser_name_picks_the_registered_parser():
    from swebench_runner.dataset import load_dataset
    from swebench_runner.official import parser_name

    inst = load_dataset("mini").instances[0]
    row = lambda name: inst.model_copy(update={"log_parser": name})  # noqa: E731
    assert parser_name(row("parse_log_doctest"), None) == "parse_log_doctest"  # C++ doctest, not ours
    assert parser_name(row("parse_log_cargo"), None) == "parse_log_cargo"
    assert parser_name(row("parse_log_pytest"), None) == "pytest"  # Python parsers go by their short names
    assert parser_name(inst, "unittest") == "unittest"
