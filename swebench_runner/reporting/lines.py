"""Plain-text lines for a submission check, a debug test run and an image disk estimate.

Computed here, printed by the CLI (``swerun submit``, ``swerun debug --tests``, ``swerun images
estimate | build``); no I/O, so they are tested and reused without a terminal.
"""

from __future__ import annotations


def check_lines(res) -> list[str]:
    """A ``subcheck.check_submission`` result: accepted or refused, the problems, the warnings."""
    lines = [f"Check of {res.folder}: {'accepted' if res.ok else 'REFUSED'}"]
    lines += [f"  refused: {p.line()}" for p in res.problems]
    lines += [f"  warning: {w}" for w in res.warnings]
    if res.results is not None:
        lines.append(f"  results.json: {len(res.results['resolved'])} resolved, {len(res.results['no_generation'])} "
                     f"without a patch, {len(res.results['no_logs'])} without logs")
    return lines


def debug_test_lines(outcome, limit: int = 40) -> list[str]:
    """A ``debug.run_tests`` outcome, test by test: differing tests first, then failing ones, then passing;
    past ``limit`` rows the passing ones are only counted."""
    verdict = {True: "pass", False: "fail", None: "-"}
    now = {f"{r.kind}::{r.name}": r for r in outcome.rows}
    rows = []
    for e in outcome.expected:
        key = f"{e.kind}::{e.name}"
        r = now.get(key)
        rank = 0 if key in outcome.differ else 1 if not (r and r.ok) else 2
        line = (f"{'!' if rank == 0 else ' '} {e.kind:<13}{verdict[e.ok]:<10}{verdict[r.ok if r else None]:<6}"
                f"{(r.observed or '-') if r else 'absent':<9}{e.name}")
        rows.append((rank, line))
    rows.sort(key=lambda x: x[0])
    shown = [line for rank, line in rows if rank < 2 or len(rows) <= limit]
    hidden = len(rows) - len(shown)
    return ([f"  {'kind':<13}{'expected':<10}{'now':<6}{'log':<9}test"] + shown
            + ([f"  ... and {hidden} tests passing as expected"] if hidden else []))
