"""The ``parsed`` fixture: a real log snippet's status map under the parser its index names."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.types import TestStatus

from .logsnippets import INDEX, read_log


@pytest.fixture
def parsed() -> Callable[..., dict[str, TestStatus]]:
    """``parsed("django__django-11019")``: the snippet's status map under its indexed parser (or ``parser=``)."""

    def parse(name: str, parser: str | None = None) -> dict[str, TestStatus]:
        return get_parser(parser or INDEX[f"{name}.log"]["parser"]).parse(read_log(name))

    return parse
