"""Facts of the SWE-bench leaderboard (github:SWE-bench/experiments) that a submission must match.

A submission is ``evaluation/<split>/<YYYYMMDD>_<name>/`` holding ``all_preds.jsonl``, ``metadata.yaml``
(``info``, ``tags``, ``assets``), ``README.md``, ``logs/<instance_id>/`` (``eval.sh``, ``patch.diff``,
``report.json``, ``run_instance.log``, ``test_output.txt``), ``trajs/`` (one reasoning trace per instance)
and ``results/results.json``. The leaderboard's ``analysis/get_results.py`` computes ``results.json``
over every instance of the split: ``no_generation`` (no prediction, or an empty patch), ``no_logs`` (a
patch but no ``logs/<id>/report.json``) and ``resolved`` (``report.json`` says resolved); the resolve
rate is ``len(resolved)`` over the split's size, so a missing prediction counts as unresolved. It also breaks resolved down by repository and by the
year the issue was created (``created_at``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..types import Instance

# swerun split name -> the folder under evaluation/ on the leaderboard ("test" is the full benchmark).
LEADERBOARD_SPLITS = {"full": "test", "lite": "lite", "verified": "verified", "multimodal": "multimodal",
                      "multilingual": "multilingual"}
SPLIT_FROM_FOLDER = {v: k for k, v in LEADERBOARD_SPLITS.items()}
# sb-cli subsets (``sb-cli submit <subset> <split>``); the full benchmark is not served by sb-cli.
SBCLI_SUBSETS = {"verified": "swe-bench_verified", "lite": "swe-bench_lite", "multimodal": "swe-bench-m"}
NAME_RE = re.compile(r"^(\d{8})_[A-Za-z0-9][A-Za-z0-9._+-]*$")
LOG_FILES = ("eval.sh", "patch.diff", "report.json", "run_instance.log", "test_output.txt")
ALWAYS_LOGGED = ("patch.diff", "report.json", "run_instance.log")  # for every non-empty patch
TESTS_RAN_LOGGED = ("eval.sh", "test_output.txt")  # besides, when the patch applied and the tests ran
CHECKLIST = ("Is a pass@1 submission (does not attempt the same task instance more than once)",
             "Does not use SWE-bench test knowledge (PASS_TO_PASS, FAIL_TO_PASS)",
             "Does not use the hints field in SWE-bench",
             "Does not have web-browsing OR has taken steps to prevent lookup of SWE-bench solutions via web-browsing")


class SubmissionInfo(BaseModel):
    """What ``metadata.yaml`` says about the entry; the leaderboard shows ``info`` and filters by ``tags``."""

    name: str = Field(description="the entry's name on the leaderboard")
    site: str | None = Field(None, description="link to the system")
    report: str | None = Field(None, description="technical report or blog post (expected for every entry)")
    authors: str | None = None
    logo: str | None = None
    models: list[str] = Field(default_factory=list, description="tags.model: the model(s) used")
    orgs: list[str] = Field(default_factory=list, description="tags.org")
    os_model: bool = False
    os_system: bool = True
    attempts: int = 1

    def metadata(self) -> dict[str, Any]:
        info = {k: v for k, v in (("name", self.name), ("site", self.site), ("report", self.report),
                                  ("authors", self.authors), ("logo", self.logo)) if v}
        return {"info": info,
                "tags": {"checked": False, "model": list(self.models), "org": list(self.orgs),
                         "os_model": self.os_model, "os_system": self.os_system,
                         "system": {"attempts": self.attempts}},
                # The maintainers move logs and trajs to their bucket and point these there.
                "assets": {"logs": "logs", "trajs": "trajs"}}


def is_empty_patch(row: Mapping[str, Any] | None) -> bool:
    return row is None or not (row.get("model_patch") or "").strip()


def read_report(logs: Path, iid: str) -> dict[str, Any] | None:
    try:
        data = json.loads((logs / iid / "report.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None
    return data.get(iid) if isinstance(data, dict) and isinstance(data.get(iid), dict) else None


def _output(logs: Path, iid: str) -> str:
    try:
        return (logs / iid / "test_output.txt").read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return ""


def results_json(instance_ids: Iterable[str], preds: Mapping[str, Mapping[str, Any]], logs: Path) -> dict[str, list[str]]:
    """``results/results.json`` as the leaderboard derives it from predictions and logs.

    The current ``get_results`` writes ``no_generation``, ``no_logs`` and ``resolved``; submissions made
    with the pre-Docker harness (``lite/20240604_CodeR``) also carry ``generated``, ``with_logs``,
    ``install_fail``, ``reset_failed``, ``no_apply``, ``applied``, ``test_errored`` and ``test_timeout``.
    Both sets are written (a reader of either finds its keys); every list is sorted.
    """
    keys = ("no_generation", "generated", "with_logs", "install_fail", "reset_failed", "no_apply", "applied",
            "test_errored", "test_timeout", "resolved", "no_logs")
    out: dict[str, list[str]] = {k: [] for k in keys}
    for iid in sorted(instance_ids):
        if is_empty_patch(preds.get(iid)):
            out["no_generation"].append(iid)
            continue
        out["generated"].append(iid)
        report = read_report(logs, iid)
        if report is None:
            out["no_logs"].append(iid)
            continue
        out["with_logs"].append(iid)
        text = _output(logs, iid)
        for key, marker in (("reset_failed", ">>>>> Reset Failed"), ("test_errored", ">>>>> Tests Errored"),
                            ("test_timeout", ">>>>> Tests Timed Out")):
            if marker in text:
                out[key].append(iid)
        out["applied" if report.get("patch_successfully_applied") else "no_apply"].append(iid)
        if report.get("resolved") is True:
            out["resolved"].append(iid)
    return out


def breakdown(instances: Iterable[Instance], resolved: set[str]) -> tuple[dict, dict]:
    """Resolved by repository and by the year of ``created_at``: ``{key: {"resolved": n, "total": m}}``."""
    by_repo: dict[str, dict[str, int]] = defaultdict(lambda: {"resolved": 0, "total": 0})
    by_year: dict[str, dict[str, int]] = defaultdict(lambda: {"resolved": 0, "total": 0})
    for inst in instances:
        year = (inst.created_at or "????")[:4]
        for table, key in ((by_repo, inst.repo), (by_year, year)):
            table[key]["total"] += 1
            table[key]["resolved"] += int(inst.instance_id in resolved)
    return dict(sorted(by_repo.items())), dict(sorted(by_year.items()))


def results_lines(name: str, split: str, total: int, results: Mapping[str, list[str]], by_repo: dict,
                  by_year: dict) -> list[str]:
    """The summary the leaderboard's ``get_results`` prints (the checklist asks for it in the README)."""
    rule = "=" * 50
    n = len(results["resolved"])
    lines = [f"Submission summary for {name} on SWE-bench {split} split", rule,
             f"Resolved {n} instances ({100 * n / total if total else 0:.2f}%)", rule, "Resolved by Repository"]
    lines += [f"- {k}: {v['resolved']}/{v['total']} ({100 * v['resolved'] / v['total']:.2f}%)" for k, v in by_repo.items()]
    lines += [rule, "Resolved by Time"]
    lines += [f"- {k}: {v['resolved']}/{v['total']} ({100 * v['resolved'] / v['total']:.2f}%)" for k, v in by_year.items()]
    return lines
