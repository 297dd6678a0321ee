"""Importing parts of swebench's harness without running ``swebench/harness/__init__.py``, shared by
the parity tests.

That file imports docker, datasets and modal (about 3 s of CPU), none of which the grader or the
parsers use. A bare package object stands in while the modules load; afterwards every module loaded
under it leaves ``sys.modules`` again, so a later ``import swebench.harness`` anywhere in the session
gets the real, complete package.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def without_harness_init(load: Callable[[], T]) -> T:
    """``load()`` (which imports ``swebench.harness.*`` modules) under the stand-in package."""
    if "swebench.harness" in sys.modules:
        return load()
    root = importlib.util.find_spec("swebench")
    if root is None or not root.submodule_search_locations:
        raise ImportError("no module named 'swebench'")
    stub = types.ModuleType("swebench.harness")
    stub.__path__ = [str(Path(root.submodule_search_locations[0]) / "harness")]
    sys.modules["swebench.harness"] = stub
    try:
        return load()
    finally:
        for name in [n for n in sys.modules if n == "swebench.harness" or n.startswith("swebench.harness.")]:
            del sys.modules[name]
