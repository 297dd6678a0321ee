"""Keeping API keys out of every file and log a run writes.

The key lives in a ``SecretStr`` and is handed only to the HTTP client. As a second line of defence,
every text written by the agent code (trajectories, predictions, CLI-agent logs) and every log record
passes through a ``Redactor`` that replaces the key's text, so even a key echoed back by a server or
printed by a tool inside the container never lands on disk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

MASK = "[REDACTED]"
MIN_SECRET_LEN = 6  # shorter "keys" (EMPTY, none) are placeholders, and masking them would garble text


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for s in secrets:
            if s and len(s) >= MIN_SECRET_LEN:
                forms |= {s, json.dumps(s)[1:-1]}
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def log_filter(self) -> logging.Filter:
        redact = self

        class _Filter(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                msg = record.getMessage()
                clean = redact(msg)
                if clean != msg:
                    record.msg, record.args = clean, None
                return True

        return _Filter()

    def install(self, logger_names: Iterable[str] = ("swebench_runner", "openai", "httpx", "")) -> None:
        """Attach the filter to every handler of these loggers (handlers see records of child loggers)."""
        if not self._forms:
            return
        flt = self.log_filter()
        for name in logger_names:
            for handler in logging.getLogger(name).handlers:
                handler.addFilter(flt)
