import unittest

from spans import Interval


class IntervalTests(unittest.TestCase):
    def test_length_and_membership(self):
        iv = Interval(2, 5)
        self.assertEqual(len(iv), 3)
        self.assertIn(2, iv)
        self.assertIn(4, iv)
        self.assertNotIn(5, iv)

    def test_empty_interval(self):
        self.assertTrue(Interval(3, 3).is_empty())
        self.assertNotIn(3, Interval(3, 3))

    def test_reversed_bounds_are_rejected(self):
        with self.assertRaises(ValueError):
            Interval(5, 1)

    def test_overlaps(self):
        self.assertTrue(Interval(0, 5).overlaps(Interval(4, 8)))
        self.assertTrue(Interval(0, 10).overlaps(Interval(3, 4)))
        self.assertFalse(Interval(0, 2).overlaps(Interval(5, 8)))

    def test_touching_intervals_do_not_overlap(self):
        self.assertFalse(Interval(0, 2).overlaps(Interval(2, 4)))
        self.assertFalse(Interval(2, 4).overlaps(Interval(0, 2)))

    def test_intersection(self):
        self.assertEqual(Interval(0, 5).intersection(Interval(3, 9)), Interval(3, 5))
        self.assertIsNone(Interval(0, 2).intersection(Interval(2, 4)))

    def test_hull_and_shift(self):
        self.assertEqual(Interval(0, 2).hull(Interval(6, 8)), Interval(0, 8))
        self.assertEqual(Interval(1, 3).shift(10), Interval(11, 13))

    def test_str(self):
        self.assertEqual(str(Interval(1, 4)), "[1, 4)")


if __name__ == "__main__":
    unittest.main()
