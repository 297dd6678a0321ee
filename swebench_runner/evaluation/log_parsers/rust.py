"""``cargo test``: libtest's ``test path::to::name ... ok`` lines, from every test binary of the run.

The id is the test's path inside its binary (``tests::adds``, ``cli_passes``); the binary is not part
of it, so same-named tests of two binaries share an entry (the later line wins). As in the official
parser only single-word ids with the outcome ``ok`` or ``FAILED`` count. Ignored tests (``... ignored``,
``... ignored, reason``) are left out rather than marked skipped, so a graded ignored test counts as
missing, exactly as the official grader counts it; so are ids with spaces, which libtest prints for
``#[should_panic]`` tests (``tests::overflows - should panic ... ok``) and doc-tests (``src/lib.rs -
add (line 3) ... ok``). ``cargo test`` exits non-zero when any test of any binary failed.
"""

from __future__ import annotations

import re

from ...types import TestStatus
from . import Event, per_line, register

_RESULT = re.compile(r"test\s+(?P<name>\S+)\s+\.\.\.\s+(?P<outcome>ok|FAILED)")
_STATUS = {"ok": TestStatus.PASSED, "FAILED": TestStatus.FAILED}


def _event(line: str) -> Event | None:
    m = _RESULT.fullmatch(line.strip())
    return (m["name"], _STATUS[m["outcome"]]) if m else None


cargo_events = register("parse_log_cargo", family="cargo")(per_line(_event))
