"""Log parsers: test output -> ``{test_id: TestStatus}``, one registered parser per log format.

A parser yields *events* (one per status line it recognises) so the integrity checks can see a test
reported twice with different statuses; ``LogParser.parse`` folds them the way the official harness
does (the last line for a test wins). Register a parser with ``@register("name")``, or give an existing
event function one more name with ``alias``.

Every parser is a pure function of the log text. The names and semantics match swebench 5.0.2's
``harness/log_parsers/python.py`` (``parse_log_<name>``); ``tests/parity`` checks that on real logs.
The official functions also receive the instance's test spec, but none of the Python ones reads it,
so nothing is lost by leaving it out. One deliberate difference: the official parsers store whatever
word starts a status line (``ERROR:`` from pytest's ``ERROR: usage: ...``, printed by nested sessions
in pytest's own suite), while ours emit only real statuses, so a status map never holds a value
outside ``TestStatus``. On the real logs such entries never name a graded test.

The SWE-bench Multilingual parsers (go, rust, java, javascript, php, ruby, c) are registered under the
full names the dataset rows give in ``log_parser`` (``parse_log_cargo``), because one of them,
``parse_log_doctest`` (C++ doctest's XML), would otherwise collide with our Python ``doctest``. Two of
them choose their format by the instance (jekyll and immutable-js ran different runners over time), so
a parser may ask for the instance id: ``register(..., wants_instance=True)``, then ``parse(log,
instance_id)``. Their deliberate differences from swebench are listed in their modules and in
``tests/parity/test_multilingual_parity.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ...errors import SpecError
from ...types import TestStatus

Event = tuple[str, TestStatus]
# ``fn(log)``; a parser registered with ``wants_instance`` is called ``fn(log, instance_id)`` instead.
EventFn = Callable[..., Iterable[Event]]


@dataclass(frozen=True)
class LogParser:
    name: str
    events: EventFn
    # The runner's exit status reliably says whether anything failed (pytest, unittest do; tox wrappers
    # and some custom runners do not). Integrity checks compare the two only where this holds.
    exit_code_reliable: bool = True
    # The runner whose output the parser reads ("pytest", "django", "sympy", ...): checks specific to
    # one runner (pytest's final summary bar) should test this, not the parser's name, because the
    # per-repository names (flask, requests, astropy, ...) are pytest parsers too.
    family: str = ""
    # The format depends on the instance (swebench's jekyll and immutable-js parsers read the PR number
    # from the instance id): ``events`` then takes the id as a second argument, None when unknown.
    wants_instance: bool = False

    def events_for(self, log: str, instance_id: str | None = None) -> Iterable[Event]:
        """The events of ``log``; the instance id reaches only parsers that want it."""
        return self.events(log, instance_id) if self.wants_instance else self.events(log)

    def parse(self, log: str, instance_id: str | None = None) -> dict[str, TestStatus]:
        return dict(self.events_for(log, instance_id))


REGISTRY: dict[str, LogParser] = {}


def register(name: str, *, exit_code_reliable: bool = True, family: str | None = None,
             wants_instance: bool = False) -> Callable[[EventFn], EventFn]:
    def deco(fn: EventFn) -> EventFn:
        REGISTRY[name] = LogParser(name, fn, exit_code_reliable, family or name, wants_instance)
        return fn

    return deco


def alias(name: str, of: str) -> None:
    """Register ``name`` as another name for parser ``of`` (the official registry does the same)."""
    target = REGISTRY[of]
    REGISTRY[name] = LogParser(name, target.events, target.exit_code_reliable, target.family, target.wants_instance)


def known_parser(name: str) -> bool:
    _load_all()
    return name in REGISTRY


def get_parser(name: str) -> LogParser:
    _load_all()
    try:
        return REGISTRY[name]
    except KeyError:
        raise SpecError(f"unknown log parser {name!r}; known: {', '.join(sorted(REGISTRY))}",
                        field="log_parser") from None


def _load_all() -> None:
    # The modules register themselves; c, go, java, javascript, php, ruby and rust are SWE-bench Multilingual's.
    from . import c, django, doctest, go, java, javascript, multimodal, php, pytest, repos, ruby, rust, sympy, unittest  # noqa: F401


def lines(log: str) -> Iterator[str]:
    """Lines split on ``\\n`` only, as the official parsers split them (``\\r`` stays in the line)."""
    return iter(log.split("\n"))


def per_line(event_of: Callable[[str], Event | None]) -> EventFn:
    """An event function from a function of one line: most runners report one test per line."""

    def events(log: str) -> Iterator[Event]:
        for line in lines(log):
            event = event_of(line)
            if event is not None:
                yield event

    return events


def status_of(token: str) -> TestStatus | None:
    try:
        return TestStatus(token)
    except ValueError:
        return None
