"""Model settings from presets, flags, the environment and .env files, in Qwen Code's precedence."""

import pytest

from swebench_runner.agent.model_config import resolve_model
from swebench_runner.errors import InputError
from swebench_runner.model import ToolMode


def test_qwen3_coder_preset_reads_the_dashscope_key(clean_env, monkeypatch):
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-dash-123456")
    s = resolve_model("qwen3-coder")
    assert s.model == "qwen3-coder-plus" and s.label == "qwen3-coder-plus"
    assert s.base_url == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    assert s.api_key.get_secret_value() == "sk-dash-123456"
    assert s.context_length == 1000000 and s.output_cost_per_mtok > 0 and s.extra_body["top_k"] == 20
    assert "sk-dash" not in str(s.public()) and "sk-dash" not in repr(s)


def test_preset_without_key_names_the_variable(clean_env):
    with pytest.raises(InputError, match="DASHSCOPE_API_KEY"):
        resolve_model("qwen3-coder")


def test_flags_beat_environment_beats_dotenv(clean_env, monkeypatch):
    (clean_env / ".env").write_text(
        "OPENAI_API_KEY=sk-from-dotenv\nOPENAI_BASE_URL=http://dotenv:1/v1\nOPENAI_MODEL=dotenv-model\n"
    )
    s = resolve_model("openai")
    assert (s.model, s.base_url, s.api_key.get_secret_value()) == (
        "dotenv-model",
        "http://dotenv:1/v1",
        "sk-from-dotenv",
    )
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env:2/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    s = resolve_model("openai:my-model")
    assert (s.model, s.base_url, s.api_key.get_secret_value()) == ("my-model", "http://env:2/v1", "sk-from-env")
    s = resolve_model("openai:my-model", base_url="http://flag:3/v1", api_key="sk-from-flag")
    assert (s.base_url, s.api_key.get_secret_value()) == ("http://flag:3/v1", "sk-from-flag")


def test_dotenv_is_found_upwards_and_in_dot_qwen(clean_env):
    (clean_env / ".qwen").mkdir()
    (clean_env / ".qwen" / ".env").write_text("DASHSCOPE_API_KEY=sk-qwen-dir-1\n")
    sub = clean_env / "a" / "b"
    sub.mkdir(parents=True)
    import os

    os.chdir(sub)
    assert resolve_model("qwen3-coder").api_key.get_secret_value() == "sk-qwen-dir-1"


def test_local_server_needs_no_key_and_unknown_names_are_explained(clean_env):
    s = resolve_model("openai:my-local-model", base_url="http://127.0.0.1:8000/v1")
    assert s.api_key.get_secret_value() == "EMPTY" and s.temperature == 0.0
    with pytest.raises(InputError, match="qwen3-coder"):
        resolve_model("some-model")
    assert resolve_model("Qwen/Qwen3-Coder-30B-A3B-Instruct", base_url="http://h/v1").extra_body["top_k"] == 20


def test_user_models_config_is_merged_and_typos_are_errors(clean_env):
    cfg = clean_env / "models.yaml"
    cfg.write_text("models:\n  mine:\n    temperature: 0.3\n    input_cost_per_mtok: 4\n    tool_mode: xml\n")
    s = resolve_model("openai:mine", base_url="http://h/v1", models_config=str(cfg))
    assert (s.temperature, s.input_cost_per_mtok, s.tool_mode, s.max_tokens) == (0.3, 4, ToolMode.XML, 4096)
    cfg.write_text("models:\n  mine:\n    temprature: 0.3\n")
    with pytest.raises(InputError, match="temprature"):
        resolve_model("openai:mine", base_url="http://h/v1", models_config=str(cfg))
