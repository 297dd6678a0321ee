"""What every backend must do, as checks any backend can be held to (the model: inspect_ai's sandbox
self-check). Shipped in the package, not only in swerun's tests, so a new backend runs the same suite:

    from swebench_runner.backends import conformance
    for check in conformance.checks(my_backend):
        check(my_backend, image)

Each check raises ``AssertionError`` with what it saw. Backends that cannot run real programs (the
in-memory fake) declare ``runs_commands = False`` and are held to the checks that do not need them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RUN_ID = "conformance"

Check = Callable[[Any, str], None]


def _open(backend: Any, image: str, name: str, workdir: str = "/tmp") -> Any:
    return backend.open_sandbox(image, run_id=RUN_ID, name=f"swerun-conformance-{name}", workdir=workdir)


def files_round_trip(backend: Any, image: str) -> None:
    with _open(backend, image, "files") as box:
        box.write_file("/tmp/deep/dir/f.bin", b"\x00\x01binary\n")
        got = box.read_file("/tmp/deep/dir/f.bin")
        assert got == b"\x00\x01binary\n", got
        try:
            box.read_file("/tmp/nope")
        except FileNotFoundError:
            pass
        else:
            raise AssertionError("reading a missing file must raise FileNotFoundError")


def close_is_idempotent_and_cleanup_counts(backend: Any, image: str) -> None:
    box = _open(backend, image, "close")
    box.close()
    box.close()
    _open(backend, image, "left-open")
    removed = backend.cleanup(RUN_ID)
    assert removed >= 1, f"cleanup removed {removed} containers, one was left open"
    backend.prepare_run(RUN_ID)  # cleanup closed the run; the next checks open it again


def describe_names_the_backend(backend: Any, image: str) -> None:
    info = backend.describe()
    assert isinstance(info, dict) and info.get("backend") == backend.name, info


def exec_returns_code_and_separate_streams(backend: Any, image: str) -> None:
    with _open(backend, image, "streams") as box:
        res = box.exec(["bash", "-c", "echo out; echo err >&2; exit 7"])
        assert (res.returncode, res.stdout, res.stderr, res.timed_out) == (7, "out\n", "err\n", False), res


def exec_takes_argv_without_a_shell(backend: Any, image: str) -> None:
    with _open(backend, image, "argv") as box:
        res = box.exec(["printf", "%s|", "a b", "$HOME", "; rm -rf /"])
        assert res.stdout == "a b|$HOME|; rm -rf /|", res


def timeout_is_enforced_and_keeps_partial_output(backend: Any, image: str) -> None:
    with _open(backend, image, "timeout") as box:
        res = box.exec(["bash", "-c", "echo started; sleep 30"], timeout=1)
        assert res.timed_out and res.stdout == "started\n" and res.seconds < 10, res


def cwd_and_env(backend: Any, image: str) -> None:
    with _open(backend, image, "cwd") as box:
        res = box.exec(["bash", "-c", "pwd; echo $FOO"], cwd="/etc", env={"FOO": "bar"})
        assert res.stdout == "/etc\nbar\n", res


def network_is_internal(backend: Any, image: str) -> None:
    """A connect to a routable address times out (as psf/requests' suite expects) and nothing leaves."""
    probe = ("import socket,time\n"
             "s=socket.socket(); s.settimeout(2); t=time.time()\n"
             "try:\n    s.connect(('10.255.255.1', 80)); print('connected')\n"
             "except Exception as e:\n    print(type(e).__name__, round(time.time()-t))\n")
    with _open(backend, image, "network") as box:
        res = box.exec(["python3", "-c", probe], timeout=20)
        assert res.stdout.split("\n")[0] == "TimeoutError 2", res


def one_shot_script_gets_files_and_exit_code(backend: Any, image: str) -> None:
    res = backend.run_script(image, "cat /swerun/in.txt; exit 3", files={"swerun/in.txt": "hello\n"},
                             run_id=RUN_ID, name="swerun-conformance-oneshot", timeout=60)
    assert (res.exit_code, res.output) == (3, "hello\n"), res


def one_shot_scripts_stay_internal(backend: Any, image: str) -> None:
    probe = ("python3 -c \"import socket,time\ns=socket.socket(); s.settimeout(2); t=time.time()\n"
             "try:\n    s.connect(('10.255.255.1', 80)); print('connected')\n"
             "except Exception as e:\n    print(type(e).__name__, round(time.time()-t))\"")
    res = backend.run_script(image, probe, files={}, run_id=RUN_ID, name="swerun-conformance-internal", timeout=60)
    assert res.output.strip() == "TimeoutError 2" and res.exit_code == 0, res


def pids_limit_holds(backend: Any, image: str) -> None:
    """A fork bomb inside a capped container hits the cap, not the host."""
    from .base import Limits

    script = ("python3 -c 'import os, time\nn = 0\nfor _ in range(200):\n    try:\n        pid = os.fork()\n"
              "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(5)\n        os._exit(0)\n"
              "    n += 1\nprint(n)'")
    res = backend.run_script(image, script, files={}, run_id=RUN_ID, name="swerun-conformance-pids", timeout=60,
                             limits=Limits(pids=50))
    started = int(res.output.strip().splitlines()[-1])
    assert started < 60, f"{started} processes started under a cap of 50"


def a_stopped_run_starts_nothing(backend: Any, image: str) -> None:
    """After Ctrl-C's cleanup, a worker thread still running cannot start a container the cleanup missed."""
    from ..errors import InfraError

    backend.cleanup(RUN_ID, only_mine=True)
    try:
        backend.run_script(image, "true", files={}, run_id=RUN_ID, name="swerun-conformance-late", timeout=60)
    except InfraError:
        pass
    else:
        raise AssertionError("a stopped run started a container")
    finally:
        backend.prepare_run(RUN_ID)
    assert backend.run_script(image, "true", files={}, run_id=RUN_ID, name="swerun-conformance-again",
                              timeout=60).exit_code == 0, "prepare_run did not open the run again"


ALWAYS: tuple[Check, ...] = (files_round_trip, close_is_idempotent_and_cleanup_counts, describe_names_the_backend)
WITH_COMMANDS: tuple[Check, ...] = (exec_returns_code_and_separate_streams, exec_takes_argv_without_a_shell,
                                     timeout_is_enforced_and_keeps_partial_output, cwd_and_env, network_is_internal,
                                     one_shot_script_gets_files_and_exit_code, one_shot_scripts_stay_internal,
                                     pids_limit_holds, a_stopped_run_starts_nothing)


def checks(backend: Any) -> tuple[Check, ...]:
    """The checks ``backend`` is held to."""
    return ALWAYS + (WITH_COMMANDS if getattr(backend, "runs_commands", True) else ())
