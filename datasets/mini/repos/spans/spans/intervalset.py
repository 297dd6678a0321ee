"""A normalised collection of disjoint intervals."""

from __future__ import annotations

from typing import Iterable, Iterator, List, Optional

from .interval import Interval


class IntervalSet:
    """A set of points stored as sorted, non-overlapping intervals.

    Adding an interval merges it with the parts it overlaps; removing an
    interval cuts it out of every part it overlaps.
    """

    def __init__(self, intervals: Iterable[Interval] = ()) -> None:
        self._parts: List[Interval] = []
        for interval in intervals:
            self.add(interval)

    # -- mutation ---------------------------------------------------------
    def add(self, interval: Interval) -> None:
        if interval.is_empty():
            return
        merged = interval
        kept = []
        for part in self._parts:
            if part.overlaps(merged):
                merged = merged.hull(part)
            else:
                kept.append(part)
        kept.append(merged)
        kept.sort()
        self._parts = kept

    def remove(self, interval: Interval) -> None:
        remaining = []
        for part in self._parts:
            if not part.overlaps(interval):
                remaining.append(part)
                continue
            if part.start < interval.start:
                remaining.append(Interval(part.start, interval.start))
            elif part.end > interval.end:
                remaining.append(Interval(interval.end, part.end))
        self._parts = remaining

    def clear(self) -> None:
        self._parts = []

    # -- queries ----------------------------------------------------------
    def __iter__(self) -> Iterator[Interval]:
        return iter(list(self._parts))

    def __len__(self) -> int:
        """Number of disjoint parts (not the number of points)."""
        return len(self._parts)

    def __bool__(self) -> bool:
        return bool(self._parts)

    def __contains__(self, point) -> bool:
        return any(point in part for part in self._parts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        return self._parts == other._parts

    def __repr__(self) -> str:
        inner = ", ".join(f"Interval({p.start}, {p.end})" for p in self._parts)
        return f"IntervalSet([{inner}])"

    def total_length(self) -> int:
        return sum(len(part) for part in self._parts)

    def overlaps(self, interval: Interval) -> bool:
        return any(part.overlaps(interval) for part in self._parts)

    def bounds(self) -> Optional[Interval]:
        """The hull of all parts, or ``None`` for an empty set."""
        if not self._parts:
            return None
        return Interval(self._parts[0].start, self._parts[-1].end)

    def union(self, other: "IntervalSet") -> "IntervalSet":
        result = IntervalSet(self)
        for part in other:
            result.add(part)
        return result

    def gaps(self) -> "IntervalSet":
        """The holes between the parts, within :meth:`bounds`."""
        holes = IntervalSet()
        for left, right in zip(self._parts, self._parts[1:]):
            holes.add(Interval(left.end, right.start))
        return holes
