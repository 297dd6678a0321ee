"""report.html in a real headless Chromium: it loads offline, an instance opens by click and by address,
and the page shows its status, its tests with their statuses, the coloured diff, the log and the trajectory."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ..helpers import swerun
from .browser import Browser

pytestmark = pytest.mark.docker

WRONG = "swerun-mini__textkit-1"  # the scripted agent applied wrong.patch: two PASS_TO_PASS tests break
GOLD = "swerun-mini__textkit-3"
BROKEN_TEST = "tests/test_slug.py::test_allow_unicode_keeps_letters[latin]"
DIFF_LINE = '+    text = unicodedata.normalize("NFKD", text)'


@pytest.fixture(scope="module")
def report_html(mixed_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    res = swerun("report", str(mixed_run), "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out


def _keep(path: Path) -> None:
    """Screenshots also go to $SWERUN_SCREENSHOTS when set, for a person to look at."""
    if os.environ.get("SWERUN_SCREENSHOTS"):
        dest = Path(os.environ["SWERUN_SCREENSHOTS"])
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest / path.name)


def test_report_opens_an_instance_and_shows_what_happened(chromium, report_html, tmp_path):
    with Browser(chromium, tmp_path / "profile") as b:
        b.open(report_html.as_uri())
        b.wait_for("document.body.dataset.ready === '1'")
        assert b.js("document.querySelector('.card.main .n').textContent") == "6/16"
        assert b.js("document.querySelectorAll('svg.chart g.bar').length") == 5
        assert b.js("document.getElementById('detail').hidden") is True
        _keep(b.screenshot(tmp_path / "report-summary.png"))

        b.click(f'tr[data-id="{WRONG}"] td')
        b.wait_for(f"document.getElementById('detail').dataset.instance === {json.dumps(WRONG)}")
        detail = "document.getElementById('detail')"
        assert b.js(f"{detail}.hidden") is False
        assert b.js(f"{detail}.querySelector('.head .badge').textContent") == "unresolved"
        row = b.js(f"""Array.from({detail}.querySelectorAll('table.tests tr'))
                       .filter(tr => tr.dataset.test === {json.dumps(BROKEN_TEST)})
                       .map(tr => Array.from(tr.cells).map(td => td.textContent))[0]""")
        assert row == ["PASS_TO_PASS", BROKEN_TEST, "fail", "FAILED"]
        added = b.js(f"""Array.from({detail}.querySelectorAll('pre.diff span.add'))
                         .filter(s => s.textContent === {json.dumps(DIFF_LINE)})
                         .map(s => getComputedStyle(s).backgroundColor)""")
        assert added == ["rgb(218, 251, 225)"]  # the added line is there, and green
        assert "2 failed, 26 passed" in b.js(f"{detail}.querySelector('pre.log').textContent")
        trajectory = b.js(f"{detail}.querySelector('.trajectory').innerText")
        assert "str_replace_editor" in trajectory and "git apply /tmp/fix.patch" in trajectory
        assert "3 steps" in trajectory and "submitted" in trajectory
        _keep(b.screenshot(tmp_path / "report-instance.png"))

        b.js(f"location.hash = 'instance=' + encodeURIComponent({json.dumps(GOLD)})")
        b.wait_for(f"{detail}.dataset.instance === {json.dumps(GOLD)}")
        assert b.js(f"{detail}.querySelector('.head .badge').textContent") == "resolved"
        assert b.js(f"{detail}.querySelectorAll('table.tests td.fail').length") == 0

        b.click('.filters button[data-filter="empty_patch"]')
        visible = b.js("Array.from(document.querySelectorAll('table.instances tbody tr')).filter(tr => !tr.hidden)"
                       ".map(tr => tr.dataset.status)")
        assert visible == ["empty_patch"] * 5

        offsite = [u for u in b.requested_urls() if not u.startswith(("file:", "data:", "about:"))]
        assert offsite == []  # no CDN, no fonts, nothing: the page works offline
        assert b.errors() == []


def test_page_opened_at_an_instance_address(chromium, report_html, tmp_path):
    with Browser(chromium, tmp_path / "profile") as b:
        b.open(report_html.as_uri() + f"#instance={WRONG}")
        b.wait_for(f"document.getElementById('detail').dataset.instance === {json.dumps(WRONG)}")
        assert BROKEN_TEST in b.js("document.getElementById('detail').innerText")
