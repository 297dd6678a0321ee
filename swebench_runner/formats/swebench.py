"""SWE-bench rows, as they are: SWE-bench, Lite, Verified, Multilingual and Multimodal rows, 5.x rows
with their own ``image``/``eval_script``/``log_parser``/``eval_type``, and SWE-Gym (the same columns)."""

from __future__ import annotations

import json
from typing import Any

from ..errors import FormatError


class SWEBench:
    name = "swebench"

    def claims(self, row: dict[str, Any]) -> bool:
        return True  # the fallback: FORMATS lists it last

    def to_instance(self, row: dict[str, Any]) -> dict[str, Any]:
        assets = row.get("image_assets")
        if isinstance(assets, str):  # the hub's Multimodal rows carry it JSON-encoded
            try:
                assets = json.loads(assets) if assets.strip() else None
            except json.JSONDecodeError as exc:
                raise FormatError(f"not valid JSON ({exc.msg})", field="image_assets") from None
        return {**row, "image_assets": assets or None}
