"""C and C++ runners: redis/valkey's Tcl suite, jq's ``make check``, C++ doctest's XML, MicroPython's
``run-tests.py`` and GoogleTest (run through ``ctest -V``).

* ``parse_log_redis``: ``[ok]: name (3 ms)``, ``[err]: name in tests/unit/x.tcl``, ``[skip]: name`` and
  ``[ignore]: name: reason`` (the reason stays in the id). The duration and the ``in <file>`` of a
  failure are not part of the id. ``[exception]`` lines (a crashed test client) name no test.
* ``parse_log_jq``: the automake test driver's ``PASS: tests/jqtest`` / ``FAIL: ...``, one per test
  script; ``SKIP``, ``XFAIL`` and ``ERROR`` lines are no result.
* ``parse_log_micropython_test``: ``pass  basics/fun1.py``, ``FAIL  ...``, ``skip  ...``.
* ``parse_log_googletest``: ``[       OK ] Suite.Name (0 ms)`` and ``[  FAILED  ] Suite.Name (0 ms)``,
  whatever precedes them (ctest's ``1: `` prefix); the summary's ``[  FAILED  ] Suite.Name`` has no
  duration and does not count, nor does ``[  SKIPPED ]``. A typed test's failure keeps its
  ``, where TypeParam = long`` in the id, as in the official parser.
* ``parse_log_doctest``: the XML report of a doctest binary run with ``-s -r=xml`` (see ``doctest_events``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, per_line, register

_WORDS = {"ok": TestStatus.PASSED, "err": TestStatus.FAILED, "skip": TestStatus.SKIPPED,
          "ignore": TestStatus.SKIPPED, "PASS": TestStatus.PASSED, "FAIL": TestStatus.FAILED,
          "pass": TestStatus.PASSED, "OK": TestStatus.PASSED, "FAILED": TestStatus.FAILED}

_REDIS = re.compile(r"\[(?P<word>ok|err|skip|ignore)\]:\s(?P<name>.+?)(?:\s\(\d+\s*m?s\))?")
_REDIS_FILE = re.compile(r"\s+in\s+\S+$")  # "... in tests/unit/acl.tcl" closing a failure's name
_JQ = re.compile(r"\s*(?P<word>PASS|FAIL):\s(?P<name>.+)")
_MICROPYTHON = re.compile(r"(?P<word>pass|FAIL|skip)\s+(?P<name>.+)")
# The last bracketed OK/FAILED of the line, then the name up to the last " (" before ")" at the end.
_GTEST = re.compile(r".*\[\s*(?P<word>OK|FAILED)\s*\]\s(?P<name>.*)\s\(.*\)")


def _redis_event(line: str) -> Event | None:
    m = _REDIS.fullmatch(line.strip())
    if m is None:
        return None
    name = _REDIS_FILE.sub("", m["name"]) if m["word"] == "err" else m["name"]
    return name, _WORDS[m["word"]]


def _matcher(pattern: re.Pattern[str]):
    def event(line: str) -> Event | None:
        m = pattern.fullmatch(line.strip())
        return (m["name"], _WORDS[m["word"]]) if m else None

    return event


redis_events = register("parse_log_redis", family="redis")(per_line(_redis_event))
jq_events = register("parse_log_jq", family="automake")(per_line(_matcher(_JQ)))
micropython_events = register("parse_log_micropython_test", family="micropython")(per_line(_matcher(_MICROPYTHON)))
googletest_events = register("parse_log_googletest", family="googletest")(per_line(_matcher(_GTEST)))


def _xml_elements(log: str) -> Iterator[ET.Element]:
    """The ``TestCase`` elements of the first ``<doctest>`` report in ``log``, each once complete.

    Read incrementally, so a report cut short (the binary killed mid-run) still gives the test cases
    it finished; the official parser raises a ParseError on such a log.
    """
    start = log.find("<doctest")
    if start < 0:
        return
    end = log.find("</doctest>", start)
    text = log[start:end + len("</doctest>")] if end >= 0 else log[start:]
    parser = ET.XMLPullParser(events=("end",))
    try:
        parser.feed(text)
        for _, element in parser.read_events():
            if element.tag == "TestCase":
                yield element
    except ET.ParseError:
        return


@register("parse_log_doctest", family="doctest-cpp")
def doctest_events(log: str) -> Iterator[Event]:
    """One result per ``SubCase`` (nested ones too) of each ``TestCase``: ``<test case> > <subcase>``.

    A subcase passed when every ``Expression`` inside it (its nested subcases' included) succeeded.
    Test cases without subcases are not reported (the dataset's ids all name a subcase). doctest runs
    a test case once per leaf subcase and reports the enclosing subcases each time, so an outer
    subcase is reported once per run, the last one winning. A deliberate difference: a subcase holding
    an ``Exception`` (an exception thrown, or a crash such as SIGABRT, which doctest reports before
    dying) failed; the official parser, counting only expressions, passes it.
    """
    for case in _xml_elements(log):
        for sub in case.iter("SubCase"):
            passed = all(e.get("success") == "true" for e in sub.iter("Expression"))
            crashed = next(sub.iter("Exception"), None) is not None
            yield f"{case.get('name')} > {sub.get('name')}", (
                TestStatus.PASSED if passed and not crashed else TestStatus.FAILED)
