"""The Docker backend: the package's conformance checks, and what only Docker can show (the container
is gone after close, one-shot scripts share a per-worker network namespace)."""

import pytest

from swebench_runner.backends import conformance
from swebench_runner.backends import docker_engine as engine
from swebench_runner.backends.docker import DockerBackend
from swebench_runner.backends.docker_builder import ImageBuilder
from swebench_runner.images import base_recipes
from swebench_runner.repos import RepoStore

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def base_image(docker_engine, tmp_path_factory):
    builder = ImageBuilder(RepoStore(), tmp_path_factory.mktemp("logs"))
    return builder.ensure_base(base_recipes()["3.11"]).tag


@pytest.fixture()
def backend(base_image):
    b = DockerBackend()
    b.prepare_run(conformance.RUN_ID)
    yield b
    b.cleanup(conformance.RUN_ID)


@pytest.mark.parametrize("check", conformance.checks(DockerBackend()), ids=lambda c: c.__name__)
def test_conformance(check, backend, base_image):
    check(backend, base_image)


def test_close_removes_the_container(backend, base_image, docker_engine):
    box = backend.open_sandbox(base_image, run_id="conformance", name="swerun-conformance-gone", workdir="/")
    cid = box.container.id
    box.close()
    box.close()
    assert not docker_engine.containers.list(all=True, filters={"id": cid})


def test_one_shot_runs_join_one_namespace_per_worker(backend, base_image):
    first = backend.run_script(base_image, "true", files={}, run_id="conformance", name="netns-1", timeout=60)
    second = backend.run_script(base_image, "true", files={}, run_id="conformance", name="netns-2", timeout=60)
    assert first.exit_code == second.exit_code == 0
    assert len(backend._shared_netns("conformance")._holders) == 1  # the second run joined the first's
    backend.cleanup("conformance")
    holders = engine.client().containers.list(all=True, filters={"label": "swerun.role=netns"})
    assert not [h for h in holders if h.labels.get(engine.RUN_LABEL) == "conformance"]
