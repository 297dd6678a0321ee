"""Doctests for numfmt.money.

Amounts written by format_money can be read back by parse_money:

>>> format_money(1234.5)
'$1,234.50'
>>> parse_money(format_money(1234.5))
Decimal('1234.50')
"""

from decimal import Decimal

from numfmt import format_money, group_thousands, parse_money


def group_thousands_examples():
    """
    >>> group_thousands("1234567")
    '1,234,567'
    >>> group_thousands("999")
    '999'
    >>> group_thousands("1000", sep=".")
    '1.000'
    """


def format_money_basics():
    """
    >>> format_money(1234.5)
    '$1,234.50'
    >>> format_money(-42)
    '-$42.00'
    >>> format_money(5, places=0)
    '$5'
    >>> format_money(0)
    '$0.00'
    """


def format_money_separators():
    """
    >>> format_money(1234567.891, symbol="EUR ", sep=".", point=",")
    'EUR 1.234.567,89'
    >>> format_money(1000000, symbol="", sep=" ")
    '1 000 000.00'
    """


def format_money_decimal_input():
    """
    >>> format_money(Decimal("0.1") + Decimal("0.2"))
    '$0.30'
    >>> format_money(Decimal("-1234.5"))
    '-$1,234.50'
    """


def format_money_invalid_places():
    """
    >>> format_money(1, places=-1)
    Traceback (most recent call last):
    ...
    ValueError: places must not be negative
    """


def parse_money_basics():
    """
    >>> parse_money("$1,234.50")
    Decimal('1234.50')
    >>> parse_money("  $7 ")
    Decimal('7')
    >>> parse_money("EUR 1.234,5", symbol="EUR ", sep=".", point=",")
    Decimal('1234.5')
    """


def parse_money_negative():
    """
    >>> parse_money("(12.00)")
    Decimal('-12.00')
    >>> parse_money("$-3")
    Decimal('-3')
    """


def parse_money_invalid():
    """
    >>> parse_money("12 apples")
    Traceback (most recent call last):
    ...
    ValueError: not a money amount: '12 apples'
    >>> parse_money("$")
    Traceback (most recent call last):
    ...
    ValueError: not a money amount: '$'
    """
