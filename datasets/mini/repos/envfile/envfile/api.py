"""High level helpers: load, apply and dump."""

from __future__ import annotations

import os
import re
from typing import Dict, List, Mapping, MutableMapping, Optional

from .interpolate import expand
from .parser import parse

_BARE_SAFE = re.compile(r"[A-Za-z0-9_./:@%+,-]*\Z")


def loads(text: str, environ: Optional[Mapping[str, str]] = None, interpolate: bool = True) -> Dict[str, str]:
    """Parse the text of a .env file into a dict."""
    bindings = parse(text)
    if interpolate:
        return expand(bindings, environ)
    return {binding.key: binding.value for binding in bindings}


def load(path, environ: Optional[Mapping[str, str]] = None, interpolate: bool = True,
         encoding: str = "utf-8") -> Dict[str, str]:
    """Read and parse the .env file at *path*."""
    with open(path, encoding=encoding) as handle:
        return loads(handle.read(), environ=environ, interpolate=interpolate)


def apply(values: Mapping[str, str], environ: Optional[MutableMapping[str, str]] = None,
          override: bool = False) -> List[str]:
    """Copy *values* into *environ* (default ``os.environ``).

    Existing variables are kept unless *override* is true.  Returns the
    names that were set.
    """
    target = os.environ if environ is None else environ
    changed = []
    for key, value in values.items():
        if override or key not in target:
            target[key] = value
            changed.append(key)
    return changed


def _quote(value: str) -> str:
    if value and _BARE_SAFE.match(value):
        return value
    if "$" in value and "'" not in value and "\n" not in value:
        return "'" + value + "'"
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r"))
    return '"' + escaped + '"'


def dump(values: Mapping[str, str]) -> str:
    """Serialise *values* so that :func:`loads` reads them back unchanged."""
    return "".join(f"{key}={_quote(value)}\n" for key, value in values.items())
