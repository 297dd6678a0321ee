"""swerun: evaluate coding models on SWE-bench style tasks in pinned Docker images."""

__version__ = "0.1.0"
