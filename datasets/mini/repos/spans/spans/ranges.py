"""Parse and format range strings such as ``"1-3,5,8-10"``.

The numbers in a range string are inclusive (page 1 to page 3), while the
resulting intervals are half-open: ``"1-3"`` becomes ``Interval(1, 4)``.
"""

from __future__ import annotations

from .interval import Interval
from .intervalset import IntervalSet


def _parse_token(token: str) -> Interval:
    text = token.strip()
    if not text:
        raise ValueError("empty range token")
    # A leading "-" would be a negative number, so look for the dash after
    # the first character.
    dash = text.find("-", 1)
    try:
        if dash == -1:
            lo = hi = int(text)
        else:
            lo = int(text[:dash])
            hi = int(text[dash + 1:])
    except ValueError:
        raise ValueError(f"invalid range token {token.strip()!r}") from None
    assert lo <= hi, "range start must not be greater than its end"
    return Interval(lo, hi + 1)


def parse_ranges(text: str) -> IntervalSet:
    """Parse ``"1-3, 5, 8-10"`` into an :class:`IntervalSet`.

    Whitespace around tokens is ignored and an empty string gives an empty
    set.  Overlapping ranges are merged.
    """
    result = IntervalSet()
    if not text.strip():
        return result
    for token in text.split(","):
        result.add(_parse_token(token))
    return result


def format_ranges(intervals: IntervalSet) -> str:
    """The inverse of :func:`parse_ranges`: ``"1-3,5,8-10"``."""
    pieces = []
    for part in intervals:
        last = part.end - 1
        pieces.append(str(part.start) if part.start == last else f"{part.start}-{last}")
    return ",".join(pieces)
