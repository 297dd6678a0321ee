"""The Docker engine as swerun uses it: one client, an internal network, short-lived containers.

Every container carries the ``swerun.run`` label so a run (or its next start after ``kill -9``) can
remove what it left behind. Containers run with an init process as PID 1 and are removed with a kill,
not a stop: waiting out a stop grace on a PID 1 that ignores SIGTERM is most of the official harness's
per-instance overhead.
"""

from __future__ import annotations

import io
import logging
import os
import posixpath
import re
import socket
import tarfile
import threading
import time
from collections.abc import Mapping
from typing import Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.transport.unixconn import UnixHTTPAdapter
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout

from ..errors import DockerUnavailable, EvalTimeout, InfraError
from ..sandbox.base import ExecResult
from .base import Limits, Mount, RunResult

log = logging.getLogger(__name__)

NETWORK = "swerun-internal"
RUN_LABEL = "swerun.run"
OWNER_LABEL = "swerun.owner"  # host:pid of the swerun process that started the container
OWNER = f"{socket.gethostname()}:{os.getpid()}"
_client_lock = threading.Lock()
_client: docker.DockerClient | None = None


def client() -> docker.DockerClient:
    """The process-wide Docker client; raises ``DockerUnavailable`` with a hint when no engine answers."""
    global _client
    with _client_lock:
        if _client is None:
            try:
                c = docker.from_env(timeout=600, max_pool_size=MAX_CONNECTIONS)
                _one_pool(c)
                c.ping()
            except DockerException as exc:
                raise DockerUnavailable(
                    f"cannot reach the Docker engine ({exc}); start dockerd or set DOCKER_HOST") from None
            _client = c
        return _client


MAX_CONNECTIONS = 128  # kept open to the engine: the threads of 64 resets at once each hold one


class _OnePoolAdapter(UnixHTTPAdapter):
    """The engine's socket with one connection pool. docker-py keys its pools by the whole request URL
    and keeps 25, closing the least recently used one, which another thread may be using right then:
    with 64 containers starting at once urllib3 failed inside ('NoneType' object has no attribute
    'qsize'). One socket needs one pool."""

    def get_connection(self, url: str, proxies: Any = None) -> Any:
        return super().get_connection("http+docker://localhost", proxies)


def _one_pool(c: docker.DockerClient) -> None:
    old = c.api.adapters.get("http+docker://")
    if isinstance(old, UnixHTTPAdapter):  # tcp:// and ssh:// engines use requests' own pooling
        new = _OnePoolAdapter("http+unix://" + old.socket_path, old.timeout, pool_connections=1,
                              max_pool_size=MAX_CONNECTIONS)
        c.api.mount("http+docker://", new)
        c.api._custom_adapter = new


def image_exists(tag: str) -> bool:
    try:
        client().images.get(tag)
        return True
    except ImageNotFound:
        return False


def ensure_network(name: str = NETWORK) -> str:
    """An internal bridge network: containers reach each other and nothing else (no route out)."""
    c = client()
    if not c.networks.list(names=[name]):
        try:
            c.networks.create(name, driver="bridge", internal=True, labels={"swerun": "1"})
        except APIError as exc:
            if "already exists" not in str(exc):
                raise InfraError(f"cannot create Docker network {name}: {exc}") from None
    return name


def container_name(text: str) -> str:
    """Docker allows only [a-zA-Z0-9][a-zA-Z0-9_.-] in names; callers build names from ids and test names."""
    return re.sub(r"[^a-zA-Z0-9_.-]+", "-", text).strip("-.")[:128] or "swerun"


def tar_bytes(files: Mapping[str, bytes | str], mode: int = 0o644) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name.lstrip("/"))
            info.size, info.mode, info.mtime = len(raw), mode, int(time.time())
            tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


def limit_kwargs(limits: Limits | None) -> dict[str, Any]:
    """docker-py arguments for ``limits`` (pids, memory with swap, CPU share)."""
    if limits is None:
        return {}
    out: dict[str, Any] = {}
    if limits.pids is not None:
        out["pids_limit"] = limits.pids
    if limits.memory_mb is not None:
        out["mem_limit"] = out["memswap_limit"] = f"{limits.memory_mb}m"
    if limits.cpus is not None:
        out["nano_cpus"] = int(limits.cpus * 1e9)
    if limits.file_mb is not None:
        size = limits.file_mb << 20
        out["ulimits"] = [docker.types.Ulimit(name="fsize", soft=size, hard=size)]
    return out


def mount_volumes(mounts: list[Mount] | None) -> dict[str, dict]:
    return {m.source: {"bind": m.target, "mode": "ro" if m.read_only else "rw"} for m in mounts or ()}


def run_labels(run_id: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {RUN_LABEL: run_id, OWNER_LABEL: OWNER, **(extra or {})}


def _owner_alive(owner: str | None) -> bool:
    """Whether the process that started a container still runs (only decidable on this host)."""
    host, _, pid = (owner or "").partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_labelled(run_id: str | None = None, *, only_mine: bool = False, only_orphans: bool = False) -> int:
    """Kill and remove containers of one run (or of every swerun run); returns how many.

    ``only_mine``: those this process started (Ctrl-C cleanup). ``only_orphans``: those whose starting
    process is gone (left by a ``kill -9``), sparing another live process working on the same run id.
    """
    label = f"{RUN_LABEL}={run_id}" if run_id else RUN_LABEL
    api = client().api
    n = 0
    # the low-level listing: one call, no per-container inspect that races with another cleanup's removal
    for cont in api.containers(all=True, filters={"label": label}):
        owner = (cont.get("Labels") or {}).get(OWNER_LABEL)
        if only_mine and owner != OWNER:
            continue
        if only_orphans and (owner == OWNER or _owner_alive(owner)):  # this process's, or a live one's
            continue
        try:
            api.remove_container(cont["Id"], force=True)
            n += 1
        except NotFound:
            pass
        except APIError as exc:
            if exc.status_code != 409:  # 409: another cleanup (another node's, same engine) is removing it
                raise InfraError(f"cannot remove container {cont['Id'][:12]}: {exc}") from None
    return n


def tree_bytes(root: str, stop: int) -> int:
    """Bytes under ``root`` as the disk holds them, every entry at least one 4 KiB block (so a flood of
    empty files counts); stops counting once past ``stop``, so measuring a hostile tree stays cheap."""
    total, stack = 0, [root]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:  # removed meanwhile, or not ours to read
            continue
        with entries:
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += max(st.st_blocks * 512, 4096)
                if total > stop:
                    return total
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return total


class DiskWatch:
    """The disk cap of containers on an engine whose storage has no per-container quota (overlay2 on
    ext4, what most engines run: ``--storage-opt size`` needs XFS project quotas, which this kernel
    lacks). One thread per process measures each watched container's writable layer and kills a
    container past its cap. A container far below its cap is measured again only when writing at
    ``rate`` bytes a second could have reached the cap (at least every ``period`` seconds), so 64 quiet
    containers cost little; the cap is overshot by at most about a period of writing. The layer is read
    on the host when the engine's storage is on this machine, else the engine is asked for its size."""

    def __init__(self, period: float = 1.0, rate: float = float(1 << 30)) -> None:
        self.period, self.rate = period, rate
        self._watched: dict[str, tuple[str | None, int, Any]] = {}  # id -> (upper dir, cap, on_kill)
        self._due: dict[str, float] = {}  # id -> when to measure it next
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, container: Any, cap_mb: int, on_kill: Any) -> None:
        upper = (container.attrs.get("GraphDriver") or {}).get("Data", {}).get("UpperDir")
        with self._lock:
            self._watched[container.id] = (upper if upper and os.path.isdir(upper) else None, cap_mb << 20, on_kill)
            self._due[container.id] = 0.0
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="swerun-disk-watch", daemon=True)
                self._thread.start()

    def unwatch(self, container_id: str) -> None:
        with self._lock:
            self._watched.pop(container_id, None)
            self._due.pop(container_id, None)

    def _size(self, cid: str, upper: str | None, cap: int) -> int:
        if upper is not None:
            return tree_bytes(upper, cap)
        api = client().api
        return int(api._result(api._get(api._url("/containers/{0}/json", cid), params={"size": 1}), True
                               ).get("SizeRw") or 0)

    def _run(self) -> None:
        while True:
            time.sleep(self.period)
            now = time.monotonic()
            with self._lock:
                watched = [(cid, w) for cid, w in self._watched.items() if self._due.get(cid, 0.0) <= now]
            for cid, (upper, cap, on_kill) in watched:
                try:
                    used = self._size(cid, upper, cap)
                except (APIError, NotFound, RequestsConnectionError, ValueError):
                    continue  # gone, or the engine is busy: the next round measures again
                if used <= cap:
                    with self._lock:
                        if cid in self._due:
                            self._due[cid] = time.monotonic() + max(0.0, (cap - used) / self.rate - self.period)
                    continue
                self.unwatch(cid)
                on_kill(f"it wrote more than its disk cap of {cap >> 20} MB")
                try:
                    client().api.kill(cid)
                except (APIError, NotFound, RequestsConnectionError):
                    pass


DISK_WATCH = DiskWatch()


class SharedNetns:
    """One network namespace per worker thread, attached to the internal network, that the worker's
    evaluation containers join (``network_mode=container:<holder>``).

    Creating a container's own namespace and veth on the bridge is most of ``docker start`` (0.45 s of
    0.6 s measured here); joining an existing namespace takes 0.15 s. A worker runs one container at a
    time, so containers sharing its namespace never overlap; workers get separate namespaces.
    """

    def __init__(self, run_id: str, network: str = NETWORK) -> None:
        self.run_id, self.network = run_id, network
        self._local = threading.local()
        self._holders: list[Any] = []
        self._lock = threading.Lock()

    def mode(self, image: str) -> str:
        holder = getattr(self._local, "holder", None)
        if holder is not None:
            try:
                holder.reload()
                if holder.status == "running":
                    return f"container:{holder.id}"
            except NotFound:
                pass
        try:
            holder = client().containers.run(
                image, command=["sleep", "infinity"], init=True, detach=True, network=self.network,
                name=container_name(f"swerun-{self.run_id}-netns-{threading.get_ident()}-{time.monotonic_ns()}"),
                labels=run_labels(self.run_id, {"swerun.role": "netns"}))
        except APIError as exc:
            raise InfraError(f"cannot start a network namespace holder from {image}: {exc}") from None
        self._local.holder = holder
        with self._lock:
            self._holders.append(holder)
        return f"container:{holder.id}"

    def close(self) -> None:
        with self._lock:
            holders, self._holders = self._holders, []
        for holder in holders:
            try:
                holder.remove(force=True)
            except (NotFound, APIError):
                pass


def run_script(image: str, script: str, *, files: Mapping[str, bytes | str], run_id: str, name: str,
               timeout: float, network: str | None = NETWORK, env: Mapping[str, str] | None = None,
               labels: Mapping[str, str] | None = None, netns: SharedNetns | None = None,
               limits: Limits | None = None) -> RunResult:
    """Run ``bash -c script`` once in a fresh container with ``files`` copied in; always remove it.

    The script travels as an argument, not a file, so nothing the container runs can rewrite the rest
    of it while bash is still reading. ``timeout`` is a safety net outside the container; the script
    enforces the real test timeout inside.
    """
    c = client()
    t0 = time.monotonic()
    container = None
    try:
        where = {"network_mode": netns.mode(image)} if netns is not None else {"network": network}
        container = c.containers.create(
            image, command=["bash", "-c", script], name=container_name(name), init=True, detach=True,
            environment=dict(env or {}), working_dir="/testbed", labels=run_labels(run_id, labels),
            **where, **limit_kwargs(limits),
        )
        if files:
            container.put_archive("/", tar_bytes(files))
        container.start()
        try:
            status: dict[str, Any] = container.wait(timeout=timeout)
        except (ReadTimeout, RequestsConnectionError):
            output = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
            raise EvalTimeout(f"container {name} ran past {timeout:.0f}s; killed. Last output:\n"
                              + output[-2000:]) from None
        output = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
        return RunResult(int(status.get("StatusCode", -1)), output, time.monotonic() - t0)
    except ImageNotFound as exc:
        raise InfraError(f"image {image} is missing: {exc}") from None
    except (APIError, RequestsConnectionError) as exc:
        raise InfraError(f"Docker failed running {name}: {exc}") from None
    finally:
        if container is not None:
            try:
                container.remove(force=True)
            except (NotFound, APIError):
                pass


class ExecStream:
    """A process started by one ``docker exec -i`` whose stdin and stdout stay open, so a request is one
    write and one read on a socket instead of a round trip through the engine's API (exec create, start,
    inspect: about 60 ms here). Frames of Docker's multiplexed stream are read as they come; stdout is
    the protocol, stderr is kept for diagnostics. Raises ``InfraError`` when the stream breaks or a reply
    does not arrive in time; the caller then opens another or falls back to one exec per call."""

    def __init__(self, container: Any, argv: list[str], *, workdir: str, env: Mapping[str, str] | None = None) -> None:
        api = client().api
        try:
            ex = api.exec_create(container.id, argv, stdin=True, stdout=True, stderr=True, tty=False, workdir=workdir,
                                 environment=dict(env or {}))
            self._sock = api.exec_start(ex["Id"], socket=True)
        except (APIError, NotFound, RequestsConnectionError) as exc:
            raise InfraError(f"cannot open an exec stream in {container.name}: {exc}") from None
        self._raw = getattr(self._sock, "_sock", self._sock)
        self._out = bytearray()
        self.stderr = bytearray()
        self.closed = False

    def send(self, data: bytes) -> None:
        try:
            self._raw.sendall(data)
        except OSError as exc:
            self.close()
            raise InfraError(f"the exec stream broke while sending: {exc}") from None

    def _recv(self, n: int, deadline: float) -> bytes:
        chunks, need = [], n
        while need:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self._raw.settimeout(left)
            chunk = self._raw.recv(need)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            need -= len(chunk)
        return b"".join(chunks)

    def read_until(self, marker: bytes, timeout: float) -> bytes:
        """Everything on stdout up to ``marker`` (which is consumed, not returned)."""
        deadline = time.monotonic() + timeout
        try:
            while marker not in self._out:
                header = self._recv(8, deadline)
                payload = self._recv(int.from_bytes(header[4:8], "big"), deadline)
                (self._out if header[0] == 1 else self.stderr).extend(payload)
        except (TimeoutError, EOFError, OSError) as exc:
            self.close()
            why = "timed out" if isinstance(exc, TimeoutError) else f"ended ({type(exc).__name__})"
            raise InfraError(f"the exec stream {why}; stderr: {bytes(self.stderr[-500:]).decode(errors='replace')}"
                             ) from None
        head, _, rest = bytes(self._out).partition(marker)
        self._out = bytearray(rest)
        return head

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._sock.close()
            except OSError:
                pass


class DockerSandbox:
    """A long-lived container (agent sessions, debugging) speaking the ``Sandbox`` contract.

    Commands run through ``docker exec``; the time limit is applied inside the container with
    ``timeout -k`` so a runaway process is killed where it runs and partial output is kept.
    """

    KILL_GRACE = 5

    def __init__(self, image: str, *, run_id: str, name: str, network: str | None = NETWORK,
                 workdir: str = "/testbed", env: Mapping[str, str] | None = None,
                 labels: Mapping[str, str] | None = None, volumes: Mapping[str, dict] | None = None,
                 limits: Limits | None = None) -> None:
        self.workdir = workdir
        self._closed = False
        self._streams: list[ExecStream] = []
        try:
            self.container = client().containers.run(
                image, command=["sleep", "infinity"], name=container_name(name), init=True, detach=True,
                network=network, working_dir=workdir, environment=dict(env or {}),
                labels=run_labels(run_id, labels), volumes=dict(volumes or {}), **limit_kwargs(limits))
        except ImageNotFound as exc:
            raise InfraError(f"image {image} is missing: {exc}") from None
        except APIError as exc:
            raise InfraError(f"cannot start a container from {image}: {exc}") from None
        self._fault: str | None = None
        if limits is not None and limits.disk_mb is not None:
            DISK_WATCH.watch(self.container, limits.disk_mb, self._limit_hit)

    def _limit_hit(self, why: str) -> None:
        self._fault = why

    def fault(self) -> str | None:
        if self._fault is not None:
            return self._fault
        try:
            state = client().api.inspect_container(self.container.id).get("State") or {}
        except (APIError, NotFound, RequestsConnectionError):
            return None  # removed from outside, or no engine: not the workload's doing
        if state.get("OOMKilled"):
            return "its processes ran out of memory at its memory cap"
        if not state.get("Running", True):
            return f"its processes were all killed (the container exited with {state.get('ExitCode')})"
        return None

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def exec(self, argv: list[str], *, timeout: float = 60, cwd: str | None = None,
             env: Mapping[str, str] | None = None) -> ExecResult:
        t0 = time.monotonic()
        wrapped = ["timeout", "-k", str(self.KILL_GRACE), str(max(1, int(timeout))), *argv]
        try:
            api = client().api
            ex = api.exec_create(self.container.id, wrapped, workdir=cwd or self.workdir,
                                 environment=dict(env or {}), stdout=True, stderr=True)
            out, err = api.exec_start(ex["Id"], demux=True)
            code = api.exec_inspect(ex["Id"]).get("ExitCode")
        except (APIError, NotFound, RequestsConnectionError) as exc:
            raise InfraError(f"docker exec failed in {self.container.name}: {exc}") from None
        code = -1 if code is None else int(code)
        return ExecResult(returncode=code, stdout=(out or b"").decode("utf-8", "replace"),
                          stderr=(err or b"").decode("utf-8", "replace"), timed_out=code in (124, 137),
                          seconds=time.monotonic() - t0)

    def open_stream(self, argv: list[str]) -> ExecStream:
        """A long-lived process in this container with its stdin and stdout open (see ``ExecStream``);
        closed with the sandbox."""
        stream = ExecStream(self.container, argv, workdir=self.workdir)
        self._streams.append(stream)
        return stream

    def read_file(self, path: str) -> bytes:
        try:
            stream, _ = self.container.get_archive(path)
        except NotFound:
            raise FileNotFoundError(path) from None
        buf = io.BytesIO(b"".join(stream))
        with tarfile.open(fileobj=buf) as tar:
            member = tar.next()
            if member is None or not member.isfile():
                raise IsADirectoryError(path)
            fobj = tar.extractfile(member)
            return fobj.read() if fobj else b""

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        parent = posixpath.dirname(path) or "/"
        raw = data.encode() if isinstance(data, str) else data
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(posixpath.basename(path))
            info.size, info.mode, info.mtime = len(raw), mode, int(time.time())
            tar.addfile(info, io.BytesIO(raw))
        try:
            try:
                self.container.put_archive(parent, buf.getvalue())
            except NotFound:  # the parent does not exist yet: make it (one more round trip, only then)
                res = self.exec(["mkdir", "-p", parent], timeout=30)
                if not res.ok:
                    raise InfraError(
                        f"cannot create {parent} in {self.container.name}: {res.stderr.strip()}") from None
                self.container.put_archive(parent, buf.getvalue())
        except APIError as exc:
            raise InfraError(f"cannot write {path} in {self.container.name}: {exc}") from None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for stream in self._streams:
                stream.close()
            DISK_WATCH.unwatch(self.container.id)
            try:
                self.container.remove(force=True)
            except (NotFound, APIError):
                pass


def labelled_images(label: str) -> list[dict[str, Any]]:
    """The engine's attributes of every image carrying ``label`` (skipping any removed meanwhile)."""
    api = client().api
    out = []
    for summary in api.images(filters={"label": label}):
        try:
            out.append(api.inspect_image(summary["Id"]))
        except (ImageNotFound, NotFound):  # another process pruned or rebuilt it
            continue
    return out


def remove_image(ref: str) -> str | None:
    """Remove an image; ``None`` once it is gone, else the engine's reason for keeping it."""
    try:
        client().images.remove(image=ref)
    except ImageNotFound:
        pass
    except APIError as exc:
        return str(exc.explanation or exc)
    return None


def storage_root() -> str | None:
    return client().info().get("DockerRootDir")
