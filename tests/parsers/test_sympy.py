"""sympy's ``bin/test --verbose`` output, from real Lite evaluation logs."""

from __future__ import annotations

from swebench_runner.types import TestStatus as S


def test_result_lines_and_failure_headers(parsed):
    sm = parsed("sympy__sympy-13043")
    assert sm["test_decompose"] is S.FAILED  # FAIL_TO_PASS of 13043
    assert sm["test_polytope_integrate"] is S.ERROR
    assert sm["test_best_origin"] is S.PASSED
    # The traceback headers add path:name ids, all FAILED (an E test's header too).
    assert sm["sympy/integrals/tests/test_intpoly.py:test_decompose"] is S.FAILED
    assert sm["sympy/integrals/tests/test_intpoly.py:test_polytope_integrate"] is S.FAILED


def test_expected_failures_and_bracketed_last_lines_are_not_recorded(parsed):
    # "test_polytopes_intersecting_sides f   [FAIL]": an xfail, and the file's last line carries "[FAIL]".
    assert "test_polytopes_intersecting_sides" not in parsed("sympy__sympy-13043")
    sm = parsed("sympy__sympy-21847")
    assert sm["test_monomials"] is S.PASSED  # FAIL_TO_PASS of 21847
    # "test_Monomial ok   [OK]": the last test of a file ends in "[OK]", not " ok", so it is missing.
    assert "test_Monomial" not in sm
    assert len(sm) == 10


def test_warning_lines_with_py_paths_are_not_headers(parsed):
    """``/x/sympy/core/basic.py:3: DeprecationWarning: ...`` has ``.py:`` but no space before it."""
    assert not any("basic.py" in t for t in parsed("sympy__sympy-13043"))
