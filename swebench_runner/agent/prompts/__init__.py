"""Prompt templates of the built-in agent, as files people can read and edit.

Templates use ``string.Template`` syntax (``${name}``): the values (an issue text full of braces and
dollar signs, say) are inserted once and never interpreted, so no issue can inject template syntax.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent


@cache
def _load(name: str) -> Template:
    return Template((PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """Fill template ``name``; a placeholder without a value is an error, not silent text."""
    return _load(name).substitute({k: str(v) for k, v in values.items()}).strip() + "\n"
