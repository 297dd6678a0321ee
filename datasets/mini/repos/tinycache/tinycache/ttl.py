"""A cache whose entries expire after a fixed time."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Hashable, Tuple

_MISSING = object()


class TTLCache:
    """Entries expire *ttl* seconds after they were last written.

    *clock* returns the current time in seconds; tests pass a fake clock.
    An entry written at time ``t`` is visible while ``clock() < t + ttl``.
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.ttl = ttl
        self._clock = clock
        self._data: Dict[Hashable, Tuple[float, Any]] = {}

    def _expired(self, expires_at: float) -> bool:
        return self._clock() >= expires_at

    def set(self, key: Hashable, value: Any) -> None:
        self._data[key] = (self._clock() + self.ttl, value)

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._data.get(key)
        if entry is None:
            return default
        expires_at, value = entry
        if self._expired(expires_at):
            del self._data[key]
            return default
        return value

    def __getitem__(self, key: Hashable) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.set(key, value)

    def __delitem__(self, key: Hashable) -> None:
        del self._data[key]

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def purge(self) -> int:
        """Drop every expired entry and return how many were dropped."""
        dead = [key for key, (expires_at, _) in self._data.items() if self._expired(expires_at)]
        for key in dead:
            del self._data[key]
        return len(dead)

    def __len__(self) -> int:
        self.purge()
        return len(self._data)

    def remaining(self, key: Hashable) -> float:
        """Seconds until *key* expires (``KeyError`` if absent or expired)."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return self._data[key][0] - self._clock()
