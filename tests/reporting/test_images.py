"""images ls / prune / build / estimate on the real engine. Pruning is only ever aimed at images this test
makes (a unique tag), because the engine is shared with everything else on the machine."""

from __future__ import annotations

import io
import json
import os
import secrets
import tarfile

import pytest
from docker.errors import ImageNotFound

from swebench_runner.dataset import load_dataset
from swebench_runner.images import base_for, env_recipe, instance_recipe
from swebench_runner.prebuild import build_ahead
from swebench_runner.repos import RepoStore
from swebench_runner.spec import spec_for

from ..helpers import local_registry, swerun

pytestmark = pytest.mark.docker


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def two_layers(docker_engine):
    """A labelled base (imported) and a child built on it that adds 2 MiB: a tiny swerun layer tree."""
    key = secrets.token_hex(4)
    base, child = f"swerun/base:prunetest-{key}", f"swerun/eval-swerun-test__prune-{key}-1:{key}"
    repo, tag = base.split(":")
    docker_engine.api.import_image_from_data(_tar({"hello.txt": b"hello\n"}), repository=repo, tag=tag,
                                             changes=["LABEL swerun.layer=base swerun.python=0.0"])
    context = _tar({"Dockerfile": f"FROM {base}\nCOPY blob /blob\n".encode(), "blob": os.urandom(2 << 20)})
    labels = {"swerun.layer": "instance", "swerun.repo": "swerun-test/prune",
              "swerun.instance": f"swerun-test__prune-{key}-1"}
    for chunk in docker_engine.api.build(fileobj=io.BytesIO(context), custom_context=True, tag=child, rm=True,
                                         decode=True, labels=labels):
        assert "error" not in chunk, chunk
    yield key, base, child
    for t in (child, base):
        try:
            docker_engine.images.remove(t, force=True)
        except ImageNotFound:
            pass


def _rows(key: str) -> dict[str, dict]:
    res = swerun("images", "ls", "--json")
    assert res.returncode == 0, res.stderr
    return {r["tag"]: r for r in json.loads(res.stdout) if key in r["tag"]}


def test_ls_shows_sizes_and_the_bytes_a_child_shares(two_layers):
    key, base, child = two_layers
    rows = _rows(key)
    assert rows[child]["parent"] == base and rows[child]["layer"] == "instance"
    assert rows[child]["shared"] == rows[base]["size"]
    assert (2 << 20) <= rows[child]["unique"] < (2 << 20) + 64 * 1024
    text = swerun("images", "ls").stdout
    assert child in text and "on disk (shared layers counted once)" in text


def test_prune_by_tag_dry_run_then_for_real(two_layers, docker_engine):
    key, base, child = two_layers
    pattern = f"swerun/*prune*{key}*"
    dry = swerun("images", "prune", "--match", pattern, "--dry-run")
    assert f"would remove {child}" in dry.stdout and f"would remove {base}" in dry.stdout
    assert docker_engine.images.get(child)
    res = swerun("images", "prune", "--match", pattern, "--layer", "instance")
    assert f"removed {child}" in res.stdout and base not in res.stdout
    with pytest.raises(ImageNotFound):
        docker_engine.images.get(child)
    assert docker_engine.images.get(base)


def test_prune_by_run_and_by_age(two_layers, docker_engine, tmp_path):
    key, base, child = two_layers
    run = tmp_path / "r1"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"images": {"swerun-test__prune-1": {"tag": child, "id": "x"}}}))
    res = swerun("images", "prune", "--run", str(run))
    assert f"removed {child}" in res.stdout and base not in res.stdout
    young = swerun("images", "prune", "--older-than", "1d", "--match", f"*{key}*", "--dry-run")
    assert "0 images would be removed" in young.stdout  # made a moment ago
    assert swerun("images", "prune").returncode == 2  # nothing said: nothing removed


def test_estimate_and_build_ahead_of_a_run(mixed_run):
    est = swerun("images", "estimate", "--split", "mini")
    assert est.returncode == 0, est.stderr
    assert "16/16 instance images present" in est.stdout and "Disk needed: about 0 B" in est.stdout
    built = swerun("images", "build", "--split", "mini", "--instance-ids", "swerun-mini__textkit-1",
                   "--max-workers", "2")
    assert built.returncode == 0, built.stderr
    assert "swerun-mini__textkit-1: cache" in built.stdout and "1 ready (1 cache), 0 failed" in built.stdout


def test_build_ahead_pushes_every_layer_of_what_it_readied(docker_engine, tmp_path):
    """What ``swerun images build --push REGISTRY`` does: each instance's base, env and instance layers go to
    the registry under their own tags, once; a second build-and-push sends nothing."""
    ids = ["swerun-mini__textkit-1", "swerun-mini__textkit-2"]
    instances = list(load_dataset("mini").select(ids).instances)
    store = RepoStore()
    tags = set()
    for inst in instances:
        spec = spec_for(inst)
        env = env_recipe(inst, spec, store)
        tags |= {base_for(spec, inst).tag, env.tag, instance_recipe(inst, spec, env, store=store).tag}
    assert len(tags) == 4  # one base, one env, two instances
    with local_registry() as registry:
        try:
            out = build_ahead(instances, max_workers=2, push=registry)
            assert not out.failed and set(out.sources) == set(ids)
            assert out.pushed == dict.fromkeys(tags, "pushed")
            for tag in tags:
                remote = f"{registry}/{tag}"
                assert out.digests[tag] == docker_engine.api.inspect_distribution(remote)["Descriptor"]["digest"]
                digests = docker_engine.images.get(tag).attrs["RepoDigests"]
                assert f"{remote.rsplit(':', 1)[0]}@{out.digests[tag]}" in digests
            again = build_ahead(instances, push=registry)
            assert again.sources == dict.fromkeys(ids, "cache") and again.pushed == dict.fromkeys(tags, "present")
            assert again.digests == out.digests
        finally:  # the registry's names for the images; the images themselves are the split's, kept
            for tag in tags:
                try:
                    docker_engine.images.remove(f"{registry}/{tag}")
                except ImageNotFound:
                    pass
