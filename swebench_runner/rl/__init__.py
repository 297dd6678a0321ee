"""Reinforcement-learning environments over swerun's images, tools and grader (``pip install swerun[rl]``):
``SWEEnv`` (gymnasium), ``EnvPool`` (containers started ahead), ``RayEnvPool`` (the pool across a Ray
cluster), and in ``rl.skyrl`` a SkyRL-Gym text
environment (``pip install skyrl-gym``)."""

from .env import EPISODE_CONTAINER, EpisodeLimits, SWEEnv
from .episode import EpisodeResult, run_episode
from .pool import EnvPool
from .ray_pool import RayEnv, RayEnvPool

__all__ = ["EPISODE_CONTAINER", "EnvPool", "EpisodeLimits", "EpisodeResult", "RayEnv", "RayEnvPool", "SWEEnv",
           "run_episode"]
