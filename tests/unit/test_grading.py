"""Grading rules (official semantics) and the integrity checks, on logs written the way runners write them."""

from swebench_runner.evaluation import testlog
from swebench_runner.evaluation.grading import build_tests_status, grade
from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.types import Instance, TestStatus

NONCE = "n0nce"


def _inst(f2p, p2p):
    return Instance(instance_id="acme__w-1", repo="acme/w", base_commit="a" * 40, test_patch="x", version="1",
                    FAIL_TO_PASS=f2p, PASS_TO_PASS=p2p)


def _log(body: str, code: int) -> testlog.TestLog:
    text = (f"prelude\n>>>>> Start Test Output [{NONCE}]\n{body}\n>>>>> End Test Output [{NONCE}]\n"
            f">>>>> Test Exit Code: {code} [{NONCE}]\n")
    return testlog.read(text, NONCE)


PYTEST_OK = """============================= test session starts ==============================
collected 3 items

t.py ...                                                                 [100%]

=========================== short test summary info ============================
PASSED t.py::test_a
PASSED t.py::test_b[x-1]
PASSED t.py::test_c
============================== 3 passed in 0.01s ==============================="""

PYTEST_FAIL = """collected 3 items
=========================== short test summary info ============================
PASSED t.py::test_b[x-1]
PASSED t.py::test_c
FAILED t.py::test_a - AssertionError: boom
========================= 1 failed, 2 passed in 0.02s =========================="""


def test_resolved_and_unresolved():
    inst = _inst(["t.py::test_a"], ["t.py::test_b[x-1]", "t.py::test_c"])
    g = grade(inst, get_parser("pytest"), _log(PYTEST_OK, 0))
    assert g.resolved and g.log_valid and not g.violations
    g = grade(inst, get_parser("pytest"), _log(PYTEST_FAIL, 1))
    assert not g.resolved and g.failing_tests() == ["t.py::test_a"]
    assert g.tests_status["PASS_TO_PASS"]["success"] == ["t.py::test_b[x-1]", "t.py::test_c"]


def test_official_rules_for_skips_missing_and_truncated_ids():
    sm = {"a": TestStatus.SKIPPED, "b": TestStatus.SKIPPED, "c[x-1]": TestStatus.PASSED,
          "c[x-2]": TestStatus.PASSED, "d[y-1]": TestStatus.PASSED, "d[y-2]": TestStatus.FAILED}
    r = build_tests_status(sm, ["a", "missing", "c[x"], ["b", "d[y"])
    assert r["FAIL_TO_PASS"] == {"success": ["c[x"], "failure": ["a", "missing"]}  # skipped F2P fails
    # skipped P2P is kept; an ambiguous truncated id (candidates disagree) counts as missing
    assert r["PASS_TO_PASS"] == {"success": ["b"], "failure": ["d[y"]}


def test_empty_lists_count_as_all_passing():
    assert grade(_inst([], []), get_parser("pytest"), _log(PYTEST_OK, 0)).resolved


def test_nonzero_exit_with_no_failures_is_not_a_valid_log():
    g = grade(_inst(["t.py::test_a"], []), get_parser("pytest"), _log(PYTEST_OK, 2))
    assert not g.log_valid and not g.resolved


def test_forged_pass_after_real_failure_is_a_contradiction():
    forged = PYTEST_FAIL + "\nPASSED t.py::test_a"
    g = grade(_inst(["t.py::test_a"], []), get_parser("pytest"), _log(forged, 0))
    assert not g.resolved
    assert any("both passing and failing" in v for v in g.violations)
    # the official rules alone would take the last line and call it resolved
    assert grade(_inst(["t.py::test_a"], []), get_parser("pytest"), _log(forged, 0), strict=False).resolved


def test_more_pass_lines_than_the_runner_counted():
    forged = PYTEST_OK.replace("PASSED t.py::test_c", "PASSED t.py::test_c\nPASSED t.py::test_z")
    g = grade(_inst(["t.py::test_z"], []), get_parser("pytest"), _log(forged, 0))
    assert not g.resolved and any("summary counts 3 passed" in v for v in g.violations)


def test_pass_lines_without_a_runner_summary():
    g = grade(_inst(["t.py::test_a"], []), get_parser("pytest"), _log("PASSED t.py::test_a", 0))
    assert not g.resolved and any("no final summary" in v for v in g.violations)


def test_forged_markers_inside_the_section_are_just_text():
    body = (">>>>> End Test Output\n>>>>> Test Exit Code: 0\nPASSED t.py::test_a\n" + PYTEST_FAIL)
    log = _log(body, 1)
    assert log.exit_code == 1 and "FAILED t.py::test_a" in log.section
    assert not grade(_inst(["t.py::test_a"], []), get_parser("pytest"), log).resolved


def test_markers_without_the_nonce_do_not_open_a_section():
    text = ">>>>> Start Test Output\nPASSED t.py::test_a\n>>>>> End Test Output\n>>>>> Test Exit Code: 0\n"
    log = testlog.read(text, NONCE)
    assert log.section is None
    assert not grade(_inst(["t.py::test_a"], []), get_parser("pytest"), log).resolved


def test_unittest_and_doctest_logs():
    ut = """test_a (pkg.tests.T.test_a) ... ok
test_b (pkg.tests.T.test_b) ... FAIL
test_c (pkg.tests.T.test_c) ... skipped 'no network'
test_d (pkg.tests.T.test_d) ... printed something
ok

----------------------------------------------------------------------
Ran 4 tests in 0.001s

FAILED (failures=1, skipped=1)"""
    sm = get_parser("unittest").parse(ut)
    assert sm == {"test_a (pkg.tests.T.test_a)": TestStatus.PASSED, "test_b (pkg.tests.T.test_b)": TestStatus.FAILED,
                  "test_c (pkg.tests.T.test_c)": TestStatus.SKIPPED, "test_d (pkg.tests.T.test_d)": TestStatus.PASSED}
    dt = """2 items passed all tests:
   2 tests in pkg.units
   3 tests in pkg.units.convert
1 item had failures:
   1 of   2 in pkg.units.parse
7 tests in 4 items.
6 passed and 1 failed.
***Test Failed*** 1 failures."""
    assert get_parser("doctest").parse(dt) == {"pkg.units": TestStatus.PASSED, "pkg.units.convert": TestStatus.PASSED,
                                                "pkg.units.parse": TestStatus.FAILED}


def test_nested_sessions_in_captured_output_are_not_counted_as_the_runs_results():
    """pytest's own suite prints inner sessions (pytest-dev__pytest-7521): their PASSED lines sit in
    captured output before the outer summary and must not count against the outer run's totals."""
    nested = """collected 2 items
==================================== PASSES ====================================
----------------------------- Captured stdout call -----------------------------
=========================== short test summary info ============================
PASSED test_capsysbinary.py::test_hello
============================== 1 passed in 0.01s ===============================
=========================== short test summary info ============================
PASSED t.py::test_a
PASSED t.py::test_b
============================== 2 passed in 0.20s ==============================="""
    g = grade(_inst(["t.py::test_a"], ["t.py::test_b"]), get_parser("pytest"), _log(nested, 0))
    assert g.resolved and not g.violations


def test_fail_only_counts_only_failed_tests_as_failing():
    """The official fail_only rule: absent, errored or skipped tests pass; only FAILED fails."""
    sm = {"a": TestStatus.FAILED, "b": TestStatus.ERROR, "c": TestStatus.SKIPPED}
    r = build_tests_status(sm, ["a", "b", "missing"], ["c", "d"], eval_type="fail_only")
    assert r["FAIL_TO_PASS"] == {"success": ["b", "missing"], "failure": ["a"]}
    assert r["PASS_TO_PASS"] == {"success": ["c", "d"], "failure": []}
    body = "PASSED t.py::test_b[x-1]\nFAILED t.py::test_c - boom\n1 failed, 1 passed"
    assert grade(_inst(["t.py::test_a"], []), get_parser("pytest"), _log(body, 1), eval_type="fail_only").resolved
    assert not grade(_inst(["t.py::test_a"], []), get_parser("pytest"), _log(body, 1)).resolved
    g = grade(_inst(["t.py::test_c"], []), get_parser("pytest"), _log(body, 1), eval_type="fail_only")
    assert not g.resolved and g.failing_tests() == ["t.py::test_c"]


def test_a_forged_exit_code_before_the_row_scripts_own_is_ignored():
    """Inside a row's script the last exit-code line is the real one; code under test prints earlier."""
    row = (": '>>>>> Start Test Output'\nPASSED t.py::test_a\n>>>>> Test Exit Code: 0\n"
           "FAILED t.py::test_b - x\n: '>>>>> End Test Output'\n>>>>> Test Exit Code: 1\n")
    text = f">>>>> Start Test Output [{NONCE}]\n{row}>>>>> End Test Output [{NONCE}]\n>>>>> Test Exit Code: 0 [{NONCE}]\n"
    log = testlog.read(text, NONCE, row_script=True)
    assert log.exit_code == 1 and "PASSED t.py::test_a" in log.section
