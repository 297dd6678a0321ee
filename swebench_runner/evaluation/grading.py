"""Grading a parsed log against FAIL_TO_PASS / PASS_TO_PASS, with the official harness's rules.

The rules mirror swebench 5.0.x (a parity test checks this on real logs): PASSED and XFAIL pass; a
FAIL_TO_PASS test that is missing, failed, errored or skipped fails; a skipped PASS_TO_PASS test is
kept; truncated parametrized ids match by prefix when every candidate agrees; resolved iff all pass.
Under ``fail_only`` (rows whose parser sees only failures: Chart.js, marked, eslint ...) a test counts
as failing only when the log says FAILED, as in the official grader. On top, ``integrity`` findings
(forged or contradictory results) make a log unresolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..types import Instance, TestStatus
from .integrity import find_violations
from .log_parsers import LogParser
from .testlog import TestLog

PASSING = {TestStatus.PASSED, TestStatus.XFAIL}
FAILING = {TestStatus.FAILED, TestStatus.ERROR}
# Evidence that a runner executed at all, for logs whose status map came out empty. The same evidence
# swebench 5.0.x accepts (summaries of JavaScript runners; every count non-zero), so the "patch applied"
# flag agrees with the official one; Python runners always leave parsed results when they ran.
SUITE_RAN = re.compile(
    r"Executed [1-9]\d* of \d+|TOTAL: [1-9]\d* (?:SUCCESS|FAILED)|[1-9]\d* passing|Tests:\s+[1-9]\d*"
    r"|Test Suites:\s+(?:\d+ \w+, )*[1-9]\d* total|^# tests [1-9]\d*|[1-9]\d* specs?, \d+ failures?|': ok$",
    re.M)

F2P, P2P, F2F, P2F = "FAIL_TO_PASS", "PASS_TO_PASS", "FAIL_TO_FAIL", "PASS_TO_FAIL"
PASS_AND_FAIL, FAIL_ONLY = "pass_and_fail", "fail_only"  # the official eval types


@dataclass(frozen=True)
class Grade:
    status_map: dict[str, TestStatus]
    log_valid: bool  # the official "patch_successfully_applied": a parsable log of a run that happened
    resolved: bool
    tests_status: dict[str, dict[str, list[str]]]
    violations: tuple[str, ...] = field(default=())

    def failing_tests(self) -> list[str]:
        return self.tests_status[F2P]["failure"] + self.tests_status[P2P]["failure"]


def _resolve(case: str, sm: dict[str, TestStatus]) -> str | None:
    """The status-map key for ``case``; truncated ids (more ``[`` than ``]``) match by unanimous prefix."""
    if case in sm:
        return case
    if case.count("[") > case.count("]"):
        matches = [k for k in sm if k.startswith(case)]
        if matches and len({sm[k] in PASSING for k in matches}) == 1:
            return matches[0]
    return None


def passed(case: str, sm: dict[str, TestStatus]) -> bool:
    key = _resolve(case, sm)
    return key is not None and sm[key] in PASSING


def maintained(case: str, sm: dict[str, TestStatus]) -> bool:
    key = _resolve(case, sm)
    return passed(case, sm) or (key is not None and sm[key] is TestStatus.SKIPPED)


def failed(case: str, sm: dict[str, TestStatus]) -> bool:
    key = _resolve(case, sm)
    return key is None or sm[key] in FAILING | {TestStatus.SKIPPED}


def _fail_only_failed(case: str, sm: dict[str, TestStatus]) -> bool:
    return sm.get(case) is TestStatus.FAILED


def build_tests_status(sm: dict[str, TestStatus], f2p: list[str], p2p: list[str],
                       eval_type: str = PASS_AND_FAIL) -> dict[str, dict[str, list[str]]]:
    report: dict[str, dict[str, list[str]]] = {}
    for name, cases, ok in ((F2P, f2p, passed), (P2P, p2p, maintained)):
        if eval_type == FAIL_ONLY:
            failure = [c for c in cases if _fail_only_failed(c, sm)]
            success = [c for c in cases if c not in failure]
        else:
            success = [c for c in cases if ok(c, sm)]
            failure = [c for c in cases if not ok(c, sm) and failed(c, sm)]
        report[name] = {"success": success, "failure": failure}
    report[F2F] = {"success": [], "failure": []}
    report[P2F] = {"success": [], "failure": []}
    return report


def _all_pass(part: dict[str, list[str]]) -> bool:
    return not part["failure"]  # an empty list counts as all passing, as in the official grader


def status_map_of(log: TestLog, parser: LogParser, official_fallback: bool,
                  instance_id: str | None = None) -> dict[str, TestStatus]:
    sm = parser.parse(log.section or "", instance_id)
    if not sm and official_fallback:
        sm = parser.parse(log.text, instance_id)  # the official grader re-reads the whole log when the section is empty
    return sm


def grade(instance: Instance, parser: LogParser, log: TestLog, *, strict: bool = True,
          eval_type: str = PASS_AND_FAIL) -> Grade:
    """Grade one log. ``strict`` adds the integrity checks; without it the verdict is the official one.
    ``eval_type`` is the task's (``Task.eval_type``: the row's, else the spec's)."""
    empty = build_tests_status({}, instance.FAIL_TO_PASS, instance.PASS_TO_PASS)
    if log.bad_marker or log.section is None:
        return Grade({}, False, False, empty)
    sm = status_map_of(log, parser, official_fallback=not strict, instance_id=instance.instance_id)
    if not sm and not SUITE_RAN.search(log.text):
        return Grade({}, False, False, empty)
    if log.exit_code not in (None, 0) and sm and not any(s in FAILING for s in sm.values()):
        return Grade({}, False, False, empty)  # exit status says something failed; the log says nothing did
    violations: tuple[str, ...] = ()
    if strict:
        graded = set(instance.FAIL_TO_PASS) | set(instance.PASS_TO_PASS)
        violations, sm = find_violations(log, parser, sm, graded, instance_id=instance.instance_id)
    report = build_tests_status(sm, instance.FAIL_TO_PASS, instance.PASS_TO_PASS, eval_type)
    resolved = _all_pass(report[F2P]) and _all_pass(report[P2P]) and not violations
    return Grade(sm, True, resolved, report, violations)
