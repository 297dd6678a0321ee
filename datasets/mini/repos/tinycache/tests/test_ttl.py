import unittest

from tinycache import TTLCache


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class TTLCacheTests(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock()
        self.cache = TTLCache(ttl=10, clock=self.clock)

    def test_value_visible_before_expiry(self):
        self.cache.set("k", "v")
        self.clock.advance(9.5)
        self.assertEqual(self.cache.get("k"), "v")
        self.assertEqual(self.cache["k"], "v")

    def test_value_expires_at_ttl(self):
        self.cache.set("k", "v")
        self.clock.advance(10)
        self.assertIsNone(self.cache.get("k"))
        with self.assertRaises(KeyError):
            self.cache["k"]

    def test_rewrite_extends_lifetime(self):
        self.cache["k"] = 1
        self.clock.advance(8)
        self.cache["k"] = 2
        self.clock.advance(8)
        self.assertEqual(self.cache["k"], 2)

    def test_contains_fresh_entry(self):
        self.cache.set("k", "v")
        self.assertIn("k", self.cache)
        self.assertNotIn("other", self.cache)

    def test_none_values_are_cached(self):
        self.cache.set("k", None)
        self.assertIn("k", self.cache)
        self.assertIsNone(self.cache["k"])

    def test_len_and_purge(self):
        self.cache.set("old", 1)
        self.clock.advance(6)
        self.cache.set("new", 2)
        self.clock.advance(6)
        self.assertEqual(len(self.cache), 1)
        self.assertEqual(self.cache.purge(), 0)

    def test_remaining(self):
        self.cache.set("k", "v")
        self.clock.advance(4)
        self.assertEqual(self.cache.remaining("k"), 6)

    def test_delete(self):
        self.cache.set("k", "v")
        del self.cache["k"]
        self.assertIsNone(self.cache.get("k"))

    def test_ttl_must_be_positive(self):
        with self.assertRaises(ValueError):
            TTLCache(ttl=0)


if __name__ == "__main__":
    unittest.main()
