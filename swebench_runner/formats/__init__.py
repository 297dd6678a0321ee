"""Dataset formats: each maps one raw row onto the one instance record (``types.Instance``).

Where rows come from (a .jsonl/.json/.parquet file, a Hugging Face id, a folder of v5 task folders) is
the reader's business, in ``dataset.py``; what a row means is a format's. A format says which rows it
claims by their columns, so a file needs no flag and no suffix convention; the first format in
``FORMATS`` that claims a row maps it, and ``swebench`` (SWE-bench, Lite, Verified, Multilingual,
Multimodal rows, SWE-Gym) claims everything the others do not. A new format is one module and one line
here.
"""

from __future__ import annotations

from typing import Any

from ..errors import DatasetError
from .base import RowFormat
from .swe_rebench import SWERebench
from .swe_smith import SWESmith
from .swebench import SWEBench

FORMATS: dict[str, RowFormat] = {f.name: f for f in (SWESmith(), SWERebench(), SWEBench())}


def format_for(row: dict[str, Any], name: str | None = None) -> RowFormat:
    """The format named ``name``, else the first that claims ``row``. Raises ``DatasetError`` for an
    unknown name."""
    if name is not None:
        if name not in FORMATS:
            raise DatasetError(f"unknown dataset format {name!r}; known: {', '.join(FORMATS)}", source="--format")
        return FORMATS[name]
    return next(f for f in FORMATS.values() if f.claims(row))


__all__ = ["FORMATS", "RowFormat", "format_for"]
