"""Format and parse amounts of money.

>>> format_money(1234.5)
'$1,234.50'
>>> parse_money(format_money(1234.5))
Decimal('1234.50')
"""

from __future__ import annotations

import re
from decimal import Decimal

_NUMBER = re.compile(r"\d+(\.\d+)?")


def group_thousands(digits: str, sep: str = ",") -> str:
    """Insert *sep* between groups of three digits."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]]
    groups.extend(digits[i:i + 3] for i in range(head, len(digits), 3))
    return sep.join(groups)


def format_money(amount, symbol: str = "$", places: int = 2, sep: str = ",",
                 point: str = ".") -> str:
    """Format *amount* with a currency symbol and thousands separators.

    *amount* may be an int, a float or a Decimal.  It is rounded to *places*
    decimals the way invoices are: halves are rounded away from zero.  The
    minus sign goes in front of the symbol.
    """
    if places < 0:
        raise ValueError("places must not be negative")

    rounded = round(abs(amount), places)
    negative = amount < 0 and rounded != 0
    text = f"{rounded:.{places}f}"
    whole, _, frac = text.partition(".")
    body = group_thousands(whole, sep)
    if frac:
        body += point + frac
    return ("-" if negative else "") + symbol + body


def parse_money(text: str, symbol: str = "$", sep: str = ",", point: str = ".") -> Decimal:
    """Parse an amount such as the ones :func:`format_money` writes.

    Accounting-style parentheses mean a negative amount.  The result is a
    :class:`~decimal.Decimal`, so no precision is lost.
    """
    s = text.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative = True
        s = s[1:-1].strip()

    if symbol and s.startswith(symbol):
        s = s[len(symbol):].lstrip()
    if s.startswith("-"):
        negative = not negative
        s = s[1:]

    number = s.replace(sep, "").replace(point, ".")
    if not _NUMBER.fullmatch(number):
        raise ValueError(f"not a money amount: {text!r}")
    value = Decimal(number)
    return -value if negative else value
