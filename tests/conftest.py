"""Shared fixtures. Docker tests fail in CI when the engine is missing and skip only elsewhere."""

from __future__ import annotations

import functools
import json
import lzma
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from swebench_runner.errors import DockerUnavailable

IN_CI = bool(os.environ.get("CI"))
# Real SWE-bench data cut down for the tests (see its README.md): ``<name>.jsonl.xz`` rows and
# ``<name>.tar.xz`` archives of files.
SWEBENCH_DATA = Path(__file__).resolve().parent / "data" / "swebench"


@pytest.fixture(scope="session")
def docker_engine():
    """The Docker client, or a skip (outside CI) / failure (in CI) saying why there is none."""
    from swebench_runner.backends import docker_engine as sdocker

    try:
        return sdocker.client()
    except DockerUnavailable as exc:
        if IN_CI:
            pytest.fail(f"Docker is required in CI: {exc}")
        pytest.skip(f"no Docker engine here: {exc}")


@functools.cache
def _jsonl_text(name: str) -> str:
    with lzma.open(SWEBENCH_DATA / f"{name}.jsonl.xz", "rt", encoding="utf-8") as f:
        return f.read()


def swebench_rows(name: str) -> list[dict]:
    """The bundled rows of ``tests/data/swebench/<name>.jsonl.xz`` (``verified``, ``lite``), in dataset
    order; a fresh list of fresh dicts on every call."""
    return [json.loads(line) for line in _jsonl_text(name).splitlines() if line.strip()]


@functools.cache
def _archive(name: str) -> dict[str, bytes]:
    with tarfile.open(SWEBENCH_DATA / f"{name}.tar.xz", "r:xz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def swebench_file(archive: str, member: str) -> bytes:
    """One file of ``tests/data/swebench/<archive>.tar.xz`` by its path in the archive, as stored."""
    return _archive(archive)[member]


def swebench_members(archive: str, folder: str = "") -> list[str]:
    """The paths of the files in ``tests/data/swebench/<archive>.tar.xz`` under ``folder``, sorted."""
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    return sorted(m for m in _archive(archive) if m.startswith(prefix))


@pytest.fixture(scope="session")
def swebench_jsonl(tmp_path_factory) -> Callable[[str], Path]:
    """``swebench_jsonl("verified")``: a decompressed copy of a bundled dataset (``verified.jsonl``),
    for ``load_dataset(dataset=...)``; written once per session."""
    root = tmp_path_factory.mktemp("swebench")

    def path(name: str) -> Path:
        out = root / f"{name}.jsonl"
        if not out.exists():
            out.write_text(_jsonl_text(name), encoding="utf-8")
        return out

    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def ubuntu_archive():
    """Ubuntu's archive, where the bases for Python 3.5-3.8/3.10/3.12 come from: a failure in CI when it
    does not answer (CI's machine reaches it as this one does), a skip elsewhere."""
    import urllib.request

    from swebench_runner.images import base_recipes

    url = base_recipes()["3.8"].keyring.url
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=15).close()
    except OSError as exc:
        if IN_CI:
            pytest.fail(f"Ubuntu's archive does not answer: {exc}")
        pytest.skip(f"Ubuntu's archive does not answer here: {exc}")


@pytest.fixture(scope="module")
def ray_cluster():
    """A real Ray cluster on this machine: a head that runs no containers and two worker nodes, each a
    separate raylet with its own ``docker_slots``, all on the local Docker engine."""
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "resources": {"docker_slots": 0}, "include_dashboard": False})
    workers = [cluster.add_node(num_cpus=1, resources={"docker_slots": 2}) for _ in range(2)]
    cluster.wait_for_nodes()
    yield cluster, workers
    if ray.is_initialized():
        ray.shutdown()
    cluster.shutdown()
