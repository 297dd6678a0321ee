"""What a dataset format is: a claim on rows by their columns, and a mapping onto instance fields."""

from __future__ import annotations

from typing import Any, Protocol


class RowFormat(Protocol):
    """One dataset format. ``to_instance`` returns the fields of ``types.Instance`` (validated after it);
    it raises ``FormatError`` naming the column when a row is not of its format after all."""

    name: str

    def claims(self, row: dict[str, Any]) -> bool:
        """Whether ``row``'s columns say it is of this format."""

    def to_instance(self, row: dict[str, Any]) -> dict[str, Any]:
        """The instance fields of ``row``."""
