"""doctest's verbose summaries: items that ``passed all tests`` and items that ``had failures``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register

_PASSED_HEAD = re.compile(r"^\d+ items? passed all tests:$")
_FAILED_HEAD = re.compile(r"^\d+ items? had failures:$")
_PASSED_ITEM = re.compile(r"^\s+\d+ tests? in (\S+)$")
_FAILED_ITEM = re.compile(r"^\s+\d+ of\s+\d+ in (\S+)$")


@register("doctest")
def doctest_events(log: str) -> Iterator[Event]:
    section: TestStatus | None = None
    for line in lines(log):
        if _PASSED_HEAD.match(line):
            section = TestStatus.PASSED
            continue
        if _FAILED_HEAD.match(line):
            section = TestStatus.FAILED
            continue
        item = (_PASSED_ITEM if section is TestStatus.PASSED else _FAILED_ITEM).match(line) if section else None
        if item:
            yield item.group(1), section
        else:
            section = None
