import unittest

from tinycache import CacheInfo, memoize


class MemoizeTests(unittest.TestCase):
    def setUp(self):
        self.calls = []

        @memoize(maxsize=32)
        def area(width, height=1):
            self.calls.append((width, height))
            return width * height

        self.area = area

    def test_repeated_call_is_cached(self):
        self.assertEqual(self.area(3, 4), 12)
        self.assertEqual(self.area(3, 4), 12)
        self.assertEqual(self.calls, [(3, 4)])

    def test_different_arguments_are_not_shared(self):
        self.area(3, 4)
        self.area(4, 3)
        self.assertEqual(len(self.calls), 2)

    def test_keyword_call_is_cached(self):
        self.area(2, height=5)
        self.area(2, height=5)
        self.assertEqual(self.calls, [(2, 5)])

    def test_cache_info_and_clear(self):
        self.area(1)
        self.area(1)
        self.area(2)
        self.assertEqual(self.area.cache_info(), CacheInfo(hits=1, misses=2, size=2, maxsize=32))
        self.area.cache_clear()
        self.assertEqual(self.area.cache_info(), CacheInfo(0, 0, 0, 32))

    def test_unhashable_arguments_bypass_cache(self):
        @memoize()
        def total(values):
            return sum(values)

        self.assertEqual(total([1, 2, 3]), 6)
        self.assertEqual(total.cache_info().size, 0)

    def test_wraps_metadata(self):
        @memoize()
        def documented():
            """Docstring."""

        self.assertEqual(documented.__name__, "documented")
        self.assertEqual(documented.__doc__, "Docstring.")


if __name__ == "__main__":
    unittest.main()
