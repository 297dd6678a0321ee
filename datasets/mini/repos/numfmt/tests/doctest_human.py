"""Doctests for numfmt.human.

>>> human_bytes(123456789)
'117.7 MiB'
>>> human_duration(3725)
'1h 2m 5s'
"""

from numfmt import human_bytes, human_duration


def human_bytes_plain_bytes():
    """
    >>> human_bytes(0)
    '0 B'
    >>> human_bytes(1023)
    '1023 B'
    >>> human_bytes(999, binary=False)
    '999 B'
    """


def human_bytes_units():
    """
    >>> human_bytes(1536)
    '1.5 KiB'
    >>> human_bytes(10**9, binary=False)
    '1.0 GB'
    >>> human_bytes(5 * 1024**3, places=2)
    '5.00 GiB'
    >>> human_bytes(-2048)
    '-2.0 KiB'
    """


def human_duration_examples():
    """
    >>> human_duration(0)
    '0s'
    >>> human_duration(59.4)
    '59s'
    >>> human_duration(3725)
    '1h 2m 5s'
    >>> human_duration(2 * 86400 + 60)
    '2d 1m'
    """


def human_duration_negative():
    """
    >>> human_duration(-1)
    Traceback (most recent call last):
    ...
    ValueError: duration must not be negative
    """
