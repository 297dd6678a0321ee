"""PHPUnit's ``--testdox`` output: a class header, then one marked line per test.

PHPUnit 10 and later head each class with its prettified name and the class in parentheses
(``Round (Tests\\Carbon\\Round)``); the tests below it are ``✔`` passed, ``✘`` failed or errored, ``↩``
skipped, and the id is ``<header name> > <test text>`` (``Round > Round with default unit``). Other marks
(``∅`` incomplete, ``⚠``/``☢`` risky) are no result. Two consequences of reading the headers that way
are kept because the dataset's ids were made by them: a header without parentheses (a class renamed
with ``@testdox``, or PHPUnit 9's plain headers) does not start a new class, so its tests go under the
previous header, and tests before any header are named ``None > ...``. PHPUnit exits non-zero when a
test failed or errored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register

_HEADER = re.compile(r"(?P<suite>\w.+) \(.+\)")
_TEST = re.compile(r"\s*(?P<mark>[✔✘↩])\s*(?P<text>.*)")
_STATUS = {"✔": TestStatus.PASSED, "✘": TestStatus.FAILED, "↩": TestStatus.SKIPPED}
NO_SUITE = "None"  # what the official parser writes for tests seen before any class header


@register("parse_log_phpunit", family="phpunit")
def phpunit_events(log: str) -> Iterator[Event]:
    suite = NO_SUITE
    for line in lines(log):
        header = _HEADER.fullmatch(line)
        if header:
            suite = header["suite"]
            continue
        test = _TEST.fullmatch(line)
        if test:
            yield f"{suite} > {test['text']}", _STATUS[test["mark"]]
