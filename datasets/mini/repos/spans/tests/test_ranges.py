import unittest

from spans import Interval, format_ranges, parse_ranges


class ParseTests(unittest.TestCase):
    def test_single_numbers_and_ranges(self):
        s = parse_ranges("1-3,5,8-10")
        self.assertEqual(list(s), [Interval(1, 4), Interval(5, 6), Interval(8, 11)])

    def test_whitespace_is_ignored(self):
        self.assertEqual(parse_ranges(" 1 - 3 ,  7 "), parse_ranges("1-3,7"))

    def test_empty_string(self):
        self.assertEqual(len(parse_ranges("")), 0)
        self.assertEqual(len(parse_ranges("   ")), 0)

    def test_negative_numbers(self):
        self.assertEqual(list(parse_ranges("-5--3")), [Interval(-5, -2)])

    def test_overlapping_ranges_merge(self):
        self.assertEqual(list(parse_ranges("1-5,3-8")), [Interval(1, 9)])

    def test_invalid_token(self):
        with self.assertRaisesRegex(ValueError, "invalid range token 'x'"):
            parse_ranges("1,x,3")

    def test_empty_token(self):
        with self.assertRaisesRegex(ValueError, "empty range token"):
            parse_ranges("1,,3")


class FormatTests(unittest.TestCase):
    def test_round_trip(self):
        for text in ["1-3,5,8-10", "7", "2-4,10-12"]:
            self.assertEqual(format_ranges(parse_ranges(text)), text)

    def test_format_empty(self):
        self.assertEqual(format_ranges(parse_ranges("")), "")


if __name__ == "__main__":
    unittest.main()
