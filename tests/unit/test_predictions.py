import json

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.errors import PredictionsError
from swebench_runner.predictions import load_predictions


@pytest.fixture(scope="module")
def mini():
    return load_dataset("mini")


def test_gold_and_empty(mini):
    gold = load_predictions("gold", mini)
    empty = load_predictions("empty", mini)
    iid = mini.instances[0].instance_id
    assert gold[iid].model_patch == mini.instances[0].patch and not gold[iid].is_empty
    assert empty[iid].is_empty and empty[iid].model_name_or_path == "empty"


def test_three_file_shapes(tmp_path, mini):
    iid = mini.instances[0].instance_id
    row = {"instance_id": iid, "model_name_or_path": "m", "model_patch": "x"}
    (tmp_path / "p.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "p.json").write_text(json.dumps([row]))
    (tmp_path / "d.json").write_text(json.dumps({iid: {"model_name_or_path": "m", "model_patch": None}}))
    assert load_predictions(str(tmp_path / "p.jsonl"), mini)[iid].model_patch == "x"
    assert load_predictions(str(tmp_path / "p.json"), mini)[iid].model_patch == "x"
    assert load_predictions(str(tmp_path / "d.json"), mini)[iid].is_empty


@pytest.mark.parametrize("line,words", [
    ('{"instance_id": "@ID@", "model_name_or_path": "m"}', "model_patch"),
    ('{"model_patch": "x"}', "instance_id"),
    ('{"instance_id": "@ID@", "model_patch": 3}', "must be a string or null"),
    ('{"instance_id": "nobody__x-1", "model_patch": ""}', "not in dataset"),
    ("{not json", "not valid JSON"),
])
def test_bad_rows_name_the_line_and_field(tmp_path, mini, line, words):
    iid = mini.instances[0].instance_id
    good = json.dumps({"instance_id": iid, "model_patch": ""})
    path = tmp_path / "p.jsonl"
    path.write_text(good.replace(iid, mini.instances[1].instance_id) + "\n" + line.replace("@ID@", iid) + "\n")
    with pytest.raises(PredictionsError) as err:
        load_predictions(str(path), mini)
    assert f"{path}:2" in str(err.value) and words in str(err.value)


def test_duplicate_and_missing_file(tmp_path, mini):
    iid = mini.instances[0].instance_id
    row = json.dumps({"instance_id": iid, "model_patch": ""})
    (tmp_path / "p.jsonl").write_text(row + "\n" + row + "\n")
    with pytest.raises(PredictionsError, match="duplicate"):
        load_predictions(str(tmp_path / "p.jsonl"), mini)
    with pytest.raises(PredictionsError, match="not found"):
        load_predictions(str(tmp_path / "none.jsonl"), mini)
