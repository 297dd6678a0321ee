"""tinycache - small caches in pure Python."""

from .lru import LRUCache
from .memo import CacheInfo, make_key, memoize
from .ttl import TTLCache

__all__ = ["CacheInfo", "LRUCache", "TTLCache", "make_key", "memoize"]
__version__ = "2.0.3"
