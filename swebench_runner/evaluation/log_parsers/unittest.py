"""unittest's verbose output: ``test_x (pkg.mod.Class.test_x) ... ok`` (and FAIL, ERROR, skipped)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register

_RESULT = re.compile(r"^(?P<test>\S.*?) \.\.\. (?P<rest>.*)$")
_OUTCOMES = (
    ("ok", TestStatus.PASSED),
    ("FAIL", TestStatus.FAILED),
    ("ERROR", TestStatus.ERROR),
    ("skipped", TestStatus.SKIPPED),
    ("expected failure", TestStatus.XFAIL),
    ("unexpected success", TestStatus.FAILED),
)
RAN_RE = re.compile(r"^Ran (\d+) tests? in ", re.M)


def _outcome(text: str) -> TestStatus | None:
    text = text.strip()
    for word, status in _OUTCOMES:
        if text == word or (word == "skipped" and text.startswith("skipped")):
            return status
    return None


@register("unittest")
def unittest_events(log: str) -> Iterator[Event]:
    pending: str | None = None  # a test whose result line was interrupted by its own output
    for line in lines(log):
        m = _RESULT.match(line)
        if m:
            status = _outcome(m.group("rest"))
            if status is None:
                pending = m.group("test")
                continue
            pending = None
            yield m.group("test"), status
        elif pending is not None:
            status = _outcome(line)
            if status is not None:
                yield pending, status
                pending = None


def ran_count(log: str) -> int | None:
    found = RAN_RE.findall(log)
    return int(found[-1]) if found else None
