"""Layers shared through a registry: pushed under their content-hash tags (layers the registry has are
skipped), pulled by tag on another node instead of built, and built once when two nodes want the same
tag at the same time (a shared ``TagLock``).

"Another node" is a second Docker engine: a private dockerd (its own data root, socket and bridge, vfs
storage, no iptables) that shares nothing with the machine's engine but the registry, as two machines
would. The registry is Debian's docker-registry on a loopback port. The layers are tiny (``FROM scratch``
plus a few hundred KiB of random bytes) but go through ``ImageBuilder.ensure`` like any other layer.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import docker
import pytest
from docker.errors import ImageNotFound

from swebench_runner.backends.docker_builder import FileTagLock, ImageBuilder
from swebench_runner.image_sizes import SizeBook, user_sizes_path
from swebench_runner.images import LayerRecipe
from swebench_runner.prebuild import push_built
from swebench_runner.repos import RepoStore

from ..conftest import IN_CI
from ..helpers import local_registry

pytestmark = pytest.mark.docker


def _unavailable(why: str):
    if IN_CI:
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def registry():
    with local_registry() as address:
        yield address


@pytest.fixture(scope="module")
def node_b(docker_engine):
    """A second, private Docker engine standing for another node.

    Its own bridge interface (never ``--bridge=none``: that makes dockerd delete the host's docker0,
    which the machine's engine needs), no iptables, no forwarding, vfs storage under a temporary folder;
    stopped, its bridge deleted and its folder removed afterwards.
    """
    dockerd, ip = shutil.which("dockerd"), shutil.which("ip")
    if dockerd is None or ip is None or os.geteuid() != 0:
        _unavailable("a second Docker engine needs root, dockerd and ip")
    root = Path(tempfile.mkdtemp(prefix="swerun-nodeb-"))
    bridge = f"swrt{secrets.token_hex(4)}"
    subprocess.run([ip, "link", "add", bridge, "type", "bridge"], check=True)
    # a 10.x subnet: outside the pools Docker allocates networks from, so no engine wants it meanwhile
    subprocess.run([ip, "addr", "add", f"10.247.{secrets.randbelow(250) + 1}.1/24", "dev", bridge], check=True)
    sock = root / "docker.sock"
    log = open(root / "dockerd.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen([dockerd, "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
                             "--pidfile", str(root / "dockerd.pid"), "-H", f"unix://{sock}", f"--bridge={bridge}",
                             "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
                             "--storage-driver=vfs"], stdout=log, stderr=subprocess.STDOUT)
    engine = None
    try:
        for _ in range(150):
            try:
                engine = docker.DockerClient(base_url=f"unix://{sock}", timeout=300)
                engine.ping()
                break
            except Exception:  # noqa: BLE001 - not listening yet
                engine = None
                time.sleep(0.2)
        if engine is None:
            _unavailable(f"the second dockerd did not start: {(root / 'dockerd.log').read_text()[-2000:]}")
        yield engine
    finally:
        if engine is not None:
            engine.close()
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run([ip, "link", "del", bridge], check=False)
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()
                  if line.split()[1].startswith(str(root))]
        for m in sorted(mounts, reverse=True):
            subprocess.run(["umount", "-l", m], check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private swerun cache: this test's lock files and recorded sizes stay out of the user's."""
    monkeypatch.setenv("SWERUN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _recipes(key: str) -> list[LayerRecipe]:
    """base -> env -> instance, tiny, unique to this test (``key``), with the labels swerun layers carry."""
    repo = f"swerun-test/reg-{key}"
    iid = f"swerun-test__reg-{key}-1"
    base = f"swerun/base:regtest-{key}"
    env = f"swerun/env-swerun-test__reg-{key}:1.0-{key}"
    inst = f"swerun/eval-swerun-test__reg-{key}-1:{key}"
    specs = [("base", base, None, {"swerun.layer": "base", "swerun.python": f"0.{key}"}),
             ("env", env, base, {"swerun.layer": "env", "swerun.repo": repo, "swerun.version": "1.0"}),
             ("instance", inst, env, {"swerun.layer": "instance", "swerun.repo": repo, "swerun.instance": iid})]
    out = []
    for kind, tag, parent, labels in specs:
        blob = os.urandom(256 << 10).hex()  # 512 KiB of text: a measurable layer
        dockerfile = f"FROM {parent or 'scratch'}\nCOPY build/ /{kind}/\n"
        out.append(LayerRecipe(kind=kind, tag=tag, parent=parent or "scratch", labels=labels, build_network="none",
                               files={"Dockerfile": dockerfile, "build/blob.txt": blob}))
    return out


def _remove(engine, tags: list[str], registry: str) -> None:
    for tag in reversed(tags):
        for name in (f"{registry}/{tag}", tag):
            try:
                engine.images.remove(name, force=True)
            except ImageNotFound:
                pass


@pytest.fixture
def layers(docker_engine, node_b, registry, cache):
    recipes = _recipes(secrets.token_hex(4))
    yield recipes
    tags = [r.tag for r in recipes]
    _remove(docker_engine, tags, registry)
    _remove(node_b, tags, registry)


def _logs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.log")) if folder.is_dir() else []


def test_pushed_layers_are_pulled_by_tag_on_another_node_not_built(layers, docker_engine, node_b, registry,
                                                                   tmp_path):
    a = ImageBuilder(RepoStore(), tmp_path / "logs-a")
    built = [a.ensure(r) for r in layers]
    assert [i.source for i in built] == ["built"] * 3 and len(_logs(tmp_path / "logs-a")) == 3

    pushed = a.push_layers(layers[-1].tag, registry)
    assert [(p.tag, p.remote, p.pushed) for p in pushed] == [(r.tag, f"{registry}/{r.tag}", True) for r in layers]
    assert all(p.digest and p.digest.startswith("sha256:") for p in pushed)
    again = a.push_layers(layers[-1].tag, registry)  # the registry has them all: nothing is sent
    assert [(p.pushed, p.digest) for p in again] == [(False, p.digest) for p in pushed]

    b = ImageBuilder(RepoStore(), tmp_path / "logs-b", registry=registry, docker=node_b)
    got = [b.ensure(r) for r in layers]
    assert [i.source for i in got] == ["pulled"] * 3
    assert _logs(tmp_path / "logs-b") == []  # nothing was built on node B
    for mine, theirs, push in zip(built, got, pushed, strict=True):
        assert theirs.id == mine.id  # the very image, not a rebuild
        repo = push.remote.rsplit(":", 1)[0]
        assert f"{repo}@{push.digest}" in theirs.digests  # the registry digest is recorded
        assert node_b.images.get(theirs.tag).id == mine.id  # under its local tag
    assert b.ensure(layers[-1]).source == "cache"

    # the pulled (and built) layers' sizes are recorded for forecasts, over the bundled figures
    book = SizeBook.load()
    env = book.figure("env", layers[1].labels["swerun.repo"], "1.0")
    assert env.source == "recorded" and not env.guess and (256 << 10) * 2 <= env.bytes < 2 << 20
    assert user_sizes_path().is_file()


def test_push_built_walks_the_layers_of_an_image_from_the_engine(layers, docker_engine, registry, tmp_path):
    """What ``images build --push`` does: a builder that did not make the layers finds them on the engine."""
    maker = ImageBuilder(RepoStore(), tmp_path / "logs")
    for r in layers[:2]:
        maker.ensure(r)
    ImageBuilder(RepoStore(), tmp_path / "logs", push_to=registry).push(layers[0].tag)  # the base is there already
    maker.ensure(layers[2])

    fresh = ImageBuilder(RepoStore(), tmp_path / "logs")
    assert fresh.layer_chain(layers[2].tag) == [r.tag for r in layers]
    out = push_built(fresh, [layers[2].tag, layers[1].tag], registry)
    assert out.pushed == {layers[0].tag: "present", layers[1].tag: "pushed", layers[2].tag: "pushed"}
    for r in layers:
        assert out.digests[r.tag] == fresh.remote_digest(f"{registry}/{r.tag}")


class GateLock:
    """A ``TagLock`` for threads of one process, which also makes the race certain: whoever gets a tag first
    waits (up to 60 s) until the other party has asked for it too, so both ask while nobody has it yet.
    It records, per tag, the order of holding and the most holders at once."""

    def __init__(self, parties: int = 2) -> None:
        self.parties = parties
        self.cond = threading.Condition()
        self.locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self.asked: dict[str, int] = defaultdict(int)
        self.held: dict[str, list[str]] = defaultdict(list)
        self.holders: dict[str, int] = defaultdict(int)
        self.most: dict[str, int] = defaultdict(int)

    @contextmanager
    def hold(self, tag: str):
        with self.cond:
            self.asked[tag] += 1
            lock = self.locks[tag]
            self.cond.notify_all()
        with lock:
            with self.cond:
                self.cond.wait_for(lambda: self.asked[tag] >= self.parties, timeout=60)
                self.held[tag].append(threading.current_thread().name)
                self.holders[tag] += 1
                self.most[tag] = max(self.most[tag], self.holders[tag])
            try:
                yield
            finally:
                with self.cond:
                    self.holders[tag] -= 1


def test_two_nodes_sharing_a_lock_and_a_registry_build_each_layer_once(layers, docker_engine, node_b, registry,
                                                                       tmp_path):
    lock = GateLock()
    nodes = {"a": ImageBuilder(RepoStore(), tmp_path / "logs-a", registry=registry, push_to=registry, lock=lock),
             "b": ImageBuilder(RepoStore(), tmp_path / "logs-b", registry=registry, push_to=registry, lock=lock,
                               docker=node_b)}
    results: dict[str, list] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(name: str) -> None:
        try:
            start.wait()
            results[name] = [nodes[name].ensure(r) for r in layers]
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors

    logs = _logs(tmp_path / "logs-a") + _logs(tmp_path / "logs-b")
    assert len(logs) == 3  # one build per layer, over both nodes
    for i, r in enumerate(layers):
        a, b = results["a"][i], results["b"][i]
        assert sorted([a.source, b.source]) == ["built", "pulled"], r.tag
        assert a.id == b.id  # the node that did not build pulled the other's image
        puller = a if a.source == "pulled" else b
        repo = f"{registry}/{r.tag}".rsplit(":", 1)[0]
        digest = nodes["a"].remote_digest(f"{registry}/{r.tag}")
        assert f"{repo}@{digest}" in puller.digests
        # both asked for the tag while neither had it; they held it one after the other
        assert sorted(lock.held[r.tag]) == ["a", "b"] and lock.most[r.tag] == 1


def test_the_default_lock_is_a_file_per_tag(cache, tmp_path):
    builder = ImageBuilder(RepoStore(), tmp_path / "logs")
    assert isinstance(builder.lock, FileTagLock)
    with builder.lock.hold("swerun/env-x:1.0-abc"):
        assert (cache / "locks" / "swerun_env-x_1.0-abc.lock").exists()
