"""Split the text of a .env file into ``KEY=value`` bindings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from .errors import ParseError

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Binding:
    """One ``KEY=value`` assignment, with quotes and escapes resolved."""

    key: str
    value: str
    lineno: int


def _parse_quoted(raw: str, lineno: int) -> Tuple[str, str]:
    """Parse a value that starts with a quote.

    Returns the unquoted value and whatever follows the closing quote.
    Escape sequences are only understood inside double quotes.
    """
    quote = raw[0]
    out = []
    i = 1
    while i < len(raw):
        char = raw[i]
        if char == quote:
            return "".join(out), raw[i + 1:].strip()
        if char == "\\" and quote == '"' and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    raise ParseError(lineno, f"unterminated {quote} quoted value")


def parse(text: str) -> List[Binding]:
    """Return the bindings defined by *text*, in file order."""
    bindings = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        if "=" not in line:
            raise ParseError(lineno, f"expected KEY=VALUE, got {line!r}")

        fields = line.split("=")
        key = fields[0].strip()
        raw = fields[1].strip()
        if not _KEY.match(key):
            raise ParseError(lineno, f"invalid variable name {key!r}")

        if raw[:1] in ("'", '"'):
            value, rest = _parse_quoted(raw, lineno)
            if rest and not rest.startswith("#"):
                raise ParseError(lineno, f"unexpected text after closing quote: {rest!r}")
        else:
            value = raw
        bindings.append(Binding(key, value, lineno))
    return bindings
