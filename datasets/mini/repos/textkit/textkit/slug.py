"""Turn arbitrary titles into URL-friendly slugs."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Optional

# Anything that is not a lowercase ASCII letter or digit separates words.
_ASCII_SEPARATORS = re.compile(r"[^a-z0-9]+")
# In unicode mode every non-word character (and "_") separates words.
_UNICODE_SEPARATORS = re.compile(r"[\W_]+")
# Apostrophes are dropped rather than treated as separators so that
# "Don't Panic" becomes "dont-panic" and not "don-t-panic".
_APOSTROPHES = re.compile("['\u2019]")


def _words(text: str, allow_unicode: bool) -> list:
    text = _APOSTROPHES.sub("", text)
    if allow_unicode:
        text = unicodedata.normalize("NFKC", text).lower()
        pieces = _UNICODE_SEPARATORS.split(text)
    else:
        text = text.lower()
        pieces = _ASCII_SEPARATORS.split(text)
    return [piece for piece in pieces if piece]


def slugify(
    text: str,
    sep: str = "-",
    max_length: Optional[int] = None,
    allow_unicode: bool = False,
) -> str:
    """Return a lowercase slug for *text*.

    Words are joined with *sep*.  Unless *allow_unicode* is true the result
    only contains ASCII letters, digits and *sep*.  When *max_length* is
    given, whole words are dropped from the end until the slug fits; a
    single word that is longer than *max_length* is cut.
    """
    if not isinstance(text, str):
        raise TypeError(f"slugify() expects a str, not {type(text).__name__}")
    if max_length is not None and max_length < 1:
        raise ValueError("max_length must be at least 1")

    words = _words(text, allow_unicode)
    slug = sep.join(words)
    if max_length is None or len(slug) <= max_length:
        return slug

    kept: list = []
    size = 0
    for word in words:
        extra = len(word) + (len(sep) if kept else 0)
        if size + extra > max_length:
            break
        kept.append(word)
        size += extra
    if not kept:
        return words[0][:max_length]
    return sep.join(kept)


def unique_slug(text: str, existing: Iterable[str], sep: str = "-", **options) -> str:
    """Return a slug for *text* that is not in *existing*.

    A numeric suffix is appended when needed: ``post``, ``post-2``,
    ``post-3`` and so on.
    """
    taken = set(existing)
    base = slugify(text, sep=sep, **options)
    if base not in taken:
        return base
    counter = 2
    while f"{base}{sep}{counter}" in taken:
        counter += 1
    return f"{base}{sep}{counter}"
