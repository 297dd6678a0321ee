"""JavaScript runners: Jest, Vitest, TAP (mocha's ``-R tap``, QUnit's default), Karma's mocha reporter.

The ids are what each runner prints for a test, with the quirks of the official parsers kept, since
the dataset's FAIL_TO_PASS / PASS_TO_PASS lists were made with them:

* Jest ``--verbose``: ``✓`` / ``✕`` / ``○`` and the test's own title, without its describe blocks (so
  equal titles in two blocks share an id); a skip shows as ``○ skipped <title>`` and keeps the word
  ``skipped`` in the id. ``✎ todo`` lines are no result.
* Vitest ``--reporter=verbose``: ``✓`` / ``×`` / ``↓`` and ``file > suite > test``, less a trailing
  duration; a title whose last word is a bare number loses it as if it were one (``case 2`` -> ``case``).
* TAP: ``ok N title`` / ``not ok N title``, directives included in the id (``title # SKIP``).
* Karma (karma-mocha-reporter): the test lines between ``Starting browser`` and ``SUMMARY:``, named
  ``suite > ... > title`` from the indentation of the suite lines above them. Going back out of a
  nested suite forgets the suite line that did it, and a skipped test (``✖ title (skipped)``) counts as
  failed, as in the official parser.
* immutable-js: Jest ``--verbose`` for one instance, ``--json`` turned by the eval script's jq filter into
  ``[PASSED] suite > title`` lines for the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, per_line, register

_MARKS = {"✓": TestStatus.PASSED, "✕": TestStatus.FAILED, "×": TestStatus.FAILED, "○": TestStatus.SKIPPED,
          "↓": TestStatus.SKIPPED, "✔": TestStatus.PASSED, "✖": TestStatus.FAILED}

# ``✓ title (12 ms)``: the duration is optional and not part of the id.
_JEST = re.compile(r"\s*(?P<mark>[✓✕○])\s(?P<name>.+?)(?:\s\(\d+\s*m?s\))?")
# ``✓ file > suite > test 12ms`` or ``↓ ... [skipped]``; the unit of the duration is optional.
_VITEST = re.compile(r"\s*(?P<mark>[✓×↓])\s(?P<name>.+?)(?:\s(?:\d+\s*m?s?|\[skipped\]))?")
_JEST_JSON = re.compile(r"\[(?P<word>PASSED|FAILED)\]\s(?P<name>.+)")
_TAP = re.compile(r"(?P<word>ok|not ok) \d+ (?P<name>.+)")
_WORDS = {"PASSED": TestStatus.PASSED, "FAILED": TestStatus.FAILED, "ok": TestStatus.PASSED,
          "not ok": TestStatus.FAILED}


def _jest_event(line: str) -> Event | None:
    m = _JEST.fullmatch(line.strip())
    return (m["name"].strip(), _MARKS[m["mark"]]) if m else None


def _vitest_event(line: str) -> Event | None:
    m = _VITEST.fullmatch(line.strip())
    return (m["name"], _MARKS[m["mark"]]) if m else None


def _jest_json_event(line: str) -> Event | None:
    m = _JEST_JSON.fullmatch(line.strip())
    return (m["name"], _WORDS[m["word"]]) if m else None


def _tap_event(line: str) -> Event | None:
    m = _TAP.fullmatch(line.strip())
    return (m["name"], _WORDS[m["word"]]) if m else None


jest_events = register("parse_log_jest", family="jest")(per_line(_jest_event))
vitest_events = register("parse_log_vitest", family="vitest")(per_line(_vitest_event))
tap_events = register("parse_log_tap", family="tap")(per_line(_tap_event))
jest_json_events = per_line(_jest_json_event)  # not a Multilingual parser name of its own

# A karma-mocha-reporter line: indentation, a mark for a test (none for a suite), a space, the text.
# The indentation is measured as the regex finds it, one space short for a suite line.
_KARMA = re.compile(r"(?P<indent>\s*)(?P<mark>[✔✖])?\s(?P<text>.*)")


@register("parse_log_karma", family="karma")
def karma_events(log: str) -> Iterator[Event]:
    suites: list[str] = []
    depth = -1  # the indentation of the innermost suite line seen
    started = False
    for line in lines(log):
        if line.startswith("SUMMARY:"):
            return  # the summary repeats the failures; the per-test lines are over
        if "Starting browser" in line:
            started = True
            continue
        m = _KARMA.fullmatch(line) if started else None
        if m is None:
            continue
        indent, mark = len(m["indent"]), m["mark"]
        if mark is None:
            if indent > depth and indent:
                depth = indent
                suites.append(m["text"])
            elif 0 < indent < depth:
                depth = indent
                if suites:  # the official parser raises IndexError here (a deliberate difference)
                    suites.pop()
            continue
        yield " > ".join([*suites, m["text"]]), _MARKS[mark]


@register("parse_log_immutable_js", family="jest", wants_instance=True)
def immutable_js_events(log: str, instance_id: str | None = None) -> Iterator[Event]:
    """PR 2006's eval script runs Jest ``--verbose``, PR 2005's the ``--json`` + jq form. The official
    parser raises for any other instance; without a known instance ours reads both forms, which no
    line of either run can be mistaken for."""
    pr = instance_id.split("-")[-1] if instance_id else None
    if pr == "2006":
        yield from jest_events(log)
    elif pr == "2005":
        yield from jest_json_events(log)
    else:
        for line in lines(log):
            event = _jest_event(line) or _jest_json_event(line)
            if event is not None:
                yield event
