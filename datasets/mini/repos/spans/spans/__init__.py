"""spans - half-open intervals and interval sets."""

from .interval import Interval
from .intervalset import IntervalSet
from .ranges import format_ranges, parse_ranges

__all__ = ["Interval", "IntervalSet", "format_ranges", "parse_ranges"]
__version__ = "0.9.0"
