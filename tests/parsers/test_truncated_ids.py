"""Dataset ids that are cut short, matched against real parsed logs by the grader."""

from __future__ import annotations

import json

from swebench_runner.evaluation.grading import build_tests_status, passed

from ..conftest import swebench_rows

# PASS_TO_PASS of scikit-learn__scikit-learn-25570 (Lite), cut at the first space of the real id.
TRUNCATED = ("sklearn/compose/tests/test_column_transformer.py::test_column_transformer_verbose"
             "[fit-est0-\\\\[ColumnTransformer\\\\].*\\\\(1")


def test_truncated_id_matches_the_full_id_by_prefix(parsed):
    sm = parsed("scikit-learn__scikit-learn-25570")  # pytest_v2 keeps the whole id, spaces included
    assert TRUNCATED not in sm
    assert passed(TRUNCATED, sm)
    report = build_tests_status(sm, [], [TRUNCATED])
    assert report["PASS_TO_PASS"] == {"success": [TRUNCATED], "failure": []}


def test_ids_cut_by_the_parser_itself_match_exactly(parsed):
    """matplotlib's dataset ids were produced by the same whitespace split, so they match as they are."""
    sm = parsed("matplotlib__matplotlib-23299")
    case = "lib/matplotlib/tests/test_rcparams.py::test_legend_colors[different"
    assert case in sm and passed(case, sm)


def test_the_truncated_id_is_the_datasets():
    row = next(r for r in swebench_rows("lite") if r["instance_id"] == "scikit-learn__scikit-learn-25570")
    assert TRUNCATED in json.loads(row["PASS_TO_PASS"])
