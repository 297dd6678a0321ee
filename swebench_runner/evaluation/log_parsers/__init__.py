"""Log parsers: test output -> ``{test_id: TestStatus}``, one registered parser per log format.

A parser yields *events* (one per status line it recognises) so the integrity checks can see a test
reported twice with different statuses; ``LogParser.parse`` folds them the way the official harness
does (the last line for a test wins). Register a parser with ``@register("name")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ...errors import SpecError
from ...types import TestStatus

Event = tuple[str, TestStatus]
EventFn = Callable[[str], Iterable[Event]]


@dataclass(frozen=True)
class LogParser:
    name: str
    events: EventFn
    # The runner's exit status reliably says whether anything failed (pytest, unittest do; tox wrappers
    # and some custom runners do not). Integrity checks compare the two only where this holds.
    exit_code_reliable: bool = True

    def parse(self, log: str) -> dict[str, TestStatus]:
        return dict(self.events(log))


REGISTRY: dict[str, LogParser] = {}


def register(name: str, *, exit_code_reliable: bool = True) -> Callable[[EventFn], EventFn]:
    def deco(fn: EventFn) -> EventFn:
        REGISTRY[name] = LogParser(name, fn, exit_code_reliable)
        return fn

    return deco


def get_parser(name: str) -> LogParser:
    _load_all()
    try:
        return REGISTRY[name]
    except KeyError:
        raise SpecError(f"unknown log parser {name!r}; known: {', '.join(sorted(REGISTRY))}",
                        field="log_parser") from None


def _load_all() -> None:
    from . import doctest, pytest, unittest  # noqa: F401  (modules register themselves)


def lines(log: str) -> Iterator[str]:
    return iter(log.split("\n"))


def status_of(token: str) -> TestStatus | None:
    try:
        return TestStatus(token)
    except ValueError:
        return None
