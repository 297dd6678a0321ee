"""A non-editable install renders report.html: the page's CSS, script and template travel in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


def test_unpacked_wheel_renders_the_page(tmp_path):
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("swerun-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for static in ("report.html", "report.css", "report.js"):
        assert f"swebench_runner/reporting/static/{static}" in names
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    probe = ("from swebench_runner.reporting import html; from swebench_runner.reporting.summary import RunSummary, Tally;"
             "s = RunSummary(run_id='r', path='p', model='m', dataset='d', instances=[], overall=Tally(), by_repo={},"
             " by_difficulty={}); page = html.render(s); print(html.__file__); print(len(page), 'swerun-data' in page)")
    res = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    where, size, has_data = res.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and int(size) > 5000 and has_data == "True"
