"""``go test -v``: one ``--- PASS: TestName (0.01s)`` line per finished test or subtest.

Subtests are reported under their full path (``TestDiv/rounds_down``, spaces already turned into
underscores by ``go test``), indented below their parent; the indentation is ignored. Only result lines
that *start* a line count, as in the official parser: a test that prints without a final newline glues
its own result onto its output (``progress: 100%--- PASS: TestX``) and goes unreported, and so does
every test of a package that panicked or failed to build (``FAIL pkg [build failed]``), which the
grader then treats as not passing. ``go test`` exits non-zero whenever a test or a build failed.
"""

from __future__ import annotations

import re

from ...types import TestStatus
from . import Event, per_line, register

# The duration in parentheses closes the line; the name runs up to the last " (" before it.
_RESULT = re.compile(r"--- (?P<word>PASS|FAIL|SKIP): (?P<name>.+) \(.+\)")
_STATUS = {"PASS": TestStatus.PASSED, "FAIL": TestStatus.FAILED, "SKIP": TestStatus.SKIPPED}


def _event(line: str) -> Event | None:
    m = _RESULT.fullmatch(line.strip())
    return (m["name"], _STATUS[m["word"]]) if m else None


gotest_events = register("parse_log_gotest", family="gotest")(per_line(_event))
