"""Shorten text so that it fits a fixed display width."""

from __future__ import annotations

DEFAULT_ELLIPSIS = "..."


def _check_width(width: int) -> None:
    if not isinstance(width, int) or isinstance(width, bool):
        raise TypeError("width must be an int")
    if width < 0:
        raise ValueError("width must not be negative")


def truncate(
    text: str,
    width: int,
    ellipsis: str = DEFAULT_ELLIPSIS,
    whole_words: bool = False,
) -> str:
    """Return *text* shortened to at most *width* characters.

    When the text has to be shortened, *ellipsis* is appended and counts
    towards *width*.  With *whole_words* the cut is moved back to the last
    space so that no word is split (unless the first word alone is too long).
    """
    _check_width(width)
    if len(text) < width:
        return text
    if width <= len(ellipsis):
        return ellipsis[:width]

    cut = width - len(ellipsis)
    head = text[:cut]
    if whole_words and not text[cut].isspace():
        space = head.rfind(" ")
        if space > 0:
            head = head[:space]
    return head.rstrip() + ellipsis


def truncate_middle(text: str, width: int, ellipsis: str = DEFAULT_ELLIPSIS) -> str:
    """Shorten *text* by removing characters from its middle.

    Useful for file paths, where both the start and the end carry meaning.
    The head gets the extra character when the remaining space is odd.
    """
    _check_width(width)
    if len(text) <= width:
        return text
    if width <= len(ellipsis):
        return ellipsis[:width]
    room = width - len(ellipsis)
    head = (room + 1) // 2
    tail = room - head
    return text[:head] + ellipsis + (text[-tail:] if tail else "")
