"""numfmt - format numbers for humans."""

from .human import human_bytes, human_duration
from .money import format_money, group_thousands, parse_money
from .percent import format_percent, parse_percent

__all__ = [
    "format_money",
    "format_percent",
    "group_thousands",
    "human_bytes",
    "human_duration",
    "parse_money",
    "parse_percent",
]
__version__ = "0.3.2"
