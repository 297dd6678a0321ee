"""A bash session in the sandbox that keeps its state (cwd, variables, functions) between calls.

Each call is one ``docker exec`` of a fixed wrapper script; the model's command travels as an argument
(``$1``) and runs with ``eval`` inside that shell, so no shell text is ever built from it. Before the
command the wrapper loads the state the previous call saved; on exit (normal, ``exit N``, or the
TERM that the in-container ``timeout`` sends) it saves cwd, variables and functions again. This gives a
shell session's behaviour without a long-lived process that could wedge, and a command that times out
costs its own output, not the session. stdout and stderr are merged in order; the wrapper reports the
command's own duration, measured inside the container, on a separate channel (fd 9 -> stderr), which is
how the loop tells command time from overhead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..sandbox.base import Sandbox

log = logging.getLogger(__name__)

STATE_DIR = "/tmp/.swerun-shell"

# Variables bash owns or computes; restoring them would fail (readonly) or lie (dynamic).
_SKIP = ("BASH BASHOPTS BASHPID BASH_ALIASES BASH_ARGC BASH_ARGV BASH_ARGV0 BASH_CMDS BASH_COMMAND BASH_LINENO "
         "BASH_LOADABLES_PATH BASH_REMATCH BASH_SOURCE BASH_SUBSHELL BASH_VERSINFO BASH_VERSION COLUMNS "
         "COMP_WORDBREAKS "
         "DIRSTACK EPOCHREALTIME EPOCHSECONDS EUID FUNCNAME GROUPS HISTCMD HOSTNAME HOSTTYPE LINENO LINES MACHTYPE "
         "OLDPWD OPTERR OPTIND OSTYPE PIPESTATUS PPID PWD RANDOM SECONDS SHELLOPTS SHLVL SRANDOM UID _")

WRAPPER = r"""
__swerun_state=%(state)s/state
__swerun_save() {
  local __swerun_rc=$? __swerun_end=$EPOCHREALTIME __n
  local -a __swerun_names __swerun_funcs
  mapfile -t __swerun_names < <(compgen -v)
  mapfile -t __swerun_funcs < <(compgen -A function)
  {
    for __n in "${__swerun_names[@]}"; do
      case " %(skip)s " in *" $__n "*) continue ;; esac
      case $__n in __swerun*) continue ;; esac
      case ${!__n@a} in *r*) continue ;; esac
      declare -p "$__n" 2>/dev/null
    done
    for __n in "${__swerun_funcs[@]}"; do
      case $__n in __swerun*) ;; *) declare -f "$__n" ;; esac
    done
    printf 'cd -- %%q\n' "$PWD"
  } > "$__swerun_state.tmp" 2>/dev/null && mv -f "$__swerun_state.tmp" "$__swerun_state"
  printf '%%s %%s %%s\n' "$__swerun_begin" "$__swerun_end" "$__swerun_rc" >&9
  return "$__swerun_rc"
}
mkdir -p %(state)s
exec 9>&2 2>&1 </dev/null
if [ -f "$__swerun_state" ]; then . "$__swerun_state" >/dev/null 2>&1; fi
trap '__swerun_save' EXIT
trap 'exit 124' TERM
__swerun_begin=$EPOCHREALTIME
eval "$1"
"""


@dataclass(frozen=True)
class ShellResult:
    output: str
    exit_code: int
    timed_out: bool
    seconds_exec: float  # the docker exec round trip, as seen from the host
    seconds_inside: float | None  # the command alone, measured inside the container


class BashSession:
    """Runs commands in ``sandbox`` as if typed into one long-lived shell."""

    def __init__(self, sandbox: Sandbox, *, state_dir: str = STATE_DIR) -> None:
        self.sandbox = sandbox
        self._script = WRAPPER % {"state": state_dir, "skip": _SKIP}

    def run(self, command: str, timeout: float) -> ShellResult:
        res = self.sandbox.exec(["bash", "--noprofile", "--norc", "-c", self._script, "swerun-shell", command],
                                timeout=timeout)
        inside, code = None, res.returncode
        parts = res.stderr.split()
        if len(parts) >= 3:
            try:
                inside = max(0.0, float(parts[1]) - float(parts[0]))
                code = int(parts[2]) if not res.timed_out else res.returncode
            except ValueError:
                log.debug("unexpected timing trailer %r", res.stderr[:200])
        return ShellResult(output=res.stdout, exit_code=code, timed_out=res.timed_out, seconds_exec=res.seconds,
                           seconds_inside=inside)
