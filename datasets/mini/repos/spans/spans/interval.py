"""A single half-open interval ``[start, end)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True, order=True)
class Interval:
    """The integers (or other ordered numbers) ``x`` with ``start <= x < end``.

    ``Interval(3, 3)`` is empty.  ``start`` may not be greater than ``end``.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"interval start {self.start!r} is after its end {self.end!r}")

    def __len__(self) -> int:
        return self.end - self.start

    def __contains__(self, point) -> bool:
        return self.start <= point < self.end

    def __str__(self) -> str:
        return f"[{self.start}, {self.end})"

    def is_empty(self) -> bool:
        return self.start == self.end

    def overlaps(self, other: "Interval") -> bool:
        """True if the two intervals share at least one point.

        Intervals that merely touch, like ``[0, 2)`` and ``[2, 4)``, do not
        overlap.
        """
        return self.start < other.end and other.start < self.end

    def intersection(self, other: "Interval") -> Optional["Interval"]:
        """The common part of both intervals, or ``None``."""
        if not self.overlaps(other):
            return None
        return Interval(max(self.start, other.start), min(self.end, other.end))

    def hull(self, other: "Interval") -> "Interval":
        """The smallest interval that contains both intervals."""
        return Interval(min(self.start, other.start), max(self.end, other.end))

    def shift(self, offset: int) -> "Interval":
        return Interval(self.start + offset, self.end + offset)
