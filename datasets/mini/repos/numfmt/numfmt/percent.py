"""Percentages.

>>> format_percent(0.256)
'25.6%'
>>> parse_percent("25.6%")
0.256
"""

from __future__ import annotations


def format_percent(ratio: float, places: int = 1, sign: bool = False) -> str:
    """Format a ratio (``0.5`` means 50 %) as a percentage.

    With *sign* positive values get a leading ``+``, which is handy for
    showing changes.  Zero never gets a sign.
    """
    if places < 0:
        raise ValueError("places must not be negative")

    value = ratio * 100
    text = f"{value:.{places}f}"
    if sign and value > 0 and float(text) != 0:
        text = "+" + text
    return text + "%"


def parse_percent(text: str) -> float:
    """Parse ``"12.5%"`` into the ratio ``0.125``."""
    stripped = text.strip()
    if not stripped.endswith("%"):
        raise ValueError(f"not a percentage: {text!r}")
    return float(stripped[:-1].strip()) / 100
