import json

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.errors import DatasetError


def _row(**over):
    row = {"instance_id": "acme__widgets-12", "repo": "acme/widgets", "base_commit": "a" * 40,
           "patch": "", "test_patch": "diff --git a/t.py b/t.py\n", "problem_statement": "It breaks.",
           "version": "1.0", "FAIL_TO_PASS": '["t.py::test_a"]', "PASS_TO_PASS": "[]"}
    row.update(over)
    return row


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_mini_split_loads_with_typed_rows():
    ds = load_dataset("mini")
    assert len(ds.instances) >= 10
    inst = ds.instances[0]
    assert isinstance(inst.FAIL_TO_PASS, list) and inst.FAIL_TO_PASS
    assert inst.repo.startswith("swerun-mini/")


def test_json_string_and_list_test_lists_are_equivalent(tmp_path):
    path = _write_jsonl(tmp_path / "d.jsonl", [_row(), _row(instance_id="acme__widgets-13",
                                                             FAIL_TO_PASS=["t.py::test_a"], version=1.0)])
    a, b = load_dataset(dataset=str(path)).instances
    assert a.FAIL_TO_PASS == b.FAIL_TO_PASS == ["t.py::test_a"]
    assert b.version == "1.0"


@pytest.mark.parametrize("field,value,words", [
    ("base_commit", "abc", "40-character"),
    ("FAIL_TO_PASS", "not json", "FAIL_TO_PASS"),
    ("repo", "widgets", "owner/name"),
    ("test_patch", "", "empty"),
])
def test_bad_row_names_file_line_instance_and_field(tmp_path, field, value, words):
    path = _write_jsonl(tmp_path / "d.jsonl", [_row(instance_id="acme__widgets-1"), _row(**{field: value})])
    with pytest.raises(DatasetError) as err:
        load_dataset(dataset=str(path))
    msg = str(err.value)
    assert f"{path}:2" in msg and "acme__widgets-12" in msg and field in msg and words in msg


def test_missing_field_and_duplicates_are_refused(tmp_path):
    row = _row()
    del row["version"]
    with pytest.raises(DatasetError, match="version"):
        load_dataset(dataset=str(_write_jsonl(tmp_path / "a.jsonl", [row])))
    with pytest.raises(DatasetError, match="duplicate"):
        load_dataset(dataset=str(_write_jsonl(tmp_path / "b.jsonl", [_row(), _row()])))


def test_json_list_and_parquet_files_load(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "d.json").write_text(json.dumps([_row()]))
    assert load_dataset(dataset=str(tmp_path / "d.json")).instances[0].instance_id == "acme__widgets-12"
    pq.write_table(pa.Table.from_pylist([_row()]), tmp_path / "d.parquet")
    assert load_dataset(dataset=str(tmp_path / "d.parquet")).instances[0].FAIL_TO_PASS == ["t.py::test_a"]


def test_unknown_split_and_unknown_ids(tmp_path):
    with pytest.raises(DatasetError, match="unknown split"):
        load_dataset("nope")
    with pytest.raises(DatasetError, match="unknown instance ids: nope__x-1"):
        load_dataset("mini").select(["nope__x-1"])


def test_hub_dataset_offline_gives_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DatasetError, match="--dataset PATH"):
        load_dataset(dataset="SWE-bench/Not_A_Real_Split_For_Tests")


def test_real_verified_rows_validate(swebench_jsonl):
    ds = load_dataset(dataset=str(swebench_jsonl("verified")))
    assert len(ds.instances) == 500
    assert sum(i.repo == "django/django" for i in ds.instances) == 231
    assert all(i.FAIL_TO_PASS for i in ds.instances)
