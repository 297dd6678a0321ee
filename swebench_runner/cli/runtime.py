"""What the ``swerun`` process sets up around a command: logging, signals, the run's own log file."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

LOGGER = "swebench_runner"


def setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger(LOGGER)
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG)
    handler.setLevel(level)


def stop_on_sigterm() -> None:
    """SIGTERM (batch schedulers, ``docker stop``, ``kill``) and SIGHUP stop a run the way Ctrl-C does:
    this process's containers are removed and finished results kept. Left alone where the signal is
    ignored on purpose (``nohup``)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (the CLI invoked in-process from a worker)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, interrupt)


def new_run_id(run_id: str | None, prefix: str = "") -> str:
    """The run id given (already checked by ``options.check_run_id``), or one from the clock."""
    return run_id or prefix + datetime.now().strftime("%Y%m%d-%H%M%S")


def log_to_run(run_path: Path) -> None:
    """Keep an INFO log of the whole run beside its results, whatever the terminal shows."""
    run_path.mkdir(parents=True, exist_ok=True)
    fh = logging.FileHandler(run_path / "swerun.log", encoding="utf-8")
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    fh.setLevel(logging.INFO)
    logging.getLogger(LOGGER).addHandler(fh)
