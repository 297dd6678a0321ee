"""Where boxes run. A registry maps a backend's name to its class, so adding one is a file and a line;
the modules behind it load only when named (the local path never imports Ray)."""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import InputError

BACKENDS = {
    "docker": "swebench_runner.backends.docker:DockerBackend",
    "ray": "swebench_runner.backends.ray:RayBackend",
    "fake": "swebench_runner.backends.fake:FakeBackend",
}


def make_backend(name: str, **kwargs: Any) -> Any:
    """A new backend called ``name``; ``InputError`` for a name no backend has."""
    target = BACKENDS.get(name)
    if target is None:
        raise InputError(f"unknown backend {name!r} (known: {', '.join(sorted(BACKENDS))})", field="backend")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)(**kwargs)
