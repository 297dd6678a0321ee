"""textkit - small string helpers with no dependencies."""

from .case import split_words, to_camel, to_kebab, to_snake
from .slug import slugify, unique_slug
from .truncate import truncate, truncate_middle

__all__ = [
    "slugify",
    "split_words",
    "to_camel",
    "to_kebab",
    "to_snake",
    "truncate",
    "truncate_middle",
    "unique_slug",
]

__version__ = "0.4.1"
