"""Ubuntu bases: Pythons that Debian's current releases lack (SWE-bench spans 3.5 to 3.11), built with
debootstrap from Ubuntu's archive and used end to end (see the ubuntu_archive fixture)."""

import json

import pytest
import yaml

from swebench_runner.backends.docker_builder import ImageBuilder
from swebench_runner.dataset import load_dataset
from swebench_runner.images import base_for, base_recipes, env_recipe
from swebench_runner.repos import RepoStore
from swebench_runner.resources import harness_dir
from swebench_runner.spec import spec_for

from ..helpers import swerun

pytestmark = pytest.mark.docker

FOCAL = base_recipes()["3.8"]
IDS = ["swerun-mini__textkit-1", "swerun-mini__textkit-2"]


def test_gold_resolves_on_focal_python_3_8_from_a_user_spec_folder(docker_engine, ubuntu_archive, tmp_path):
    bundled = yaml.safe_load((harness_dir() / "specs" / "swerun-mini__textkit.yaml").read_text())
    entry = bundled["versions"]["1.0"]
    entry.update(python="3.8", bootstrap_packages=["pip==24.3.1"],  # focal's venv pip cannot install PEP 660
                 pip_packages=["pytest==8.3.4", "setuptools==75.3.0", "wheel==0.45.1"],  # the last for 3.8
                 install=[entry["install"][0] + " --ignore-requires-python"])  # textkit says >=3.9, runs on 3.8
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "swerun-mini__textkit.yaml").write_text(yaml.safe_dump(bundled))

    res = swerun("eval", "--split", "mini", "--instance-ids", ",".join(IDS), "--predictions", "gold",
                 "--run-id", "focal", "--specs", str(specs), "--max-workers", "2", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    run = tmp_path / "results" / "focal"
    assert json.loads((run / "gold.focal.json").read_text())["resolved_ids"] == IDS
    for iid in IDS:
        result = json.loads((run / iid / "result.json").read_text())
        assert result["environment"] | {"scm_version": ""} == {"base": FOCAL.tag, "base.suite": "focal",
                                                                "python": "3.8", "scm_version": ""}
        assert "Python 3.8." in (run / iid / "test_output.txt").read_text()  # pytest's header

    # the bundled spec (Python 3.11 on Debian) still serves runs that do not name the folder
    again = swerun("eval", "--split", "mini", "--instance-ids", IDS[0], "--predictions", "gold", "--run-id", "deb",
                   cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    result = json.loads((tmp_path / "results" / "deb" / IDS[0] / "result.json").read_text())
    assert result["environment"]["python"] == "3.11"


def test_an_environment_builds_on_bionic_whose_venv_starts_with_pip_9(docker_engine, ubuntu_archive, tmp_path):
    """Python 3.6 (140 Verified rows) is bionic's, and its venv starts with pip 9.0.1: the env layer must get
    from there to the spec's pins (pip 9 crashed on PIP_NO_CACHE_DIR=1 and looked for pypi.python.org)."""
    inst = load_dataset("mini").instances[0]
    spec = spec_for(inst).model_copy(update={"python": "3.6", "bootstrap_packages": ["pip==21.3.1"],
                                             "pip_packages": ["pytest==7.0.1"], "install": []})
    builder = ImageBuilder(RepoStore(), tmp_path / "logs")
    assert builder.ensure_base(base_for(spec, inst)).tag == base_recipes()["3.6"].tag
    env = builder.ensure(env_recipe(inst, spec, builder.store))
    out = docker_engine.containers.run(env.tag, ["bash", "-c", "python -V; python -m pip --version; pytest --version; "
                                                 "ls /root/.cache/pip 2>/dev/null | wc -l"],
                                       remove=True, stderr=True).decode()
    assert "Python 3.6.9" in out and "pip 21.3.1" in out and "pytest 7.0.1" in out, out
    assert out.split()[-1] == "0"  # nothing cached in the layer
    assert env.labels["swerun.base.suite"] == "bionic"
