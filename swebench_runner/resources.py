"""Where the bundled ``harness/`` and ``datasets/`` folders are, from a checkout or from a wheel.

In a source checkout (editable install) they sit beside the package; a wheel carries them inside the
package under ``_bundled/`` (see ``pyproject.toml``). Everything that reads them goes through here.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent
SPECS_ENV = "SWERUN_SPECS"  # folders of environment specs searched before harness/specs (see spec.py)


@cache
def _root(name: str) -> Path:
    for candidate in (_PKG / "_bundled" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"swerun's bundled {name}/ folder is missing next to {_PKG}")


def harness_dir() -> Path:
    return _root("harness")


def datasets_dir() -> Path:
    return _root("datasets")


def cache_dir() -> Path:
    """Host-side cache for repository mirrors, base-image roots and locks (``SWERUN_CACHE``)."""
    base = os.environ.get("SWERUN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "swerun")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path
