"""A non-editable install must carry harness/ and datasets/ inside the wheel."""

import subprocess
import sys
import zipfile

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(root)], check=True)
    return next(out.glob("swerun-*.whl"))


def test_wheel_carries_bundled_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("swebench_runner/_bundled/harness/eval/eval.sh",
                     "swebench_runner/_bundled/harness/dockerfiles/env.Dockerfile",
                     "swebench_runner/_bundled/harness/base/bookworm.yaml",
                     "swebench_runner/_bundled/harness/specs/swerun-mini__textkit.yaml",
                     "swebench_runner/_bundled/datasets/splits.yaml",
                     "swebench_runner/_bundled/datasets/mini/instances.jsonl"):
        assert required in names, required
    assert any(n.startswith("swebench_runner/_bundled/datasets/mini/repos/textkit/") for n in names)


def test_unpacked_wheel_finds_its_data_without_the_checkout(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    probe = ("from swebench_runner.resources import harness_dir; from swebench_runner.dataset import load_dataset;"
             "from swebench_runner.bundled import is_current;"
             "print(harness_dir()); print(len(load_dataset('mini').instances)); print(is_current())")
    res = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}, check=True)
    where, count, current = res.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and int(count) >= 10 and current == "True"
