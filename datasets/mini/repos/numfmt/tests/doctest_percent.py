"""Doctests for numfmt.percent.

>>> format_percent(0.256)
'25.6%'
>>> parse_percent("25.6%")
0.256
"""

from numfmt import format_percent, parse_percent


def format_percent_examples():
    """
    >>> format_percent(0.5)
    '50.0%'
    >>> format_percent(1)
    '100.0%'
    >>> format_percent(0.1234, places=2)
    '12.34%'
    >>> format_percent(-0.25)
    '-25.0%'
    """


def format_percent_sign():
    """
    >>> format_percent(0.031, sign=True)
    '+3.1%'
    >>> format_percent(-0.031, sign=True)
    '-3.1%'
    >>> format_percent(0, sign=True)
    '0.0%'
    """


def parse_percent_examples():
    """
    >>> parse_percent("12.5%")
    0.125
    >>> parse_percent(" -3 % ")
    -0.03
    """


def parse_percent_invalid():
    """
    >>> parse_percent("12.5")
    Traceback (most recent call last):
    ...
    ValueError: not a percentage: '12.5'
    """
