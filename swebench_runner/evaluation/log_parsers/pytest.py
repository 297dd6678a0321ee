"""pytest's ``-rA`` short test summary: ``PASSED id``, ``FAILED id - message``, ``XFAIL id``..."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register, status_of

_STARTS = tuple(s.value for s in TestStatus)
SUMMARY_RE = re.compile(r"^=+ (?P<body>.*?) in [\d.]+s(?: \([^)]*\))? =+$", re.M)
COUNT_RE = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)")


@register("pytest")
def pytest_events(log: str) -> Iterator[Event]:
    for line in lines(log):
        if not line.startswith(_STARTS):
            continue
        if line.startswith(TestStatus.FAILED.value):
            line = line.replace(" - ", " ")
        parts = line.split()
        if len(parts) <= 1:
            continue
        status = status_of(parts[0])
        if status is not None:
            yield parts[1], status


def summary_counts(log: str) -> dict[str, int] | None:
    """Counts from pytest's final ``=== 3 passed, 1 failed in 0.12s ===`` bar, or None if absent."""
    bars = list(SUMMARY_RE.finditer(log))
    if not bars:
        return None
    counts: dict[str, int] = {}
    for n, word in COUNT_RE.findall(bars[-1].group("body")):
        key = {"error": "errors", "warning": "warnings"}.get(word, word)
        counts[key] = counts.get(key, 0) + int(n)
    return counts
