"""A memoize decorator built on :class:`LRUCache`."""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

from .lru import LRUCache

_MISSING = object()


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int
    maxsize: Optional[int]


def make_key(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Tuple[Any, ...]:
    """Build a hashable cache key from a call's arguments.

    Raises ``TypeError`` if an argument is unhashable.
    """
    key = args
    if kwargs:
        key += tuple(kwargs.values())
    hash(key)
    return key


def memoize(maxsize: Optional[int] = 128) -> Callable[[Callable], Callable]:
    """Cache the results of the decorated function.

    Calls with unhashable arguments are passed straight through to the
    function without caching.
    """

    def decorator(func: Callable) -> Callable:
        cache = LRUCache(maxsize)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                key = make_key(args, kwargs)
            except TypeError:
                return func(*args, **kwargs)
            result = cache.get(key, _MISSING)
            if result is _MISSING:
                result = func(*args, **kwargs)
                cache.put(key, result)
            return result

        def cache_info() -> CacheInfo:
            return CacheInfo(cache.hits, cache.misses, len(cache), maxsize)

        wrapper.cache_info = cache_info  # type: ignore[attr-defined]
        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        return wrapper

    return decorator
