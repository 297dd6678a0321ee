"""Reports in the official formats: per-instance ``report.json`` and the run report, plus a summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .dataset import Dataset
from .evaluation.grading import Grade, build_tests_status
from .types import Instance, InstanceResult, Outcome, Prediction

SCHEMA_VERSION = 2


def instance_report(instance: Instance, prediction: Prediction, grade: Grade | None,
                    infra_failure: bool = False) -> dict[str, Any]:
    """``{instance_id: {...}}`` exactly as the official harness writes ``report.json``."""
    body: dict[str, Any] = {
        "patch_is_None": prediction.model_patch is None,
        "patch_exists": not prediction.is_empty,
        "patch_successfully_applied": bool(grade and grade.log_valid),
        "resolved": bool(grade and grade.resolved),
    }
    if infra_failure:
        body["infra_failure"] = True
    if not prediction.is_empty:
        body["tests_status"] = (grade.tests_status if grade else
                                build_tests_status({}, instance.FAIL_TO_PASS, instance.PASS_TO_PASS))
    return {instance.instance_id: body}


def run_report(dataset: Dataset, predictions: Mapping[str, Prediction],
               results: Mapping[str, InstanceResult]) -> dict[str, Any]:
    """The official run report (schema 2) computed from our results, with infrastructure apart."""
    ids = [i.instance_id for i in dataset.instances]
    by = {o: sorted(i for i in ids if i in results and results[i].outcome is o) for o in Outcome}
    errors = sorted(by[Outcome.ERROR] + by[Outcome.INFRA_ERROR]
                    + [i for i in ids if i in predictions and i not in results and not predictions[i].is_empty])
    empty = sorted(set(by[Outcome.EMPTY_PATCH]) | {i for i in ids if i in predictions and predictions[i].is_empty})
    completed = sorted(by[Outcome.RESOLVED] + by[Outcome.UNRESOLVED])
    reasons = {i: results[i].reason for i in errors if i in results and results[i].reason}
    return {
        "total_instances": len(ids),
        "submitted_instances": sum(1 for i in ids if i in predictions),
        "completed_instances": len(completed),
        "resolved_instances": len(by[Outcome.RESOLVED]),
        "unresolved_instances": len(by[Outcome.UNRESOLVED]),
        "infra_failure_instances": len(by[Outcome.INFRA_ERROR]),
        "empty_patch_instances": len(empty),
        "error_instances": len(errors),
        "completed_ids": completed,
        "incomplete_ids": sorted(i for i in ids if i not in predictions),
        "empty_patch_ids": empty,
        "submitted_ids": sorted(i for i in ids if i in predictions),
        "resolved_ids": by[Outcome.RESOLVED],
        "unresolved_ids": by[Outcome.UNRESOLVED],
        "infra_failure_ids": by[Outcome.INFRA_ERROR],
        "failure_reasons": dict(sorted(reasons.items())),
        "error_ids": errors,
        "schema_version": SCHEMA_VERSION,
    }


def summary_lines(report: Mapping[str, Any], results: Mapping[str, InstanceResult]) -> list[str]:
    total = report["total_instances"] or 1
    lines = [
        f"Resolved     {report['resolved_instances']:>5} / {report['total_instances']}"
        f"  ({100 * report['resolved_instances'] / total:.1f}%)",
        f"Unresolved   {report['unresolved_instances']:>5}",
        f"Empty patch  {report['empty_patch_instances']:>5}",
        f"Patch errors {report['error_instances'] - report['infra_failure_instances']:>5}",
        f"Infra errors {report['infra_failure_instances']:>5}  (ours, not the model's; rerun the same command)",
    ]
    shown = 0
    for iid in report["unresolved_ids"] + report["error_ids"]:
        r = results.get(iid)
        if r is None or shown >= 15:
            continue
        shown += 1
        lines.append(f"  {r.outcome.value:<12} {iid}: {r.reason}"[:160])
    return lines
