"""Collected last: after every other test, no container swerun started is left on the engine (a run, a
debug session, a network-namespace holder); each test cleaned up what it made, as swerun must."""

import pytest

from swebench_runner.backends.docker_engine import RUN_LABEL

pytestmark = pytest.mark.docker


def test_no_container_of_swerun_is_left(docker_engine):
    left = docker_engine.containers.list(all=True, filters={"label": RUN_LABEL})
    assert not left, [(c.name, c.labels.get(RUN_LABEL)) for c in left]
