"""A bash session in the sandbox that keeps its state (cwd, variables, functions) between calls.

Each command runs in a fresh ``bash`` started from a fixed wrapper script; the model's command travels
as an argument (``$1``) and runs with ``eval`` inside that shell, so no shell text is ever built from
it. Before the command the wrapper loads the state the previous call saved; on exit (normal, ``exit
N``, or the TERM that the in-container ``timeout`` sends) it saves cwd, variables and functions again.
This gives a shell session's behaviour without a long-lived shell that a command could wedge, and a
command that times out costs its own output, not the session. stdout and stderr are merged in order;
the wrapper reports the command's own duration, measured inside the container, on a separate channel
(fd 9), which is how the loop tells command time from overhead.

How the wrapper is started: where the sandbox offers a stream (``open_stream``: one ``docker exec -i``
kept open), a small server loop in the container reads framed requests from stdin (a header line with
a one-time nonce, the time limit and the command's byte length, then the command's bytes) and answers
with a header line, the output (head and tail past 1 MiB, so a flood cannot exhaust the host) and an
end line carrying the nonce, which the command cannot know. One request is then a write and a read on
a socket, not three API calls. Without a stream, or if it breaks, each call is one ``docker exec``.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass

from ..errors import InfraError
from ..sandbox.base import ExecResult, Sandbox, Stream

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
[ -d %(state)s ] || mkdir -p %(state)s
exec 9>&2 2>&1 </dev/null
if [ -f "$__swerun_state" ]; then . "$__swerun_state" >/dev/null 2>&1; fi
trap '__swerun_save' EXIT
trap 'exit 124' TERM
__swerun_begin=$EPOCHREALTIME
eval "$1"
"""


# The server loop of the streamed shell. A request is a header line "<nonce> <op> <args...>" and a payload:
#   sh <timeout> <bytes>           + the command: the wrapper runs it; the reply is a header line
#                                    "<nonce> <exit> <bytes> <begin> <end> <rc>" and the output
#   argv <timeout> <count> <cwd?>  + <count> NUL-terminated arguments: run as given (no shell); the reply
#                                    "<nonce> <exit> <stdout bytes> <stderr bytes>", stdout, stderr
#   read <bytes>                   + a path: "<nonce> <0|2 missing|21 a directory> <bytes>" and the file
#   write <mode> <pathbytes> <bytes> + the path and the content: "<nonce> <exit> 0"
#   reap                           SIGSTOP, then SIGKILL, every process but init, the container's main
#                                    process (the oldest child of init) and this loop, and wait until they
#                                    are gone: "<nonce> 0 <how many>". Only builtins, so it works in a
#                                    container at its pids cap.
# and every reply ends with "\n<nonce> end\n", a line the command cannot know to forge.
LOOP = r"""
export LC_ALL=C
__w=$1 __d=%(state)s
mkdir -p "$__d"
__scan() {  # __live: every process but init, the main process and this loop; __run: those not stopped
  local __i __f __p __st __s __pp __main= __ps=() __states=()
  __live=() __run=()
  for __f in /proc/[0-9]*/stat; do
    __p=${__f#/proc/} __p=${__p%%%%/stat}
    { [ "$__p" = 1 ] || [ "$__p" = "$$" ]; } && continue
    IFS= read -r __st <"$__f" 2>/dev/null || continue
    __st=${__st##*) } __s=${__st%%%% *} __pp=${__st#* } __pp=${__pp%%%% *}
    if [ "$__pp" = 1 ] && { [ -z "$__main" ] || [ "$__p" -lt "$__main" ]; }; then __main=$__p; fi
    __ps+=("$__p") __states+=("$__s")
  done
  for __i in "${!__ps[@]}"; do
    [ "${__ps[$__i]}" = "$__main" ] && continue
    __live+=("${__ps[$__i]}")
    case ${__states[$__i]} in T|t|Z|X) ;; *) __run+=("${__ps[$__i]}") ;; esac
  done
}
while IFS=' ' read -r __n __op __x __y __z; do
  case $__op in
  sh)
    IFS= read -r -d '' -N "$__y" __cmd
    timeout -k %(grace)d "$__x" bash --noprofile --norc -c "$__w" swerun-shell "$__cmd" >"$__d/out" 2>"$__d/time" </dev/null
    __rc=$?
    __tm= __out=
    read -r __tm <"$__d/time"
    IFS= read -r -d '' -N %(probe)d __out <"$__d/out"  # builtins only: no fork for the usual small output
    if [ "${#__out}" -gt %(cap)d ]; then
      __size=$(stat -c %%s "$__d/out")
      printf '%%s %%s %%s %%s\n' "$__n" "$__rc" "$__size" "$__tm"
      head -c %(half)d "$__d/out"; printf '\n[... output cut: %%s bytes in all ...]\n' "$__size"
      tail -c %(half)d "$__d/out"
    else
      printf '%%s %%s %%s %%s\n%%s' "$__n" "$__rc" "${#__out}" "$__tm" "$__out"
    fi ;;
  argv)
    __a=()
    for ((__i = 0; __i < __y; __i++)); do IFS= read -r -d '' __arg; __a+=("$__arg"); done
    __cwd=.
    [ -n "$__z" ] && IFS= read -r -d '' __cwd
    (cd -- "$__cwd" && exec timeout -k %(grace)d "$__x" "${__a[@]}") >"$__d/out" 2>"$__d/err" </dev/null
    __rc=$? __out= __err=
    IFS= read -r -d '' -N %(probe)d __out <"$__d/out"
    IFS= read -r -d '' -N %(probe)d __err <"$__d/err"
    printf '%%s %%s %%s %%s\n%%s%%s' "$__n" "$__rc" "${#__out}" "${#__err}" "$__out" "$__err" ;;
  read)
    IFS= read -r -d '' -N "$__x" __p
    if [ -d "$__p" ]; then printf '%%s 21 0\n' "$__n"
    elif [ -f "$__p" ]; then printf '%%s 0 %%s\n' "$__n" "$(stat -c %%s -- "$__p")"; cat -- "$__p"
    else printf '%%s 2 0\n' "$__n"; fi ;;
  write)
    IFS= read -r -d '' -N "$__y" __p
    [ -d "${__p%%/*}" ] || mkdir -p -- "${__p%%/*}"
    head -c "$__z" >"$__p.swerun-tmp" && chmod "$__x" "$__p.swerun-tmp" && mv -f -- "$__p.swerun-tmp" "$__p"
    printf '%%s %%s 0\n' "$__n" "$?" ;;
  reap)
    # A fork bomb refills every pid a kill frees, so processes are first stopped (a stopped process
    # forks no more; a child forked before its parent stopped is found by the next scan), then killed,
    # then waited for until init has reaped them and their pids are free again.
    __all=0
    for ((__r = 0; __r < 400; __r++)); do
      __scan
      [ "${#__run[@]}" -eq 0 ] && break
      kill -STOP "${__run[@]}" 2>/dev/null
    done
    for ((__r = 0; __r < 400; __r++)); do
      __scan
      [ "${#__live[@]}" -eq 0 ] && break
      [ "$__all" = 0 ] && __all=${#__live[@]}
      kill -9 "${__live[@]}" 2>/dev/null
    done
    printf '%%s 0 %%s\n' "$__n" "$__all" ;;
  esac
  printf '\n%%s end\n' "$__n"
done
"""
STREAM_CAP = 1 << 20  # bytes of one command's output that cross to the host whole; past it, head and tail


@dataclass(frozen=True)
class ShellResult:
    output: str
    exit_code: int
    timed_out: bool
    seconds_exec: float  # the docker exec round trip, as seen from the host
    seconds_inside: float | None  # the command alone, measured inside the container


class BashSession:
    """Runs commands in ``sandbox`` as if typed into one long-lived shell."""

    KILL_GRACE = 5

    def __init__(self, sandbox: Sandbox, *, state_dir: str = STATE_DIR) -> None:
        self.sandbox = sandbox
        self._script = WRAPPER % {"state": state_dir, "skip": _SKIP}
        self._loop = LOOP % {"state": state_dir + "/loop", "grace": self.KILL_GRACE, "cap": STREAM_CAP,
                             "probe": STREAM_CAP + 1, "half": STREAM_CAP // 2}
        self._stream: Stream | None = None
        self._streams = getattr(sandbox, "open_stream", None) is not None
        self._lock = threading.Lock()

    def run(self, command: str, timeout: float) -> ShellResult:
        with self._lock:
            if self._streams:
                try:
                    return self._run_streamed(command, timeout)
                except InfraError as exc:  # the stream broke (a command killed it?): one exec per call now
                    log.warning("shell stream lost (%s); falling back to one exec per command", exc)
                    self.stop_streaming()
            return self._run_exec(command, timeout)

    def close(self) -> None:
        with self._lock:
            self._drop_stream()

    def _drop_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def stop_streaming(self) -> None:
        """From now on, one exec per call (the stream broke, or a measurement wants the old path)."""
        self._drop_stream()
        self._streams = False

    def _run_streamed(self, command: str, timeout: float) -> ShellResult:
        t0 = time.monotonic()
        nonce = secrets.token_hex(8)
        raw = command.encode("utf-8")
        limit = max(1, int(timeout))
        parts, output = self._request(nonce, f"sh {limit} {len(raw)}", raw, timeout)
        code = int(parts[1])
        timed_out = code in (124, 137)
        inside = None
        if len(parts) >= 6:
            try:
                inside = max(0.0, float(parts[4]) - float(parts[3]))
                code = int(parts[5]) if not timed_out else code
            except ValueError:
                log.debug("unexpected timing trailer %r", parts)
        return ShellResult(output=output.decode("utf-8", "replace"), exit_code=code, timed_out=timed_out,
                           seconds_exec=time.monotonic() - t0, seconds_inside=inside)

    def _request(self, nonce: str, head: str, payload: bytes, timeout: float) -> tuple[list[str], bytes]:
        """One request over the stream: its reply's header fields and the bytes after the header line."""
        if self._stream is None:
            self._stream = self.sandbox.open_stream(  # type: ignore[attr-defined]
                ["bash", "--noprofile", "--norc", "-c", self._loop, "swerun-loop", self._script])
        self._stream.send(f"{nonce} {head}\n".encode() + payload)
        reply = self._stream.read_until(f"\n{nonce} end\n".encode(), timeout + self.KILL_GRACE + 30)
        header, _, body = reply.partition(b"\n")
        parts = header.decode("utf-8", "replace").split()
        if len(parts) < 3 or parts[0] != nonce:
            raise InfraError(f"the shell stream answered out of step: {header[:200]!r}")
        return parts, body

    def streaming(self) -> bool:
        """Whether requests go over the stream (False once it broke, or where the sandbox has none)."""
        return self._streams

    def exec_argv(self, argv: list[str], timeout: float, cwd: str | None) -> ExecResult:
        """``argv`` as ``Sandbox.exec`` runs it (no shell, separate streams), over the stream."""
        t0 = time.monotonic()
        nonce = secrets.token_hex(8)
        payload = b"".join(a.encode("utf-8") + b"\0" for a in argv) + (cwd.encode() + b"\0" if cwd else b"")
        with self._lock:
            parts, body = self._request(nonce, f"argv {max(1, int(timeout))} {len(argv)} {'c' if cwd else ''}",
                                        payload, timeout)
        code, n_out = int(parts[1]), int(parts[2])
        n_err = int(parts[3]) if len(parts) > 3 else 0
        return ExecResult(code, body[:n_out].decode("utf-8", "replace"),
                          body[n_out:n_out + n_err].decode("utf-8", "replace"), timed_out=code in (124, 137),
                          seconds=time.monotonic() - t0)

    def read_bytes(self, path: str) -> bytes:
        """A file's bytes over the stream; ``FileNotFoundError`` / ``IsADirectoryError`` as the contract says."""
        nonce = secrets.token_hex(8)
        raw = path.encode("utf-8")
        with self._lock:
            parts, body = self._request(nonce, f"read {len(raw)}", raw, 60)
        code, size = int(parts[1]), int(parts[2])
        if code == 21:
            raise IsADirectoryError(path)
        if code != 0:
            raise FileNotFoundError(path)
        return body[:size]

    def write_bytes(self, path: str, data: bytes, mode: int) -> None:
        nonce = secrets.token_hex(8)
        raw = path.encode("utf-8")
        with self._lock:
            parts, _ = self._request(nonce, f"write {mode:o} {len(raw)} {len(data)}", raw + data, 60)
        if parts[1] != "0":
            raise InfraError(f"cannot write {path} in the sandbox (exit {parts[1]})")

    def reap(self) -> int:
        """Kill every process the commands left behind (background jobs, a fork bomb at the pids cap), so
        what happens next in the sandbox (taking the patch) sees the files as they are and can start
        processes; returns how many were killed. ``InfraError`` when the stream is not there."""
        if not self._streams:
            raise InfraError("the shell has no stream to reap processes over")
        nonce = secrets.token_hex(8)
        with self._lock:
            parts, _ = self._request(nonce, "reap", b"", 60)
        return int(parts[2])

    def _run_exec(self, command: str, timeout: float) -> ShellResult:
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


class StreamedFiles:
    """The ``Sandbox`` contract for the editor over the shell's stream: a file read, a write or a ``stat``
    is one request on the open stream instead of an archive transfer through the engine's API. Where the
    stream is not (or no longer) there, every call goes to the sandbox itself."""

    def __init__(self, sandbox: Sandbox, shell: BashSession) -> None:
        self.sandbox, self.shell = sandbox, shell

    def _streamed(self, fn, fallback):
        if self.shell.streaming():
            try:
                return fn()
            except InfraError as exc:
                log.warning("file access over the shell stream failed (%s); using the sandbox directly", exc)
                self.shell.stop_streaming()
        return fallback()

    def exec(self, argv: list[str], *, timeout: float = 60, cwd: str | None = None,
             env: dict[str, str] | None = None) -> ExecResult:
        if env:
            return self.sandbox.exec(argv, timeout=timeout, cwd=cwd, env=env)
        return self._streamed(lambda: self.shell.exec_argv(argv, timeout, cwd),
                              lambda: self.sandbox.exec(argv, timeout=timeout, cwd=cwd))

    def read_file(self, path: str) -> bytes:
        return self._streamed(lambda: self.shell.read_bytes(path), lambda: self.sandbox.read_file(path))

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        raw = data.encode() if isinstance(data, str) else data
        self._streamed(lambda: self.shell.write_bytes(path, raw, mode), lambda: self.sandbox.write_file(path, raw, mode))

    def close(self) -> None:
        self.sandbox.close()
