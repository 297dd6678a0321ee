"""One instance, start to finish: image, container, agent, patch, files.

Whatever happens, the trajectory is written. A prediction is written only when the run ended on a
verdict about the model (submitted, a limit, format errors); an API or sandbox failure leaves no
prediction, so resuming the run asks that instance again instead of scoring it as an empty patch.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from ..errors import InfraError
from ..evaluation.evaluate import EvalContext, prepare_image
from ..spec import spec_for
from ..types import Instance
from .agents import Agent
from .loop import AgentLimits
from .patch_extract import extract_patch, head_commit
from .store import InferenceStore
from .trajectory import AgentPrediction, ExitStatus, Trajectory, now

log = logging.getLogger(__name__)


@dataclass
class SessionContext:
    store: InferenceStore
    images: EvalContext  # settings, backend and images, shared with the evaluation
    agent: Agent
    limits: AgentLimits
    model_public: dict  # model settings without the key, for the trajectory


def solve_instance(ctx: SessionContext, instance: Instance) -> tuple[Trajectory, AgentPrediction | None]:
    iid = instance.instance_id
    run_id = ctx.store.run.run_id
    traj = Trajectory(instance_id=iid, model_name_or_path=ctx.agent.label, agent=ctx.agent.name,
                      model=ctx.model_public, limits=ctx.limits.model_dump())
    t0 = time.monotonic()
    try:
        image = prepare_image(ctx.images, instance, spec_for(instance))
        tag = ctx.agent.image(ctx.images.builder, image, instance)
        name = f"swerun-agent-{run_id}-{iid}-{secrets.token_hex(3)}"[:120]
        labels = {"swerun.instance": iid, "swerun.role": "agent"}
        with ctx.agent.open(ctx.images.backend, tag, run_id=run_id, name=name, labels=labels) as sb:
            base = head_commit(sb)  # base_commit, or the image's post-install commit on top of it
            traj.extra["start_commit"] = base
            ctx.agent.solve(sb, instance, traj, ctx.store.write_trajectory)
            patch = extract_patch(sb, base)
            traj.patch, traj.patch_excluded = patch.text, patch.excluded
    except InfraError as exc:
        log.error("%s: sandbox failure: %s", iid, exc)
        traj.exit_status, traj.exit_reason = ExitStatus.SANDBOX_ERROR, str(exc)[:2000]
    except Exception as exc:  # a bug must cost this instance, not the run
        log.exception("%s: agent crashed", iid)
        traj.exit_status, traj.exit_reason = ExitStatus.ERROR, f"{type(exc).__name__}: {exc}"[:2000]
    if traj.exit_status is None:
        traj.exit_status, traj.exit_reason = ExitStatus.ERROR, "the agent ended without an exit status"
    traj.finished_at = now()
    traj.totals.seconds = time.monotonic() - t0
    ctx.store.write_trajectory(traj)
    if not traj.exit_status.final:
        return traj, None
    pred = AgentPrediction(instance_id=iid, model_name_or_path=ctx.agent.label, model_patch=traj.patch or "",
                           exit_status=traj.exit_status, cost=traj.totals.cost, steps=traj.totals.steps)
    ctx.store.write_prediction(pred)
    log.info("%s: %s after %d steps, $%.4f, patch %d bytes", iid, traj.exit_status.value, traj.totals.steps,
             traj.totals.cost, len(pred.model_patch))
    return traj, pred
