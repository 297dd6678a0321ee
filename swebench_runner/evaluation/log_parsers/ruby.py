"""Ruby runners: test-unit's verbose lines, RSpec's JSON turned into lines by jq, and jekyll's two runners.

* ``parse_log_ruby_unit`` (test-unit ``-v``): ``  test_name:\\t\\t.: (0.001)``, the mark ``.`` passed,
  ``F``/``E`` failed, ``O`` omitted (skipped); ``test 'x' do`` tests print as ``test: x:``, known by ``x``.
  Pending tests (``P``) are no result.
* ``parse_log_rspec_transformed_json``: the eval scripts pipe ``rspec --format json`` through jq into
  ``description - status`` lines (fastlane adds the example id: ``description - ./spec/x_spec.rb[1:2] -
  status``; rubocop merges equal descriptions, failed if any failed). Only ``passed`` and ``failed``
  count; a pending example is no result, as in the official parser, whose branch for it is never reached.
* ``parse_log_jekyll``: minitest ``-v`` through minitest-reporters (``TestX#test_: context should do y.
  0.00 = .``, the id is the text before the last ``". "``) for PRs 8047, 8167 and 9141; cucumber's
  progress marks after jekyll's own scenario header (``features/x.feature:6  Scenario: Name ..... (0.5s)``)
  for PRs 8761 and 8771.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, per_line, register

_MARKS = {".": TestStatus.PASSED, "F": TestStatus.FAILED, "E": TestStatus.FAILED, "O": TestStatus.SKIPPED,
          "passed": TestStatus.PASSED, "failed": TestStatus.FAILED}

# The name runs to the last ": " that a mark follows (the mark stands alone: ``E`` but not ``Error``).
_TEST_UNIT = re.compile(r"\s*(?:test: )?(?P<name>.+):\s+(?P<mark>\.|[EFO]\b)")
# A prefix match: the status may be followed by anything.
_RSPEC = re.compile(r"(?P<name>.+) - (?P<mark>passed|failed)")
# minitest: the name before the last ". ", then a "=" and a mark somewhere after it (the last one wins).
_MINITEST = re.compile(r"(?P<name>.+)\. .*=.*(?P<mark>[.FE]).*")
# cucumber: the scenario header, then at least two marks of which the first is a passed step's dot;
# an ``F`` right after the dots is a failed step, otherwise the last dot is read.
_CUCUMBER = re.compile(r"(?P<name>.*) \.+(?P<mark>[.F])")


def _prefix_event(pattern: re.Pattern[str], line: str) -> Event | None:
    m = pattern.match(line.strip())
    return (m["name"], _MARKS[m["mark"]]) if m else None


def _minitest_event(line: str) -> Event | None:
    m = _MINITEST.fullmatch(line.strip())
    return (m["name"], _MARKS[m["mark"]]) if m else None


def _test_unit_event(line: str) -> Event | None:
    return _prefix_event(_TEST_UNIT, line)


def _rspec_event(line: str) -> Event | None:
    return _prefix_event(_RSPEC, line)


def _cucumber_event(line: str) -> Event | None:
    return _prefix_event(_CUCUMBER, line)


ruby_unit_events = register("parse_log_ruby_unit", family="test-unit")(per_line(_test_unit_event))
rspec_events = register("parse_log_rspec_transformed_json", family="rspec")(per_line(_rspec_event))
minitest_events = per_line(_minitest_event)
cucumber_events = per_line(_cucumber_event)

_JEKYLL_MINITEST = {"8047", "8167", "9141"}
_JEKYLL_CUCUMBER = {"8761", "8771"}


@register("parse_log_jekyll", family="jekyll", wants_instance=True)
def jekyll_events(log: str, instance_id: str | None = None) -> Iterator[Event]:
    """The runner is chosen by the PR number (``jekyll__jekyll-8047`` -> ``8047``). The official parser
    raises for other instances; without a known instance ours reads a line as minitest's if it can and
    as cucumber's otherwise (minitest lines have a ``=``, the scenario lines none)."""
    pr = instance_id.split("-")[1] if instance_id and "-" in instance_id else None
    if pr in _JEKYLL_MINITEST:
        yield from minitest_events(log)
    elif pr in _JEKYLL_CUCUMBER:
        yield from cucumber_events(log)
    else:
        for line in lines(log):
            event = _minitest_event(line) or _cucumber_event(line)
            if event is not None:
                yield event
