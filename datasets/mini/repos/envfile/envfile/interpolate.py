"""Expand ``$NAME``, ``${NAME}`` and ``${NAME:-default}`` references."""

from __future__ import annotations

import os
import re
from typing import Dict, Iterable, Mapping, Optional

from .parser import Binding

_REFERENCE = re.compile(
    r"""\$(?:
        \{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}
      | (?P<bare>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def expand_value(value: str, known: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """Replace the references in *value*.

    Names are looked up in *known* first (variables defined earlier in the
    file), then in *environ*.  Unknown names expand to an empty string.
    """

    def substitute(match: "re.Match[str]") -> str:
        name = match.group("braced") or match.group("bare")
        if name in known:
            found = known[name]
        else:
            found = environ.get(name, "")
        default = match.group("default")
        if default is not None and found == "":
            return default
        return found

    return _REFERENCE.sub(substitute, value)


def expand(bindings: Iterable[Binding], environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Turn parsed bindings into a dict, expanding references in order."""
    env = os.environ if environ is None else environ
    values: Dict[str, str] = {}
    for binding in bindings:
        values[binding.key] = expand_value(binding.value, values, env)
    return values
