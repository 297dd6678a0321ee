"""SWE tasks for SkyRL trainers: ``SWEBenchTextEnv`` is a SkyRL-Gym ``BaseTextEnv`` over ``SWEEnv``.

SkyRL makes one environment per trajectory from a dataset row's ``extras`` and drives it with the
policy's raw text: ``init(prompt)`` gives the first prompt, ``step(text)`` the tool outputs, the reward
and ``done``. The text is parsed exactly as swerun's agent loop parses text tool calls, and the reward is
the fresh-container verdict of the episode's patch (``SWEEnv``); an infrastructure failure is in the
step's metadata (``infra_error``) so the trainer can mask the sample. Registered as ``swerun-swebench``.

    extras = {"instance_id": "swerun-mini__textkit-2", "max_turns": 30}
    env_config = {"split": "mini"}              # or dataset=..., repo_url=..., registry=...
"""

from __future__ import annotations

from typing import Any

from skyrl_gym import register
from skyrl_gym.envs.base_text_env import BaseTextEnv, BaseTextEnvStepOutput

from .env import EpisodeLimits, SWEEnv

ENV_ID = "swerun-swebench"
_ENV_KEYS = ("split", "dataset", "repo_url", "registry", "ca_bundle", "backend", "timeout")


def _get(config: Any, key: str) -> Any:
    if config is None:
        return None
    if isinstance(config, dict):
        return config.get(key)
    return getattr(config, key, None)  # an omegaconf DictConfig, as SkyRL passes it


class SWEBenchTextEnv(BaseTextEnv):
    def __init__(self, env_config: Any = None, extras: dict[str, Any] | None = None) -> None:
        super().__init__()
        extras = dict(extras or {})
        info = extras.get("extra_info") or {}
        self.instance_id = extras.get("instance_id") or info.get("instance_id")
        self.max_turns = int(extras.get("max_turns") or info.get("max_turns") or 50)
        kwargs = {k: v for k in _ENV_KEYS if (v := _get(env_config, k)) is not None}
        ids = [self.instance_id] if self.instance_id else None
        self.env = SWEEnv(instance_ids=ids, limits=EpisodeLimits(max_steps=self.max_turns), **kwargs)
        self.last_info: dict[str, Any] = {}

    def init(self, prompt: list[dict[str, str]]) -> tuple[list[dict[str, str]], dict[str, Any]]:
        """The task as swerun tells it (system rules and the issue); the dataset's own prompt is replaced,
        since the tools it must describe are the environment's."""
        obs, info = self.env.reset(options={"instance_id": self.instance_id} if self.instance_id else None)
        return [{"role": m["role"], "content": m["content"]} for m in obs["messages"]], {**info, "tools": obs["tools"]}

    def step(self, action: str) -> BaseTextEnvStepOutput:
        self.turns += 1
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.last_info = info
        done = terminated or truncated
        text = "\n\n".join(m["content"] for m in obs["messages"])
        observations = [] if done else [{"role": "user", "content": text}]
        return BaseTextEnvStepOutput(observations=observations, reward=reward, done=done, metadata=info,
                                     postprocessed_action=action)

    def get_metrics(self) -> dict[str, Any]:
        return {"resolved": float(bool(self.last_info.get("resolved"))),
                "fail_to_pass_fraction": float(self.last_info.get("fail_to_pass_fraction") or 0.0),
                "infra_error": float("infra_error" in self.last_info)}

    def close(self) -> None:
        self.env.close()


register(id=ENV_ID, entry_point="swebench_runner.rl.skyrl:SWEBenchTextEnv")
