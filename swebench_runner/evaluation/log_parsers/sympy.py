"""sympy's own runner (``bin/test -C --verbose``): ``test_name ok`` / ``F`` / ``E`` lines, and a
``____ sympy/x/tests/test_y.py:test_name ____`` header above each failure's traceback.

Lines ending in ``f`` (expected failure), ``X`` or ``s`` are not recorded, as in the official parser,
so such a test counts as missing. ``bin/test`` exits 1 when a test failed or errored and 0 otherwise,
so its exit status is reliable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, register

# The failure header. Deliberately as loose as the official pattern: any line with a space, later
# ``.py:`` and later another space matches, the id running from after the first space to the last one.
_HEADER = re.compile(r"(_*) (.*)\.py:(.*) (_*)")
_ENDINGS = ((" E", TestStatus.ERROR), (" F", TestStatus.FAILED), (" ok", TestStatus.PASSED))


def _header_events(log: str) -> Iterator[Event]:
    for line in lines(log):
        m = _HEADER.search(line)
        if m:
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
