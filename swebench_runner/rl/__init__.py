"""Reinforcement-learning environments over swerun's images, tools and grader (``pip install swerun[rl]``)."""

from .env import EPISODE_CONTAINER, EpisodeLimits, SWEEnv

__all__ = ["EPISODE_CONTAINER", "EpisodeLimits", "SWEEnv"]
