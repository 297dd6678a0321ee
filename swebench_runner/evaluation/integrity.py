"""Integrity checks: a log whose results contradict themselves is not evidence of a fix.

The code under test can print anything, so a ``PASSED test`` line proves little by itself. These
checks look for the classes of forgery measured against the official grader: a test reported both
passing and failing (a forged line next to the real one), more passing lines than the runner's own
final count, a status map with no final summary from the runner, and results that contradict the
runner's exit status. Only graded tests (FAIL_TO_PASS and PASS_TO_PASS) are considered, so output of
tests that run nested test sessions (pytest's own suite) does not trip them.
"""

from __future__ import annotations

from ..types import TestStatus
from .log_parsers import LogParser
from .log_parsers.pytest import summary_counts
from .testlog import TestLog

SHORT_SUMMARY = "short test summary info"
_PASSING = {TestStatus.PASSED, TestStatus.XFAIL}
_FAILING = {TestStatus.FAILED, TestStatus.ERROR}


def find_violations(log: TestLog, parser: LogParser, sm: dict[str, TestStatus], graded: set[str],
                    instance_id: str | None = None) -> tuple[tuple[str, ...], dict[str, TestStatus]]:
    """Return the violations found and the status map with contradicted tests marked FAILED."""
    section = log.section or ""
    seen: dict[str, set[TestStatus]] = {}
    for test, status in parser.events_for(section, instance_id):
        seen.setdefault(test, set()).add(status)
    if parser.family == "pytest":
        # Nested pytest sessions (pytest's own suite) print progress columns such as "[100%]" after
        # status words; some datasets even list them as tests. Only real node ids ("path::name") are
        # evidence about the outer run.
        seen = {t: st for t, st in seen.items() if "::" in t}
    violations: list[str] = []
    sm = dict(sm)
    contradicted = sorted(t for t, st in seen.items() if t in graded and st & _PASSING and st & _FAILING)
    for test in contradicted:
        sm[test] = TestStatus.FAILED
    if contradicted:
        violations.append(f"tests reported both passing and failing: {', '.join(contradicted[:5])}")
    if parser.family == "pytest":
        counts = summary_counts(section)
        # The outer run's own result lines are the ones after its last "short test summary info" header;
        # nested sessions (pytest's own suite) print theirs earlier, inside captured output.
        head = section.rfind(SHORT_SUMMARY)
        tail = section[head:] if head >= 0 else section
        passed_lines = {t for t, st in parser.events_for(tail, instance_id) if st is TestStatus.PASSED and "::" in t}
        if counts is None and passed_lines & graded:
            violations.append("pytest printed no final summary line, yet graded tests are reported passed")
        elif counts is not None and len(passed_lines) > counts.get("passed", 0):
            violations.append(f"{len(passed_lines)} tests reported PASSED but pytest's summary counts "
                              f"{counts.get('passed', 0)} passed")
    if parser.exit_code_reliable and log.exit_code == 0:
        failing = sorted(t for t in graded if sm.get(t) in _FAILING)
        if failing:
            violations.append(f"test command exited 0 although {failing[0]} failed")
    return tuple(violations), sm
