"""A least-recently-used cache."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Hashable, Iterator

_MISSING = object()


class LRUCache:
    """Keep at most *maxsize* entries, evicting the least recently used one.

    Both reading (:meth:`get`) and writing (:meth:`put`) an entry count as
    using it.  ``maxsize=None`` means unbounded.
    """

    def __init__(self, maxsize: "int | None" = 128) -> None:
        if maxsize is not None and maxsize < 0:
            raise ValueError("maxsize must be None or >= 0")
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._data: "OrderedDict[Hashable, Any]" = OrderedDict()

    def get(self, key: Hashable, default: Any = None) -> Any:
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            self.misses += 1
            return default
        self.hits += 1
        return value

    def put(self, key: Hashable, value: Any) -> None:
        if self.maxsize == 0:
            return
        if key in self._data:
            self._data.move_to_end(key)
        self._data[key] = value
        if self.maxsize is not None and len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def pop(self, key: Hashable, default: Any = _MISSING) -> Any:
        if default is _MISSING:
            return self._data.pop(key)
        return self._data.pop(key, default)

    def clear(self) -> None:
        self._data.clear()
        self.hits = self.misses = 0

    def keys(self) -> list:
        """Keys from least to most recently used."""
        return list(self._data)

    def __contains__(self, key: Hashable) -> bool:
        # Membership tests do not count as a use.
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._data))

    def __repr__(self) -> str:
        return f"LRUCache(maxsize={self.maxsize!r}, size={len(self)})"
