"""Image layers: content-hash tags, one build per tag under concurrency, no future in the repository."""

import secrets
import threading

import pytest

from swebench_runner.backends.docker_builder import ImageBuilder
from swebench_runner.backends.docker_engine import DockerSandbox
from swebench_runner.images import LayerRecipe, base_recipes, env_recipe, instance_recipe
from swebench_runner.repos import RepoStore
from swebench_runner.spec import spec_for

pytestmark = pytest.mark.docker


def test_tags_follow_the_spec_not_the_ca_bundle(mini):
    inst = mini.instances[0]
    spec = spec_for(inst)
    store = RepoStore()
    env = env_recipe(inst, spec, store)
    assert env_recipe(inst, spec, store).tag == env.tag  # deterministic
    changed = env_recipe(inst, spec.model_copy(update={"pip_packages": [*spec.pip_packages, "six==1.16.0"]}), store)
    assert changed.tag != env.tag and changed.tag.split(":")[0] == env.tag.split(":")[0]
    assert instance_recipe(inst, spec, changed).tag != instance_recipe(inst, spec, env).tag
    assert "ca.pem" not in "".join(env.files)  # the CA bundle is added at build time, outside the hash


def test_two_workers_build_a_layer_once(docker_engine, tmp_path):
    base = base_recipes()["3.11"]
    builder = ImageBuilder(RepoStore(), tmp_path / "logs")
    builder.ensure_base(base)
    marker = secrets.token_hex(4)
    recipe = LayerRecipe(kind="env", tag=f"swerun/test-once:{marker}", parent=base.tag,
                         files={"Dockerfile": f"FROM {base.tag}\nRUN sleep 2 && echo {marker} > /built\n"},
                         labels={"swerun.layer": "test"})
    sources: list[str] = []
    threads = [threading.Thread(target=lambda: sources.append(builder.ensure(recipe).source)) for _ in range(2)]
    try:
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(sources) == ["built", "cache"]
    finally:
        docker_engine.images.remove(recipe.tag, force=True)


def test_instance_repository_holds_nothing_after_the_base_commit(gold_run, mini):
    inst = mini.instances[0]
    image = gold_run.results[inst.instance_id].image
    with DockerSandbox(image, run_id="history-check", name=f"swerun-history-{secrets.token_hex(3)}") as box:
        revs = box.exec(["git", "rev-list", "--all"]).stdout.split()
        assert revs == [inst.base_commit]
        assert box.exec(["git", "tag"]).stdout == ""
        assert box.exec(["git", "branch", "--format=%(refname:short)"]).stdout.split() == ["main"]
        assert box.exec(["git", "status", "--porcelain"]).stdout == ""
        assert box.exec(["git", "reflog"]).stdout.strip() == ""
