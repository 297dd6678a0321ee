"""`--image-source swebench`: the official prebuilt images, pulled from a registry (a local one here),
evaluated with our script after activating their conda env, or with the row's own eval script."""

import io
import json
import tarfile

import pytest

from swebench_runner import bundled, official
from swebench_runner.dataset import load_dataset
from swebench_runner.patch import split_test_files
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings
from swebench_runner.spec import spec_for
from swebench_runner.types import Outcome

from ..helpers import local_registry, write_preds

pytestmark = pytest.mark.docker

# The official images activate their environment with conda; this stand-in gives `conda activate testbed`
# the same effect on our venv, so the image is laid out (and must be used) the official way.
CONDA_STAND_IN = """conda() {
  if [ "$1" = activate ] && [ "$2" = testbed ]; then export PATH=/opt/venv/bin:$PATH CONDA_DEFAULT_ENV=testbed
  else echo "conda stand-in: unsupported: $*" >&2; return 1; fi
}
"""
OFFICIAL_LAYOUT = """FROM {parent}
COPY activate /opt/miniconda3/bin/activate
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN cd /testbed && git -c user.name=swebench -c user.email=s@b commit --allow-empty -qm SWE-bench
"""


@pytest.fixture(scope="module")
def registry():
    """Debian's docker-registry serving on a free loopback port (Docker trusts 127.0.0.0/8 over HTTP)."""
    with local_registry() as address:
        yield address


@pytest.fixture(scope="module")
def pushed(docker_engine, registry, gold_run, mini):
    """An official-layout image of one mini instance, pushed to the registry and removed locally."""
    inst = next(i for i in mini.instances if spec_for(i).log_parser == "pytest")
    namespace = f"{registry}/swebench"
    name = official.image_name(inst, namespace)
    ctx = io.BytesIO()
    with tarfile.open(fileobj=ctx, mode="w") as tar:
        for fname, text in (("Dockerfile", OFFICIAL_LAYOUT.format(parent=gold_run.results[inst.instance_id].image)),
                            ("activate", CONDA_STAND_IN)):
            info = tarfile.TarInfo(fname)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    ctx.seek(0)
    docker_engine.images.build(fileobj=ctx, custom_context=True, tag=name, rm=True)
    for line in docker_engine.images.push(name, stream=True, decode=True):
        assert "error" not in line, line
    docker_engine.images.remove(name)
    yield inst, namespace, name
    try:  # the evaluation pulled it back; leave no test image behind
        docker_engine.images.remove(name, force=True)
    except Exception:  # noqa: BLE001 - already gone is fine
        pass


def test_pulled_official_image_resolves_gold_and_records_its_digest(pushed, mini, tmp_path, docker_engine):
    inst, namespace, name = pushed
    ds = mini.select([inst.instance_id])
    cfg = dict(results_root=tmp_path, image_source="swebench", image_namespace=namespace, progress=False)
    out = run_evaluation(ds, load_predictions("gold", ds), RunSettings(run_id="official-gold", **cfg))
    res = out.results[inst.instance_id]
    assert res.outcome is Outcome.RESOLVED, res.reason
    assert res.image == name and any(d.startswith(name.rsplit(":", 1)[0] + "@sha256:") for d in res.image_digests)
    run_json = json.loads(out.run.run_json.read_text())
    assert run_json["config"]["image_source"] == "swebench" and run_json["images"][inst.instance_id]["digests"]
    assert "conda activate testbed" in out.run.file(inst.instance_id, "eval.sh").read_text()

    wrong = write_preds(tmp_path / "wrong.jsonl", {inst.instance_id: bundled.wrong_patch(inst.instance_id)})
    out = run_evaluation(ds, load_predictions(str(wrong), ds), RunSettings(run_id="official-wrong", **cfg))
    assert out.results[inst.instance_id].outcome is Outcome.UNRESOLVED


def test_rows_own_eval_script_is_used(pushed, mini, tmp_path):
    inst, namespace, _ = pushed
    spec = spec_for(inst)
    existing, created = split_test_files(inst.test_patch)
    row = {**inst.model_dump(), "eval_script": official.official_style_script(
        inst, spec.test_command(existing + created)), "log_parser": "parse_log_pytest"}
    (tmp_path / "rows.jsonl").write_text(json.dumps(row) + "\n")
    ds = load_dataset(dataset=str(tmp_path / "rows.jsonl"))
    out = run_evaluation(ds, load_predictions("gold", ds), RunSettings(
        run_id="row-script", results_root=tmp_path, image_source="swebench", image_namespace=namespace,
        progress=False))
    res = out.results[inst.instance_id]
    assert res.outcome is Outcome.RESOLVED, res.reason
    log = out.run.file(inst.instance_id, "test_output.txt").read_text()
    assert "+ : '>>>>> Start Test Output'" in log  # the row's own script ran (set -x trace)
    assert res.test_exit_code == 0
