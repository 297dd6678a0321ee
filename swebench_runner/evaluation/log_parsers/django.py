"""Django's ``tests/runtests.py --verbosity 2``: unittest lines ``name (module.Class) ... ok``.

The id is everything before the ``" ... "`` of the result line, so a test with a docstring is known by
its docstring's first line (``Regression test for #12345. ... ok``), as in the datasets. Django's
output is messier than plain unittest's, and the official parser's rules for it are kept exactly:

* A test whose own output interrupts its result line (``test_x (m.C) ... Internal Server Error: /x/``
  then ``ok`` on a later line) is marked passed by any later line that starts with ``ok``; the test is
  the last one seen with ``" ... "`` in its line.
* ``FAIL: name (module.Class)`` and ``ERROR: ...`` headers of the failure report record the bare
  method name (``name``), not the full id.
* Three known interruptions are also matched across lines on the raw log, after everything else
  (``Testing against Django installed in ... silenced).`` / ``Internal Server Error: /x/`` / ``System
  check identified no issues (0 silenced)`` followed by a line ``ok``).
* ``--version is equivalent to version`` (a docstring that the runner splits over lines) passes
  wherever it appears, and django__django-7188's migration output glued to a result line is unglued.

``runtests.py`` exits non-zero exactly when a test failed or errored, so its exit status is reliable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register

_VERSION_DOC = "--version is equivalent to version"
_PASS_SUFFIXES = (" ... ok", " ... OK", " ...  OK")
_PLAIN_STARTS = ("FAIL:", "ERROR:", "ok")  # the only rules that need no " ... " in the line
_GLUED_MIGRATION = "Applying sites.0002_alter_domain_unique...test_no_migrations"
_INTERRUPTED = (
    re.compile(r"^(.*?)\s\.\.\.\sTesting\ against\ Django\ installed\ in\ ((?s:.*?))\ silenced\)\.\nok$", re.M),
    re.compile(r"^(.*?)\s\.\.\.\sInternal\ Server\ Error:\ \/(.*)\/\nok$", re.M),
    re.compile(r"^(.*?)\s\.\.\.\sSystem check identified no issues \(0 silenced\)\nok$", re.M),
)


def _passed_suffix(line: str) -> tuple[str, str] | None:
    """(line, suffix) for a line ending in a pass suffix, the line unglued from 7188's migration output."""
    for suffix in _PASS_SUFFIXES:
        if line.endswith(suffix):
            if line.startswith(_GLUED_MIGRATION):
                line = line.split("...", 1)[-1].strip()
            return line, suffix
    return None


def _header_name(line: str) -> str | None:
    words = line.split()
    return words[1] if len(words) > 1 else None


def _line_events(line: str, prev_test: str | None) -> Iterator[Event]:
    """Events of one stripped line, in the order the official rules apply them (the last one wins)."""
    if _VERSION_DOC in line:
        yield _VERSION_DOC, TestStatus.PASSED
    passed = _passed_suffix(line)
    if passed is not None:
        line, suffix = passed
        yield line.rsplit(suffix, 1)[0], TestStatus.PASSED
    if " ... skipped" in line:
        yield line.split(" ... skipped")[0], TestStatus.SKIPPED
    if line.endswith(" ... FAIL"):
        yield line.split(" ... FAIL")[0], TestStatus.FAILED
    if line.startswith("FAIL:") and (name := _header_name(line)) is not None:
        yield name, TestStatus.FAILED
    if line.endswith(" ... ERROR"):
        yield line.split(" ... ERROR")[0], TestStatus.ERROR
    if line.startswith("ERROR:") and (name := _header_name(line)) is not None:
        yield name, TestStatus.ERROR
    if line.startswith("ok") and prev_test is not None:
        yield prev_test, TestStatus.PASSED


@register("django", family="django")
def django_events(log: str) -> Iterator[Event]:
    prev_test: str | None = None  # the last test whose result line had " ... ", for a late "ok"
    for raw in lines(log):
        line = raw.strip()
        if "..." not in line and not line.startswith(_PLAIN_STARTS) and _VERSION_DOC not in line:
            continue  # most lines of a Django log: migrations, tracebacks, database set-up
        if " ... " in line:
            prev_test = line.split(" ... ")[0]
        yield from _line_events(line, prev_test)
    # Each interruption pattern ends in a line that is exactly "ok"; without one, none can match.
    if "\nok\n" in log or log.endswith("\nok"):
        for pattern in _INTERRUPTED:
            for m in pattern.finditer(log):
                yield m.group(1), TestStatus.PASSED
