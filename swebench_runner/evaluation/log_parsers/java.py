"""Java runners: Maven Surefire, Ant's ``<junit>`` with Lombok's formatter, and Gradle's test events.

* ``parse_log_maven``: Surefire prints no line per passing test, so the Multilingual eval scripts run
  one ``mvn test -Dtest=Class#method`` per test, chained with ``&&`` under ``set -x``. A test's id is the
  ``-Dtest=`` value of a traced command, and its result the next ``BUILD SUCCESS`` / ``BUILD FAILURE``
  (first command, first result). A result with no command waiting is kept and paired, in order, with
  commands whose trace line was printed late (``set -x`` writes to stderr, Maven to stdout). A test
  whose command never ran, because an earlier one failed the ``&&`` chain, has no result at all. A
  skipped test builds successfully and so counts as passed, as in the official grader.
* ``parse_log_ant``: Lombok's ``SimpleTestFormatter`` prints ``[junit] [PASS] name(Class)`` when a test
  ends, and ``[FAIL]``/``[ERR]`` with the message when one fails; ``[ERR]`` counts as failed.
* ``parse_log_gradle_custom``: Gradle with ``testLogging.events`` printing ``Class > method PASSED``;
  a name and its status split over lines by other output in between are joined again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register

_OUTCOME = {"SUCCESS": TestStatus.PASSED, "FAILURE": TestStatus.FAILED, "PASSED": TestStatus.PASSED,
            "FAILED": TestStatus.FAILED, "PASS": TestStatus.PASSED, "FAIL": TestStatus.FAILED,
            "ERR": TestStatus.FAILED}

# The last -Dtest= of the traced command (``+ mvnd test -B -pl gson -Dtest=pkg.Class#method``). A value
# that starts with ``$`` is a loop's command traced before expansion (``+ bash -xc 'for t in ...; do mvn
# -Dtest=$t; done'``), not a test: taken for one, it would shift every later result by one.
_MAVEN_TEST = re.compile(r".*-Dtest=(?P<test>[^$\s]\S*)")
_MAVEN_RESULT = re.compile(r".*BUILD (?P<outcome>SUCCESS|FAILURE)")


@register("parse_log_maven", family="maven")
def maven_events(log: str) -> Iterator[Event]:
    waiting: list[str] = []  # tests whose command was traced and has no result yet, oldest first
    early: list[str] = []  # results that came before any traced command was waiting for them
    for raw in lines(log):
        line = raw.strip()
        test = _MAVEN_TEST.match(line)
        if test:
            waiting.append(test["test"])
        result = _MAVEN_RESULT.fullmatch(line)
        if result:
            if waiting:
                yield waiting.pop(0), _OUTCOME[result["outcome"]]
            else:
                early.append(result["outcome"])
    for test, outcome in zip(waiting, early, strict=False):  # late trace lines take the results left over, in order
        yield test, _OUTCOME[outcome]


_ANT_RESULT = re.compile(r"\[junit\]\s+\[(?P<word>PASS|FAIL|ERR)\]\s+(?P<name>.*)")


@register("parse_log_ant", family="ant", exit_code_reliable=False)
def ant_events(log: str) -> Iterator[Event]:
    """Lombok's formatter reports a failing test twice: ``[FAIL] t`` (or ``[ERR] t``) and its message
    from JUnit's failure callback, then ``[PASS] t`` from the end-of-test callback, which it calls for
    every test. That ``[PASS]`` closes the failure and is no result; the official parser takes it as
    one, so every failing test comes out passed there (a deliberate difference: ours stays failed). A
    ``[PASS]`` of a test whose previous result line was not its own failure is a pass.

    ``ant test.instance`` is a target of the evaluation image, not of Lombok, and Ant's ``<junit>``
    fails the build on failing tests only when told to (``haltonfailure``), so its exit status is not
    relied on.
    """
    failing: str | None = None  # the test of the last result line, if that line was a failure
    for raw in lines(log):
        m = _ANT_RESULT.fullmatch(raw.strip())
        if not m:
            continue
        name, word = m["name"], m["word"]
        if word == "PASS" and name == failing:
            failing = None  # the end of the test that just failed
            continue
        failing = name if word != "PASS" else None
        yield name, _OUTCOME[word]


# ``pkg.Class > method PASSED``; the first character is no ``>`` (a shell prompt or quoted output).
_GRADLE_RESULT = re.compile(r"(?P<name>[^>].+)\s+(?P<word>PASSED|FAILED)")
_GRADLE_NAME = re.compile(r"[^>]\S*\s+>\s+\S+")  # a result line cut before its status
_GRADLE_STATUS = re.compile(r"PASSED|FAILED")  # ... whose status came later on a line of its own


@register("parse_log_gradle_custom", family="gradle")
def gradle_events(log: str) -> Iterator[Event]:
    """Skipped tests (``... SKIPPED``) are no result. A line naming a test without a status waits for a
    line that is only ``PASSED`` or ``FAILED``; lines in between (warnings of other processes) are
    passed over, and another such name replaces the waiting one. Any line ending in a status counts,
    so Gradle's ``:test FAILED`` task line is recorded as a failed ``:test``, as in the official parser."""
    waiting: str | None = None
    for raw in lines(log):
        line = raw.strip()
        result = _GRADLE_RESULT.fullmatch(line)
        if result:
            waiting = None
            yield result["name"], _OUTCOME[result["word"]]
        elif _GRADLE_NAME.fullmatch(line):
            waiting = line
        elif waiting is not None and _GRADLE_STATUS.fullmatch(line):
            yield waiting, _OUTCOME[line]
            waiting = None
