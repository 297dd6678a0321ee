"""pytest's ``-rA`` short test summary: ``PASSED id``, ``FAILED id - message``, ``XFAIL id``...

Three official variants live here, each a small change to how one summary line becomes an event:

* ``pytest``: the id is the second whitespace-separated word of the line.
* ``pytest_options``: as ``pytest``, but a parametrized id whose parameter is an absolute path keeps
  only the path's last component (``test_x[/tmp/abc/test_utils.py]`` -> ``test_x[/test_utils.py]``),
  because the datasets were recorded in checkouts at other paths than ours.
* ``pytest_v2``: colour codes and control characters are removed first, ids may contain spaces
  (everything after the status word, up to a ``" - "`` message on FAILED lines), and lines that *end*
  with a status (``id PASSED``, the ``-v`` progress lines of old pytest versions) count too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, per_line, register, status_of

STARTS = tuple(s.value for s in TestStatus)
# ``SKIPPED [3] tests/test_x.py:12: reason`` counts skips of one reason; ``[3]`` is not a test id.
_SKIP_COUNT = re.compile(r"^\[\d+\]$")
# ``test_x[<option>]``: the id before the first ``[`` that has a ``]`` after it, the option up to the last ``]``.
_OPTION = re.compile(r"(.*?)\[(.*)\]")
# pytest_v2 removes ``[32m``-style colour codes (their ESC byte goes with the control characters).
_COLOUR = re.compile(r"\[(\d+)m")
_CONTROL = str.maketrans("", "", "".join(chr(c) for c in range(1, 32)))

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
SUMMARY_RE = re.compile(r"^=+ (?P<body>.*?) in [\d.]+ ?s(?:econds)?(?: \([^)]*\))? =+$", re.M)
COUNT_RE = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)")


def is_skip_count(status: TestStatus, word: str) -> bool:
    return status is TestStatus.SKIPPED and bool(_SKIP_COUNT.match(word))


def summary_event(line: str) -> Event | None:
    """One ``STATUS id`` summary line as an event; None for any other line.

    A FAILED line's ``" - message"`` separators are blanked before splitting, so the message never
    becomes the id. A first word that merely starts with a status (``ERROR:`` of a usage error) is no
    status and yields nothing.
    """
    if not line.startswith(STARTS):
        return None
    if line.startswith(TestStatus.FAILED.value):
        line = line.replace(" - ", " ")
    words = line.split()
    if len(words) < 2:
        return None
    status = status_of(words[0])
    if status is None or is_skip_count(status, words[1]):
        return None
    return words[1], status


pytest_events = register("pytest", family="pytest")(per_line(summary_event))


def collapse_path_option(test_id: str) -> str:
    """``test_x[/abs/path/file.py]`` -> ``test_x[/file.py]``; other ids lose only text after the last ``]``.

    Options starting with ``//`` or containing ``*`` are kept whole: they are URLs and globs, not paths
    of the machine that recorded the dataset.
    """
    m = _OPTION.search(test_id)
    if m is None:
        return test_id
    head, option = m.groups()
    if option.startswith("/") and not option.startswith("//") and "*" not in option:
        option = "/" + option.split("/")[-1]
    return f"{head}[{option}]"


@register("pytest_options", family="pytest")
def pytest_options_events(log: str) -> Iterator[Event]:
    for test_id, status in pytest_events(log):
        yield collapse_path_option(test_id), status


def _v2_event(line: str) -> Event | None:
    line = _COLOUR.sub("", line).translate(_CONTROL)
    if line.startswith(STARTS):
        if line.startswith(TestStatus.FAILED.value):
            line = line.split(" - ", 1)[0]
        words = line.split()
        status = status_of(words[0]) if len(words) >= 2 else None
        if status is None or is_skip_count(status, words[1]):
            return None
        return " ".join(words[1:]), status
    if line.endswith(STARTS):  # ``tests/test_x.py::test_y PASSED``
        words = line.split()
        status = status_of(words[-1]) if len(words) >= 2 else None
        return (" ".join(words[:-1]), status) if status is not None else None
    return None


pytest_v2_events = register("pytest_v2", family="pytest")(per_line(_v2_event))


def summary_counts(log: str) -> dict[str, int] | None:
    """Counts from pytest's final ``=== 3 passed, 1 failed in 0.12s ===`` bar, or None if absent.

    Colour codes and carriage returns are removed first (sphinx's tox config forces ``--color yes``),
    and pytest < 5.3's ``in 0.12 seconds`` spelling is accepted.
    """
    plain = _ANSI.sub("", log).replace("\r", "")
    bars = list(SUMMARY_RE.finditer(plain))
    if not bars:
        return None
    counts: dict[str, int] = {}
    for n, word in COUNT_RE.findall(bars[-1].group("body")):
        key = {"error": "errors", "warning": "warnings"}.get(word, word)
        counts[key] = counts.get(key, 0) + int(n)
    return counts
