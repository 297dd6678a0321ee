"""The headline ``swerun --model M --split S`` takes every option of ``infer`` and ``eval`` that makes sense
for inference followed by evaluation, and hands them to the pipeline and the evaluation."""

from __future__ import annotations

import os
import sys
import types
from types import SimpleNamespace

import click
from click.testing import CliRunner

from swebench_runner.cli import main
from swebench_runner.cli.eval import eval_cmd
from swebench_runner.cli.infer import infer_cmd
from swebench_runner.errors import SwerunError
from swebench_runner.resources import SPECS_ENV

from .conftest import HEADLINE, run_swerun, tree

EVAL_ONLY = {"--predictions", "--image-source", "--image-namespace"}  # a predictions file; official images


def opts(cmd: click.Command) -> set[str]:
    return {o for p in cmd.params if isinstance(p, click.Option) for o in p.opts if o.startswith("--")}


def test_headline_declares_every_option_of_infer_and_eval():
    assert (opts(infer_cmd) | opts(eval_cmd)) - EVAL_ONLY <= opts(main)
    for must in ("--repo-url", "--registry", "--ca-bundle", "--specs", "--retries", "--official-grading",
                 "--timeout", "--command-timeout", "--token-limit", "--run-id", "--results-dir"):
        assert must in opts(main), must


def test_help_lists_the_image_options(tmp_path):
    res = run_swerun("--help", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    for flag in ("--repo-url", "--registry", "--ca-bundle", "--specs", "--retries", "--official-grading"):
        assert flag in res.stdout, flag


def test_image_options_get_past_parsing_to_the_next_clear_error(tmp_path):
    """The brief's command line, with every image option: parsed, the model resolved, then the dataset
    refuses an unknown instance (exit 2) -- no "No such option", no Docker needed."""
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "specs").mkdir()
    res = run_swerun(*HEADLINE, "--registry", "127.0.0.1:5999", "--ca-bundle", str(tmp_path / "ca.pem"),
                     "--specs", str(tmp_path / "specs"), "--retries", "2", "--official-grading", "--timeout", "60",
                     "--command-timeout", "30", "--token-limit", "1000", "--run-id", "r1",
                     "--instance-ids", "swerun-mini__nope-1", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "No such option" not in res.stderr
    assert "unknown instance ids: swerun-mini__nope-1" in res.stderr


def _fake_library(monkeypatch, calls: dict):
    """The two library calls the headline makes, as recorders of the settings they get: the pipeline
    (inference, grading as it goes) and the final evaluation, which stops the run here."""

    def module(name: str, **attrs) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        return mod

    def run_pipeline(dataset, agent, limits, model_public, cfg, redact=None, **_):
        calls.update(pipeline=cfg, limits=limits, ids=[i.instance_id for i in dataset.instances])
        return SimpleNamespace(failed={}, preds_path="preds.jsonl")

    def run_evaluation(dataset, preds, cfg, **_):
        calls["run"] = cfg
        raise SwerunError("evaluation reached")

    monkeypatch.setitem(sys.modules, "swebench_runner.agent.pipeline", module(
        "swebench_runner.agent.pipeline", run_pipeline=run_pipeline, summary_lines=lambda outcome: ["inference done"],
        predictions_for_eval=lambda outcome: {"swerun-mini__textkit-1": object()}))
    monkeypatch.setitem(sys.modules, "swebench_runner.runner", module("swebench_runner.runner",
                                                                      run_evaluation=run_evaluation))


def test_headline_hands_image_grading_and_limit_options_on(in_process, monkeypatch):
    tmp = in_process
    (tmp / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp / "specs").mkdir()
    (tmp / "empty.env").write_text("")
    calls: dict = {}
    _fake_library(monkeypatch, calls)
    out = CliRunner().invoke(main, [*HEADLINE, "--env-file", "empty.env", "--registry", "127.0.0.1:5999",
                                    "--ca-bundle", "ca.pem", "--specs", "specs", "--retries", "3",
                                    "--official-grading", "--timeout", "60", "--command-timeout", "30",
                                    "--token-limit", "1000", "--step-limit", "7", "--max-workers", "2",
                                    "--run-id", "r1", "--results-dir", str(tmp / "res"),
                                    "--instance-ids", "swerun-mini__textkit-1"])
    assert out.exit_code == 1 and "error: evaluation reached" in out.output, out.output
    assert "inference done" in out.output
    for cfg in (calls["pipeline"], calls["run"]):
        assert (cfg.repo_url, cfg.registry, cfg.ca_bundle) == ("file:///x/{owner}+{name}/repo", "127.0.0.1:5999",
                                                               "ca.pem")
        assert (cfg.run_id, cfg.max_workers, cfg.timeout, cfg.strict) == ("r1", 2, 60, False)
    assert calls["pipeline"].evaluate is True and calls["run"].retries == 3
    assert calls["limits"].token_limit == 1000 and calls["limits"].command_timeout == 30
    assert calls["limits"].step_limit == 7 and calls["ids"] == ["swerun-mini__textkit-1"]
    assert os.environ[SPECS_ENV] == "specs"  # where spec.py looks first
    assert tree(tmp / "res") == ["r1", "r1/swerun.log"]


def test_headline_defaults_are_evals(in_process, monkeypatch):
    calls: dict = {}
    _fake_library(monkeypatch, calls)
    (in_process / "empty.env").write_text("")
    out = CliRunner().invoke(main, [*HEADLINE, "--env-file", "empty.env", "--run-id", "d"])
    assert out.exit_code == 1, out.output
    assert (calls["run"].retries, calls["run"].strict, calls["run"].timeout) == (1, True, 1800)
    assert (calls["pipeline"].registry, calls["pipeline"].ca_bundle) == (None, None)


def test_options_before_a_command_are_refused_not_ignored(tmp_path):
    res = run_swerun("--split", "mini", "eval", "--predictions", "gold", cwd=tmp_path)
    assert res.returncode == 2 and "--split must follow the command name" in res.stderr, res.stderr
    assert tree(tmp_path) == []


def test_bare_swerun_prints_help_and_options_without_a_model_are_refused(tmp_path):
    res = run_swerun(cwd=tmp_path)
    assert res.returncode == 0 and "Usage: swerun" in res.stdout
    res = run_swerun("--split", "mini", cwd=tmp_path)
    assert res.returncode == 2 and "Missing option '--model'" in res.stderr
