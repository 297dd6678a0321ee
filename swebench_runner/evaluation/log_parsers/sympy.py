"""sympy's own runner (``bin/test -C --verbose``): ``test_name ok`` / ``F`` / ``E`` lines, and a
``____ sympy/x/tests/test_y.py:test_name ____`` header above each failure's traceback.

Kept exactly as the official parser reads it, quirks included: lines ending in ``f`` (expected
failure), ``X`` or ``s`` are not recorded, and neither is the last test of each file, whose line ends
in the file's verdict (``test_Monomial ok    [OK]``), so such tests count as missing. The headers add
``path.py:name`` ids, all FAILED, even above an error's traceback. ``bin/test`` exits 1 when a test
failed or errored and 0 otherwise, so its exit status is reliable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register

# The failure header, as loose as the official pattern: any line with a space followed somewhere by
# ``.py:`` and then another space matches; the id runs from after that first space to the last space.
_HEADER = re.compile(r"(_*) (.*)\.py:(.*) (_*)")
_ENDINGS = ((" E", TestStatus.ERROR), (" F", TestStatus.FAILED), (" ok", TestStatus.PASSED))


def _header_events(log: str) -> Iterator[Event]:
    # Line by line equals one scan of the whole log: nothing in the pattern matches a newline, and a
    # line holds at most one match (the id runs to its last space). Lines without ".py:" cannot match,
    # and skipping them avoids the pattern's slow backtracking over long lines.
    for line in lines(log):
        if ".py:" in line and (m := _HEADER.search(line)):
            yield f"{m.group(2)}.py:{m.group(3)}", TestStatus.FAILED


def _result_events(log: str) -> Iterator[Event]:
    for line in lines(log):
        line = line.strip()
        if not line.startswith("test_"):
            continue
        for ending, status in _ENDINGS:
            if line.endswith(ending):
                yield line.split()[0], status


@register("sympy", family="sympy")
def sympy_events(log: str) -> Iterator[Event]:
    # Headers first, then result lines, so a result line overrides a header of the same id when folded.
    yield from _header_events(log)
    yield from _result_events(log)
