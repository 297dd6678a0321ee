"""Reading an evaluation log: which patch rung applied, the test section, the exit code.

Our eval script wraps the test output in markers that carry a one-time nonce, so lines the code under
test prints (a forged end marker, a forged exit code) are just text inside the section. Logs from the
official harness have no nonce; they are read the way the official grader reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .eval_script import (
    APPLIED,
    APPLY_FAILED,
    END,
    EXIT_CODE,
    RESET_FAILED,
    START,
    TEST_NANOSECONDS,
    TEST_PATCH_FAILED,
    TIMED_OUT,
)

# Markers the official harness writes when a phase fails before the tests ran.
OFFICIAL_BAD_MARKERS = (APPLY_FAILED, RESET_FAILED, ">>>>> Tests Errored", TIMED_OUT)
# Ours: a phase before the tests stopped the script.
PRE_TEST_FAILURES = (APPLY_FAILED, RESET_FAILED, TEST_PATCH_FAILED)


@dataclass(frozen=True)
class TestLog:
    text: str
    section: str | None  # test output between the markers; None if the tests never ran
    exit_code: int | None
    timed_out: bool
    applied_with: str | None  # the apply-ladder rung that took the model patch
    bad_marker: str | None  # a failure marker printed before the tests
    test_seconds: float | None = None  # the test command's own wall time, measured in the container


def _marker_line(marker: str, text: str) -> bool:
    return re.search(rf"^{re.escape(marker)}$", text, re.M) is not None


def read(text: str, nonce: str | None = None, *, row_script: bool = False) -> TestLog:
    """Read a log. ``row_script``: our nonce'd section wraps a dataset row's own eval script, whose
    official markers delimit the test output inside it and whose exit code line follows its end marker."""
    log = _read(text, nonce)
    if not row_script or log.section is None:
        return log
    inner = _read(log.section, None)
    # The real exit-code line follows the test command; one the code under test printed comes before it.
    codes = re.findall(rf"^{re.escape(EXIT_CODE)}:\s*(-?\d+)\s*$", log.section, re.M)
    return replace(log, section=inner.section, exit_code=int(codes[-1]) if codes else None,
                   bad_marker=log.bad_marker or inner.bad_marker)


def _read(text: str, nonce: str | None) -> TestLog:
    applied = re.search(rf"^{re.escape(APPLIED)} \((.+)\)$", text, re.M)
    if nonce is None:  # a log of the official harness
        bad = next((m for m in OFFICIAL_BAD_MARKERS if m in text), None)
        section = text.split(START, 1)[1].split(END, 1)[0] if START in text and END in text else None
        code = re.search(rf"{re.escape(EXIT_CODE)}:\s*(-?\d+)", text)
        return TestLog(text=text, section=section, exit_code=int(code.group(1)) if code else None,
                       timed_out=TIMED_OUT in text, applied_with=applied.group(1) if applied else None,
                       bad_marker=bad)
    tag = f" [{nonce}]"
    start, end = f"{START}{tag}\n", f"{END}{tag}\n"
    a = text.find(start)
    b = text.find(end, a + len(start)) if a >= 0 else -1
    section = text[a + len(start): b] if a >= 0 and b >= 0 else None
    before, after = (text[:a], text[b:]) if section is not None else (text, "")
    code = re.search(rf"^{re.escape(EXIT_CODE)}: (-?\d+){re.escape(tag)}$", after, re.M)
    ns = re.search(rf"^{re.escape(TEST_NANOSECONDS)}: (\d+){re.escape(tag)}$", after, re.M)
    return TestLog(text=text, section=section, exit_code=int(code.group(1)) if code else None,
                   timed_out=f"{TIMED_OUT}{tag}" in after, applied_with=applied.group(1) if applied else None,
                   bad_marker=next((m for m in PRE_TEST_FAILURES if _marker_line(m, before)), None),
                   test_seconds=int(ns.group(1)) / 1e9 if ns else None)
