"""Convert identifiers between snake_case, camelCase and kebab-case."""

from __future__ import annotations

import re

# Boundaries inside a run of letters: "fooBar" -> foo|Bar,
# "HTTPServer" -> HTTP|Server, "version2Beta" -> version2|Beta.
_CASE_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s_\-.]+")


def split_words(name: str) -> list:
    """Split an identifier in any common style into its words.

    >>> split_words("parseHTTPResponse")
    ['parse', 'HTTP', 'Response']
    """
    words = []
    for chunk in _SEPARATORS.split(name):
        if chunk:
            words.extend(part for part in _CASE_BOUNDARY.split(chunk) if part)
    return words


def to_snake(name: str) -> str:
    """``"parseHTTPResponse"`` -> ``"parse_http_response"``."""
    return "_".join(word.lower() for word in split_words(name))


def to_kebab(name: str) -> str:
    """``"parseHTTPResponse"`` -> ``"parse-http-response"``."""
    return "-".join(word.lower() for word in split_words(name))


def to_camel(name: str, upper_first: bool = False) -> str:
    """``"max_retry_count"`` -> ``"maxRetryCount"``.

    With *upper_first* the first word is capitalised as well
    (``"MaxRetryCount"``, sometimes called PascalCase).
    """
    first, *rest = split_words(name)
    head = first.capitalize() if upper_first else first.lower()
    return head + "".join(word.capitalize() for word in rest)
