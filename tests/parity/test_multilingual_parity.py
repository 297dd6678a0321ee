"""Parity of the SWE-bench Multilingual parsers with swebench 5.0.2's, on every bundled real log
(``tests/data/logs/multilingual``) and on edge lines written to reach each rule of the official parsers.

The official functions take ``(log, test_spec)``; only ``parse_log_jekyll`` and ``parse_log_immutable_js``
read the spec, and only its ``instance_id``, so a namespace holding ``instance_id`` and ``version`` stands
in for it. Their status strings are ``TestStatus`` values. Every deliberate difference is listed below
with its reason, so a new disagreement fails and a fixed one asks for the list to shrink.

Skipped only when swebench is not installed and ``CI`` is unset; in CI a missing package fails.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import os
import types
from pathlib import Path

import pytest

from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.types import TestStatus

from .official_import import without_harness_init

IN_CI = bool(os.environ.get("CI"))
HAVE_SWEBENCH = importlib.util.find_spec("swebench") is not None

pytestmark = pytest.mark.skipif(not HAVE_SWEBENCH and not IN_CI,
                                reason="swebench is not installed (pip install swebench==5.0.2)")

ML_LOGS = Path(__file__).resolve().parents[1] / "data" / "logs" / "multilingual"
ML_INDEX: dict[str, dict] = json.loads((ML_LOGS / "index.json").read_text())
STATUSES = {s.value for s in TestStatus}
# The instances the two instance-dependent official parsers know (any other id makes them raise).
KNOWN_INSTANCES = {
    "parse_log_jekyll": ["jekyll__jekyll-8047", "jekyll__jekyll-8167", "jekyll__jekyll-9141",
                         "jekyll__jekyll-8761", "jekyll__jekyll-8771"],
    "parse_log_immutable_js": ["immutable-js__immutable-js-2005", "immutable-js__immutable-js-2006"],
}

# Deliberate differences on the bundled logs: file -> {test: (official status, ours)}.
KNOWN_DIFFERENCES: dict[str, dict[str, tuple[str, str]]] = {
    # Lombok's SimpleTestFormatter prints "[FAIL] t" (or "[ERR] t") from JUnit's failure callback and then
    # "[PASS] t" from its end-of-test callback, which runs for every test. The official parser lets the
    # later line win, so every failing or erroring test comes out passed; ours reads that "[PASS]" as the
    # end of the failed test.
    "parse_log_ant.lombok_formatter.log": {
        "testWrong(ml.CalcTest)": ("PASSED", "FAILED"),
        "testThrows(ml.CalcTest)": ("PASSED", "FAILED"),
    },
    # A subcase holding an <Exception> (a thrown exception; a crash such as SIGABRT, which doctest reports
    # before exiting) and no failed <Expression> passes for the official parser, which looks only at
    # expressions; it failed.
    "parse_log_doctest.xml.log": {"throws > from_json": ("PASSED", "FAILED")},
    "parse_log_doctest.crash.log": {"crashes > null deref": ("PASSED", "FAILED")},
}
# Also deliberate, where the official parser raises instead of answering (checked below): an instance
# the jekyll / immutable-js parsers do not know (ours reads both of its formats), a doctest XML report
# cut short (ParseError; ours keeps the finished test cases) and karma output that leaves more suites
# than it entered (IndexError; ours stays at the top level). The official Maven and Gradle parsers also
# print a warning for a test left without a result; ours print nothing.


def spec(instance_id: str | None) -> types.SimpleNamespace:
    return types.SimpleNamespace(instance_id=instance_id or "placeholder__none-0", version="0")


@pytest.fixture(scope="session")
def official() -> dict:
    """swebench's PARSER_REGISTRY (name -> function). Without swebench (only in CI: elsewhere the module
    is skipped) every test that needs it fails."""
    try:
        return _official_registry()
    except ImportError as exc:
        pytest.fail(f"swebench==5.0.2 is required in CI: {exc}")


def _official_registry() -> dict:
    """The official parser registry, imported without the harness package's start-up."""
    return without_harness_init(
        lambda: dict(importlib.import_module("swebench.harness.log_parsers").PARSER_REGISTRY))


def ours(name: str, text: str, instance_id: str | None) -> dict[str, str]:
    return {t: s.value for t, s in get_parser(name).parse(text, instance_id).items()}


def read_ml(name: str) -> str:
    return (ML_LOGS / name).read_bytes().decode("utf-8", errors="replace")


def test_official_package_is_5_0_2():
    assert importlib.metadata.version("swebench") == "5.0.2"


def test_every_bundled_parser_exists_on_both_sides(official):
    parsers = {e["parser"] for e in ML_INDEX.values()}
    assert len(parsers) == 19
    for name in parsers:
        assert name in official and get_parser(name).name == name


def test_bundled_logs_parse_identically_but_for_the_listed_differences(official):
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for name, entry in ML_INDEX.items():
        text = read_ml(name)
        theirs = official[entry["parser"]](text, spec(entry["instance"]))
        assert set(theirs.values()) <= STATUSES, name
        mine = ours(entry["parser"], text, entry["instance"])
        diff = {t: (theirs.get(t), mine.get(t)) for t in set(theirs) | set(mine) if theirs.get(t) != mine.get(t)}
        if diff:
            found[name] = diff
    assert found == KNOWN_DIFFERENCES


def test_bundled_logs_of_instance_parsers_agree_for_every_known_instance(official):
    for name, entry in ML_INDEX.items():
        for iid in KNOWN_INSTANCES.get(entry["parser"], []):
            text = read_ml(name)
            assert official[entry["parser"]](text, spec(iid)) == ours(entry["parser"], text, iid), (name, iid)


def test_where_the_official_parsers_raise(official):
    with pytest.raises(ValueError):
        official["parse_log_jekyll"]("", spec("jekyll__jekyll-1"))
    with pytest.raises(ValueError):
        official["parse_log_immutable_js"]("", spec("immutable-js__immutable-js-1"))
    cucumber = read_ml("parse_log_jekyll.cucumber.log")
    assert ours("parse_log_jekyll", cucumber, "jekyll__jekyll-1") == official["parse_log_jekyll"](
        cucumber, spec("jekyll__jekyll-8761"))
    report = read_ml("parse_log_doctest.crash.log")
    cut = report[:report.index('<TestCase name="crashes"')]
    with pytest.raises(Exception, match="no element found|unclosed|syntax error"):
        official["parse_log_doctest"](cut, spec(None))
    assert ours("parse_log_doctest", cut, None) == {"before the crash > fine": "PASSED"}
    karma = "Starting browser X\n      deep\n    shallower\n  outer\n    ✔ test"
    with pytest.raises(IndexError):
        official["parse_log_karma"](karma, spec(None))


# Lines written to reach the rules of the official parsers (not real logs: a differential check). Every
# Multilingual parser reads every line, alone and all of them as one log, so lines meant for one format
# also show that the others ignore them. "SUMMARY:" ends karma's test lines, so it comes last.
EDGE_LINES = [
    # go test
    "--- PASS: TestA (0.00s)", "    --- FAIL: TestA/sub_case (0.01s)", "--- SKIP: TestB (0.00s)\r",
    "progress--- PASS: TestC (0.00s)", "--- PASS: TestD", "--- PASS: Test E (x) (0.00s)", "--- FAIL: TestF (0.00s) x",
    # cargo
    "test a::b ... ok", "test a::c ... FAILED", "test a::d ... ignored", "test a::e - should panic ... ok",
    "test   spaced   ...   ok", "test x ... ok\r", "test y ... FAILED extra",
    # phpunit --testdox
    "Round (Tests\\Carbon\\Round)", " ✔ Round with default unit", " ✘ Fails", " ↩ Skipped", " ∅ Incomplete",
    "Plain header", "✔Tight", "_Under (X)", "   │ ✔ inside a message",
    # maven
    "+ mvnd test -B -pl gson -Dtest=com.google.gson.A#b", "[INFO] BUILD SUCCESS",
    "+ mvn test -Dtest=X#y && echo -Dtest=Z", "[INFO] BUILD FAILURE", "[INFO] BUILD SUCCESS", "+ mvn -Dtest= x",
    "BUILD SUCCESS but not at the end", "+ mvn test -Dtest=Late#one",
    # ant
    "    [junit] [PASS] a(C)", "[junit] [FAIL] f(C)", "[junit] expected:<1> but was:<2>", "[junit] [ERR] e(C)",
    "[junit]  [PASS]  spaced(C)", "[junit] [SKIP] s(C)",
    # gradle
    "org.a.T > m PASSED", "org.a.T > n FAILED", "org.a.T > pending", "WARNING: x", "PASSED", "> Task :test FAILED",
    "org.a.T > s SKIPPED", "org.a.T > two  spaces   PASSED", "org.a.T > waits", "FAILED",
    # jest --verbose, vitest, jest --json via jq, TAP
    "  ✓ passes (3 ms)", "  ✕ fails (12 ms)", "  ○ skipped s", "  ✎ todo t", "✓ no space before",
    "  ✓ trailing (ms) text (1 ms)", " ✓ f.spec.ts > a 3ms", " × f.spec.ts > b", " ↓ f.spec.ts > c [skipped]",
    " ✓ f.spec.ts > case 2", "[PASSED] a > b", "[FAILED] c", "[PENDING] d", "ok 1 a", "not ok 2 b # TODO",
    "ok 3 c # SKIP -", "ok x nonum", "not ok 10 ten",
    # test-unit, rspec via jq, minitest, cucumber
    "  test_a:\t\t.: (0.001)", "  test_b:\t\tF", "  test_c:\t\t\tE", "  test_d:\t\tO", "test: spaced name:\t.: (0.1)",
    "Error: test_e(T): boom", "  test_f:\t\tP", "desc - passed", "desc two - ./spec/a_spec.rb[1:2] - failed",
    "desc three - pending", "x - passed - y - failed", "TestA#test_: ctx should b.  0.00 = .",
    "TestA#test_: ctx should c. = 0.00 s = F", "TestA#test_: ctx should d.  0.00 = S",
    "features/a.feature:5  Scenario: A ..... (0.1s)", "features/a.feature:9  Scenario: B ..F- (0.1s)",
    "features/a.feature:12  Scenario: C .U (0.1s)",
    # redis, jq, micropython, googletest
    "[ok]: A (1 ms)", "[err]: B in tests/unit/x.tcl", "[skip]: C", "[ignore]: D: Tag: x denied", "[exception]: E",
    "[ok]: F (issue #1)", "[err]: G (2 ms)", "PASS: tests/jqtest", "FAIL: tests/shtest", "SKIP: tests/x",
    "# PASS:  6", "XFAIL: y", "pass  basics/a.py ", "FAIL  basics/b.py", "skip  basics/c.py", "passed 3",
    "1: [       OK ] S.a (0 ms)", "[  FAILED  ] S.b (1 ms)", "[  FAILED  ] S.b", "[  SKIPPED ] S.c (0 ms)",
    "[       OK ] T/0.d, where TypeParam = int (0 ms)",
    # karma-mocha-reporter
    "Starting browser ChromeHeadless", "  suite", "    ✔ t1", "    ✖ t2", "    nested", "      ✔ t3", "  sibling",
    "    ✔ t4", "  ✔ top level", "SUMMARY:", "✔ 4 tests completed",
]


def _runs(name: str) -> list[str | None]:
    return KNOWN_INSTANCES.get(name, [None])


def test_edge_lines_parse_identically(official):
    names = sorted({e["parser"] for e in ML_INDEX.values()})
    for name in names:
        for iid in _runs(name):
            for line in EDGE_LINES:
                assert official[name](line, spec(iid)) == ours(name, line, iid), (name, iid, line)
            log = "\n".join(EDGE_LINES)
            assert official[name](log, spec(iid)) == ours(name, log, iid), (name, iid)


def test_ant_rerun_and_failure_pairs(official):
    """The one edge where ours differs by design: a ``[PASS]`` right after the same test's failure."""
    log = "[junit] [FAIL] t(C)\n[junit] boom\n[junit] [PASS] t(C)\n[junit] [ERR] u(C)\n[junit] [PASS] u(C)"
    assert official["parse_log_ant"](log, spec(None)) == {"t(C)": "PASSED", "u(C)": "PASSED"}
    assert ours("parse_log_ant", log, None) == {"t(C)": "FAILED", "u(C)": "FAILED"}
    rerun = log + "\n[junit] [PASS] t(C)"  # a later run of t passed: the same answer on both sides
    assert official["parse_log_ant"](rerun, spec(None))["t(C)"] == ours("parse_log_ant", rerun, None)["t(C)"]
