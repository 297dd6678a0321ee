"""SWE-smith rows: a bug synthesised into a snapshot of a repository, with the tests already there.

A row (``instance_id``, ``repo`` = ``swesmith/<owner>__<name>.<sha8>``, ``patch``, ``FAIL_TO_PASS``,
``PASS_TO_PASS``, ``image_name``, ``problem_statement``) names no base commit and no test patch: the
snapshot is the commit ``sha8`` of ``<owner>/<name>``, and ``patch`` is the change that *introduces* the
bug. Mapped onto one instance record: the repository is the original one at the snapshot, the bug is
the instance image's ``setup_patch`` (applied and committed there, so the agent sees a plain buggy
HEAD), the gold patch is the bug's reverse, and the version is the snapshot, so one environment
image is built per snapshot (its spec, ``<owner>__<name>.yaml`` version ``<sha8>``, comes from
``--specs``: SWE-smith's repository profiles are not ours to copy).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import FormatError
from ..patch import reverse_patch

_SMITH_REPO = re.compile(r"^(?:[A-Za-z0-9_.-]+/)?(?P<owner>[A-Za-z0-9_.-]+?)__(?P<name>[A-Za-z0-9_.-]+)\.(?P<sha>[0-9a-f]{7,40})$")


class SWESmith:
    name = "swe-smith"

    def claims(self, row: dict[str, Any]) -> bool:
        return "image_name" in row and "base_commit" not in row and "test_patch" not in row

    def to_instance(self, row: dict[str, Any]) -> dict[str, Any]:
        m = _SMITH_REPO.match(str(row.get("repo", "")))
        if not m:
            raise FormatError("must look like swesmith/<owner>__<name>.<sha>", field="repo")
        bug = row.get("patch")
        if not isinstance(bug, str) or not bug.strip():
            raise FormatError("is empty: a SWE-smith row's patch is the bug it introduces", field="patch")
        keep = {k: v for k, v in row.items() if k not in ("repo", "patch")}
        return {**keep, "repo": f"{m['owner']}/{m['name']}", "base_commit": m["sha"], "version": m["sha"],
                "setup_patch": bug, "patch": reverse_patch(bug), "test_patch": ""}
