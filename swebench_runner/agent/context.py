"""Fitting a long history into the model's context window.

Old tool outputs are the bulk of a long trajectory and the part the model needs least, so when the
history would overflow, the oldest observations are replaced by a one-line note until it fits; the
system prompt, the issue and the most recent turns are always sent whole. Token counts are estimated
from characters and recalibrated from the ``prompt_tokens`` the server reports, so the estimate tracks
the model's real tokenizer after the first call. The full history stays in the trajectory; only what
is sent is trimmed.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Message, Usage

ELIDED = "[Old tool output elided to fit the context window. Run the command again if you need it.]"
KEEP_RECENT = 6  # the last messages are always sent whole
MIN_ELIDE_CHARS = 200


def _chars(m: Message) -> int:
    return len(m.content) + sum(len(c.arguments) + len(c.name) for c in m.tool_calls) + 16


class ContextWindow:
    def __init__(self, context_length: int, reserve: int) -> None:
        self.budget = max(1024, context_length - reserve)
        self.tokens_per_char = 0.25
        self.elided_total = 0
        self.keep_recent = KEEP_RECENT

    def shrink(self) -> None:
        """The server refused what was sent as too long: a smaller budget, and fewer recent turns spared
        (down to the last exchange), so the next ``fit`` can cut what the first one could not."""
        self.budget = max(1024, int(self.budget * 0.7))
        self.keep_recent = max(2, self.keep_recent - 2)

    def observe(self, sent: Sequence[Message], usage: Usage) -> None:
        """Learn the real ratio of tokens to characters from what the server counted."""
        chars = sum(_chars(m) for m in sent)
        if not usage.estimated and usage.prompt_tokens and chars:
            self.tokens_per_char = max(0.05, min(1.0, usage.prompt_tokens / chars))

    def estimate(self, messages: Sequence[Message]) -> int:
        return int(sum(_chars(m) for m in messages) * self.tokens_per_char)

    def fit(self, messages: Sequence[Message]) -> list[Message]:
        out = list(messages)
        over = self.estimate(out) - self.budget
        if over <= 0:
            return out
        for i in range(2, max(2, len(out) - self.keep_recent)):
            m = out[i]
            if m.role in ("tool", "user") and not m.elided and len(m.content) > MIN_ELIDE_CHARS:
                out[i] = m.model_copy(update={"content": ELIDED, "elided": True})
                self.elided_total += 1
                over -= int((len(m.content) - len(ELIDED)) * self.tokens_per_char)
                if over <= 0:
                    break
        return out
