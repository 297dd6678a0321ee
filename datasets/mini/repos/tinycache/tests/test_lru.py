import unittest

from tinycache import LRUCache


class LRUCacheTests(unittest.TestCase):
    def test_get_and_put(self):
        cache = LRUCache(maxsize=4)
        cache.put("a", 1)
        self.assertEqual(cache.get("a"), 1)
        self.assertIsNone(cache.get("missing"))
        self.assertEqual(cache.get("missing", 0), 0)

    def test_evicts_oldest_entry(self):
        cache = LRUCache(maxsize=2)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.put("c", 3)
        self.assertEqual(cache.keys(), ["b", "c"])

    def test_put_refreshes_existing_key(self):
        cache = LRUCache(maxsize=2)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.put("a", 10)
        cache.put("c", 3)
        self.assertEqual(cache.keys(), ["a", "c"])
        self.assertEqual(cache.get("a"), 10)

    def test_contains_does_not_count_as_use(self):
        cache = LRUCache(maxsize=2)
        cache.put("a", 1)
        cache.put("b", 2)
        self.assertIn("a", cache)
        cache.put("c", 3)
        self.assertNotIn("a", cache)

    def test_hit_and_miss_counters(self):
        cache = LRUCache(maxsize=2)
        cache.put("a", 1)
        cache.get("a")
        cache.get("a")
        cache.get("zzz")
        self.assertEqual((cache.hits, cache.misses), (2, 1))

    def test_zero_maxsize_stores_nothing(self):
        cache = LRUCache(maxsize=0)
        cache.put("a", 1)
        self.assertEqual(len(cache), 0)

    def test_unbounded(self):
        cache = LRUCache(maxsize=None)
        for i in range(1000):
            cache.put(i, i)
        self.assertEqual(len(cache), 1000)

    def test_negative_maxsize(self):
        with self.assertRaises(ValueError):
            LRUCache(maxsize=-1)

    def test_pop_and_clear(self):
        cache = LRUCache()
        cache.put("a", 1)
        self.assertEqual(cache.pop("a"), 1)
        self.assertEqual(cache.pop("a", None), None)
        with self.assertRaises(KeyError):
            cache.pop("a")
        cache.put("b", 2)
        cache.clear()
        self.assertEqual(len(cache), 0)


if __name__ == "__main__":
    unittest.main()
