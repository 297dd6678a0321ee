"""``SWEEnv``: a SWE-bench task as a gymnasium environment, for a trainer that drives the policy itself.

An episode is one instance: ``reset`` starts a fresh container of the instance image (the repository
at its base commit, no later history) on the backend's internal network, with resource caps, and
returns the task as chat messages plus the tools' schemas. ``step`` takes one tool call (a dict, or the
assistant's raw text, parsed as the agent loop parses text calls) and returns what the tools printed.
The reward comes only when the episode ends (``submit``, or the step or time limit): the patch is taken
out of the container and graded by the same code as ``swerun eval``, in another fresh container, never
from an exit code: 1.0 resolved, 0.0 not. An infrastructure failure (a container that could not start,
an engine that went away) ends the episode with reward 0.0 and ``info["infra_error"]`` set, so the
trainer masks the sample instead of learning from a 0. A sandbox the policy itself destroyed (``kill -9
-1``, the repository deleted, past its disk cap) is the policy's doing, not infrastructure: reward 0.0,
unmasked, with ``info["violation"]`` saying what happened.

``reset(options=...)`` takes ``instance_id`` (else one is drawn with the seeded generator) and, for an
environment of a pool, ``ready_only`` (take a container the pool holds ready or raise ``NoneReady``,
never start one: what the Ray pool uses to try every node before starting a container).

Raises from ``reset``: ``InputError`` for an instance id the dataset lacks, ``InfraError`` when the
environment cannot be made (the trainer retries the reset). ``step`` before ``reset`` or after the
episode ended raises ``InputError``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import gymnasium

from ..agent.loop import NO_TOOL_CALL, first_messages
from ..agent.parsers import example_call, param_types, read_text_calls
from ..agent.patch_extract import extract_patch, head_commit
from ..agent.tools import TOOLS, ToolBox
from ..backends import make_backend
from ..backends.base import Backend, Limits
from ..dataset import load_dataset
from ..errors import InfraError, InputError
from ..evaluation.evaluate import EvalContext, prepare_image
from ..model import ToolCall
from ..resources import cache_dir
from ..runner import with_retries
from ..sandbox.base import Sandbox
from ..settings import RunSettings
from ..tasks import Task, resolve_task
from ..types import Outcome, Prediction

log = logging.getLogger(__name__)

REPO_DIR = "/testbed"  # where instance images hold the repository (the tools' and the patch's working tree)

# A policy in training is adversarial: every episode container is capped (pids stop a fork bomb,
# memory a hog, CPU share keeps one environment from starving the others, the file size one huge
# write, the disk cap many smaller ones).
EPISODE_CONTAINER = Limits(pids=1024, memory_mb=4096, cpus=1.0, file_mb=1024, disk_mb=4096)


@dataclass
class EpisodeLimits:
    max_steps: int = 100  # step calls per episode; the episode is truncated and graded there
    episode_seconds: float = 3600.0  # wall time per episode, checked at every step
    command_timeout: float = 120.0  # one bash command, enforced inside the container
    output_limit: int = 10000  # characters of tool output in an observation (head + tail)


@dataclass
class _Episode:
    task: Task
    sandbox: Sandbox
    toolbox: ToolBox
    base_commit: str
    image: Any
    started: float
    steps: int = 0
    done: bool = False


class SWEEnv(gymnasium.Env):
    """One SWE task per episode; see the module docstring for the protocol.

    Made as ``swerun eval`` is told what to run: ``SWEEnv(split="mini")``, or ``dataset=PATH_OR_HF_ID`` with
    ``instance_ids``, and the same image and repository options (``repo_url``, ``registry``,
    ``ca_bundle``). ``backend`` is a backend name (``"docker"``, ``"ray"``: this node's engine) or a backend
    object (the in-memory one in tests).
    """

    metadata = {"render_modes": []}

    def __init__(self, split: str | None = None, *, dataset: str | None = None,
                 instance_ids: list[str] | None = None, backend: str | Backend = "docker",
                 repo_url: str | None = None, registry: str | None = None, ca_bundle: str | None = None,
                 timeout: int = 1800, strict: bool = True, retries: int = 1, limits: EpisodeLimits | None = None,
                 container: Limits = EPISODE_CONTAINER, run_id: str | None = None, pool: Any = None,
                 share_netns: bool | None = None) -> None:
        self.pool = pool
        if pool is not None:  # the pool's dataset, backend and images: its containers are ours
            self.__dict__.update({k: getattr(pool.proto, k) for k in ("dataset", "backend", "settings", "ctx",
                                                                     "limits", "container", "_types", "_images")})
            self._episode, self._prepared, self._lock = None, True, threading.Lock()
            return
        self.dataset = load_dataset(split, dataset).select(list(instance_ids or []))
        if not self.dataset.instances:
            raise InputError("the dataset has no instances to make episodes of", source=dataset or split)
        # A run id of its own (the default) is this environment's alone: close() may remove every container
        # of it. Under a run id the caller shares between environments, each removes only its own, so grading
        # containers get no shared network-namespace holder that would outlive the environment.
        self._private_run = run_id is None
        share = self._private_run if share_netns is None else share_netns
        if isinstance(backend, str):
            self.backend: Backend = make_backend(backend, **({"share_netns": share} if backend == "docker" else {}))
        else:
            self.backend = backend
        self.settings = RunSettings(run_id=run_id or f"rl-{secrets.token_hex(4)}", repo_url=repo_url,
                                    registry=registry, ca_bundle=ca_bundle, timeout=timeout, strict=strict,
                                    retries=retries, limits=container, progress=False,
                                    backend=self.backend.name if self.backend.name in ("docker", "ray") else "fake")
        images = self.backend.images(repo_url=repo_url, log_dir=cache_dir() / "build_logs" / self.settings.run_id,
                                     ca_bundle=ca_bundle, registry=registry)
        self.ctx = EvalContext(settings=self.settings, builder=images, backend=self.backend)
        self.limits = limits or EpisodeLimits()
        self.container = container
        self._types = param_types(TOOLS)
        self._images: dict[str, Any] = {}
        self._episode: _Episode | None = None
        self._prepared = False
        self._lock = threading.Lock()

    # -- gymnasium API --------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        self._close_episode()
        t0 = time.monotonic()
        wanted = (options or {}).get("instance_id")
        if self.pool is not None:  # a container started ahead, handed over ("ready_only": never start one)
            ep = self.pool.take(wanted, self.np_random, start=not (options or {}).get("ready_only"))
        else:
            ep = self.start_episode(self._pick(wanted))
        ep.started = time.monotonic()
        self._episode = ep
        instance = ep.task.instance
        messages = first_messages(instance, TOOLS, command_timeout=self.limits.command_timeout)
        obs = {"messages": [m.to_wire() for m in messages], "tools": TOOLS}
        info = {"instance_id": instance.instance_id, "image": ep.image.tag, "image_id": ep.image.id,
                "image_digests": list(ep.image.digests), "reset_seconds": round(time.monotonic() - t0, 3),
                "from_pool": self.pool is not None}
        return obs, info

    def start_episode(self, instance: Any, role: str = "rl") -> _Episode:
        """A fresh container of ``instance``'s image at its base commit, capped, ready for the first step."""
        iid = instance.instance_id
        with self._lock:
            if not self._prepared:
                self.backend.prepare_run(self.settings.run_id)  # and reap what a crashed trainer left
                self._prepared = True
        task = resolve_task(instance)
        image = self._images.get(iid)
        if image is None:  # once per instance and environment: later resets start the container and no more
            image = self._images[iid] = prepare_image(self.ctx, instance, task.spec)
        name = f"swerun-rl-{self.settings.run_id}-{iid}-{secrets.token_hex(3)}"[:120]
        box = self.backend.open_sandbox(image.tag, run_id=self.settings.run_id, name=name,
                                        labels={"swerun.instance": iid, "swerun.role": role}, limits=self.container)
        # our instance images say their HEAD (the base commit, nothing on top); others are asked
        base = image.labels.get("swerun.base_commit") if task.image_source == "build" else None
        if not base:
            try:
                base = head_commit(box)
            except BaseException:
                box.close()
                raise
        toolbox = ToolBox(box, command_timeout=self.limits.command_timeout, output_limit=self.limits.output_limit)
        return _Episode(task, box, toolbox, base, image, started=time.monotonic())

    def step(self, action: dict[str, Any] | str) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        ep = self._episode
        if ep is None or ep.done:
            raise InputError("step() needs an episode: call reset() first")
        ep.steps += 1
        info: dict[str, Any] = {"instance_id": ep.task.instance_id, "steps": ep.steps}
        calls, error, shape = self._calls(action, ep.steps)
        messages: list[dict[str, Any]] = []
        submitted = False
        try:
            if not calls:
                info["format_error"] = f"{error or NO_TOOL_CALL} {example_call(shape)}"
                messages.append({"role": "user", "content": info["format_error"]})
            for call in calls:
                obs = ep.toolbox.dispatch(call)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": obs.output})
                if obs.submitted:
                    submitted = True
                    break
        except InfraError as exc:  # the container is gone (killed from inside, or the engine failed)
            log.warning("%s: episode lost its container: %s", ep.task.instance_id, exc)
            return {"messages": messages}, 0.0, True, False, {**info, **self._lost(ep, str(exc))}
        obs_out = {"messages": messages}
        if submitted:
            return obs_out, *self._finish(ep, "submitted", info)
        if ep.steps >= self.limits.max_steps:
            return obs_out, *self._finish(ep, "step_limit", info)
        if time.monotonic() - ep.started >= self.limits.episode_seconds:
            return obs_out, *self._finish(ep, "time_limit", info)
        return obs_out, 0.0, False, False, info

    def close(self) -> None:
        """Remove the episode's container and whatever else this environment started (network holders);
        an environment of a pool leaves the pool's own containers to ``EnvPool.close``."""
        self._close_episode()
        if self._prepared and self.pool is None and self._private_run:
            self._prepared = False
            self.backend.cleanup(self.settings.run_id, only_mine=True)

    async def areset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
        return await asyncio.to_thread(self.reset, seed=seed, options=options)

    async def astep(self, action: dict[str, Any] | str) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        return await asyncio.to_thread(self.step, action)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    # -- internals ------------------------------------------------------------------------------------

    def _pick(self, iid: str | None):
        by_id = self.dataset.by_id()
        if iid is None:
            ids = sorted(by_id)
            return by_id[ids[int(self.np_random.integers(len(ids)))]]
        if iid not in by_id:
            raise InputError(f"no instance {iid!r} in {self.dataset.source}", field="options.instance_id")
        return by_id[iid]

    def _calls(self, action: dict[str, Any] | str, step: int) -> tuple[list[ToolCall], str | None, str]:
        """A dict is one tool call; text is parsed exactly as the agent loop parses text tool calls."""
        if isinstance(action, str):
            got = read_text_calls(action, self._types)
            return got.calls, got.error, got.shape or "xml"
        if not isinstance(action, dict) or "name" not in action:
            return [], 'An action is a tool call {"name": ..., "arguments": {...}} or the assistant\'s text.', "native"
        args = action.get("arguments") or {}
        raw = args if isinstance(args, str) else json.dumps(args)
        call = ToolCall(id=str(action.get("id") or f"call-{step}"), name=str(action["name"]), arguments=raw)
        return [call], None, "native"

    def _finish(self, ep: _Episode, why: str, info: dict[str, Any]) -> tuple[float, bool, bool, dict[str, Any]]:
        """Take the patch, close the container, grade in a fresh one: (reward, terminated, truncated, info)."""
        ep.done = True
        iid = ep.task.instance_id
        try:  # what the policy left running must neither change the files while they are read nor hold the pids
            ep.toolbox.shell.reap()
        except InfraError as exc:
            log.info("%s: could not stop the episode's processes before taking the patch: %s", iid, exc)
        try:
            patch = extract_patch(ep.sandbox, ep.base_commit)
        except InfraError as exc:
            return 0.0, why == "submitted", why != "submitted", {**info, **self._lost(ep, str(exc))}
        finally:
            ep.sandbox.close()
        pred = Prediction(instance_id=iid, model_name_or_path="rl-policy", model_patch=patch.text)
        ev = with_retries(self.ctx, ep.task, pred, self.settings.retries, threading.Event())
        res = ev.result
        report = json.loads(ev.files.get("report.json") or "{}").get(iid, {})
        status = report.get("tests_status")
        f2p = (status or {}).get("FAIL_TO_PASS") or {}
        graded = len(f2p.get("success", [])) + len(f2p.get("failure", []))
        out = {**info, "exit": why, "outcome": res.outcome.value, "resolved": res.outcome is Outcome.RESOLVED,
               "patch": patch.text, "patch_excluded": patch.excluded, "tests_status": status,
               "fail_to_pass_fraction": (len(f2p.get("success", [])) / graded) if graded else 0.0,
               "reason": res.reason, "grading_seconds": round(res.seconds_total, 3), "test_seconds": res.seconds_tests}
        if res.outcome is Outcome.INFRA_ERROR:
            out["infra_error"] = res.reason
        return (1.0 if res.outcome is Outcome.RESOLVED else 0.0), why == "submitted", why != "submitted", out

    def _lost(self, ep: _Episode, why: str) -> dict[str, Any]:
        """The episode's sandbox failed: the policy's doing (a violation, scored 0) or the infrastructure's
        (masked)."""
        ep.done = True
        try:
            violation = self._violation(ep)
        finally:
            ep.sandbox.close()
        out = {"resolved": False, "tests_status": None, "fail_to_pass_fraction": 0.0, "patch": None}
        if violation is not None:
            log.info("%s: the policy ended its sandbox: %s", ep.task.instance_id, violation)
            return {**out, "exit": "sandbox_lost", "outcome": Outcome.UNRESOLVED.value, "violation": violation}
        return {**out, "exit": "sandbox_error", "outcome": Outcome.INFRA_ERROR.value, "infra_error": why[:500]}

    @staticmethod
    def _violation(ep: _Episode) -> str | None:
        """What the policy did to its sandbox, if the sandbox's state shows it: ended by its limits or its
        processes killed (the backend tells), or still running without the repository."""
        fault = ep.sandbox.fault()
        if fault is not None:
            return f"the container was ended: {fault}"
        try:
            res = ep.sandbox.exec(["test", "-d", f"{REPO_DIR}/.git"], timeout=30, cwd="/")
        except InfraError:
            return None
        return f"the repository at {REPO_DIR} was deleted" if res.returncode == 1 else None

    def _close_episode(self) -> None:
        ep, self._episode = self._episode, None
        if ep is not None:
            ep.sandbox.close()
