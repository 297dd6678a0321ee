"""Reinforcement-learning environments over swerun's images, tools and grader (``pip install swerun[rl]``):
``SWEEnv`` (gymnasium), ``EnvPool`` (containers started ahead), and in ``rl.skyrl`` a SkyRL-Gym text
environment (``pip install skyrl-gym``)."""

from .env import EPISODE_CONTAINER, EpisodeLimits, SWEEnv
from .episode import EpisodeResult, run_episode
from .pool import EnvPool

__all__ = ["EPISODE_CONTAINER", "EnvPool", "EpisodeLimits", "EpisodeResult", "SWEEnv", "run_episode"]
