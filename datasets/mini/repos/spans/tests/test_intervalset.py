import unittest

from spans import Interval, IntervalSet


def parts(s):
    return [(iv.start, iv.end) for iv in s]


class AddTests(unittest.TestCase):
    def test_disjoint_parts_are_sorted(self):
        s = IntervalSet([Interval(10, 12), Interval(0, 3), Interval(5, 7)])
        self.assertEqual(parts(s), [(0, 3), (5, 7), (10, 12)])

    def test_overlapping_parts_merge(self):
        s = IntervalSet([Interval(0, 5), Interval(3, 8)])
        self.assertEqual(parts(s), [(0, 8)])

    def test_bridge_merges_several_parts(self):
        s = IntervalSet([Interval(0, 2), Interval(4, 6), Interval(8, 10)])
        s.add(Interval(1, 9))
        self.assertEqual(parts(s), [(0, 10)])

    def test_empty_interval_is_ignored(self):
        s = IntervalSet([Interval(4, 4)])
        self.assertFalse(s)
        self.assertEqual(len(s), 0)


class RemoveTests(unittest.TestCase):
    def test_remove_everything(self):
        s = IntervalSet([Interval(2, 4)])
        s.remove(Interval(0, 10))
        self.assertEqual(parts(s), [])

    def test_remove_left_edge(self):
        s = IntervalSet([Interval(0, 10)])
        s.remove(Interval(-5, 3))
        self.assertEqual(parts(s), [(3, 10)])

    def test_remove_right_edge(self):
        s = IntervalSet([Interval(0, 10)])
        s.remove(Interval(7, 15))
        self.assertEqual(parts(s), [(0, 7)])

    def test_remove_untouched_parts_survive(self):
        s = IntervalSet([Interval(0, 2), Interval(5, 9)])
        s.remove(Interval(2, 5))
        self.assertEqual(parts(s), [(0, 2), (5, 9)])


class QueryTests(unittest.TestCase):
    def setUp(self):
        self.s = IntervalSet([Interval(0, 5), Interval(10, 20)])

    def test_contains(self):
        self.assertIn(0, self.s)
        self.assertIn(15, self.s)
        self.assertNotIn(5, self.s)
        self.assertNotIn(25, self.s)

    def test_total_length(self):
        self.assertEqual(self.s.total_length(), 15)

    def test_overlaps_ignores_touching(self):
        self.assertTrue(self.s.overlaps(Interval(4, 6)))
        self.assertFalse(self.s.overlaps(Interval(5, 10)))

    def test_bounds(self):
        self.assertEqual(self.s.bounds(), Interval(0, 20))
        self.assertIsNone(IntervalSet().bounds())

    def test_gaps(self):
        self.assertEqual(parts(self.s.gaps()), [(5, 10)])

    def test_union(self):
        other = IntervalSet([Interval(3, 12)])
        self.assertEqual(parts(self.s.union(other)), [(0, 20)])

    def test_equality_and_repr(self):
        self.assertEqual(self.s, IntervalSet([Interval(10, 20), Interval(0, 5)]))
        self.assertEqual(repr(self.s), "IntervalSet([Interval(0, 5), Interval(10, 20)])")


if __name__ == "__main__":
    unittest.main()
