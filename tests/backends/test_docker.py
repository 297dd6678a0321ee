"""What every sandbox backend must do. Only Docker exists today; a new backend joins the params."""

import pytest

from swebench_runner.builder import ImageBuilder
from swebench_runner.images import base_recipes
from swebench_runner.repos import RepoStore
from swebench_runner.sandbox.docker import DockerSandbox, ensure_network

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def base_image(docker_engine, tmp_path_factory):
    builder = ImageBuilder(RepoStore(), tmp_path_factory.mktemp("logs"))
    return builder.ensure_base(base_recipes()["3.11"]).tag


@pytest.fixture(params=["docker"])
def sandbox(request, base_image):
    ensure_network()
    box = DockerSandbox(base_image, run_id="conformance", name=f"swerun-conformance-{request.node.name[:40]}",
                        workdir="/tmp")
    yield box
    box.close()


def test_exec_returns_code_and_separate_streams(sandbox):
    res = sandbox.exec(["bash", "-c", "echo out; echo err >&2; exit 7"])
    assert (res.returncode, res.stdout, res.stderr, res.timed_out) == (7, "out\n", "err\n", False)


def test_exec_takes_argv_without_a_shell(sandbox):
    res = sandbox.exec(["printf", "%s|", "a b", "$HOME", "; rm -rf /"])
    assert res.stdout == "a b|$HOME|; rm -rf /|"


def test_timeout_is_enforced_inside_and_keeps_partial_output(sandbox):
    res = sandbox.exec(["bash", "-c", "echo started; sleep 30"], timeout=1)
    assert res.timed_out and res.stdout == "started\n" and res.seconds < 10


def test_files_round_trip_and_missing_file(sandbox):
    sandbox.write_file("/tmp/deep/dir/f.bin", b"\x00\x01binary\n")
    assert sandbox.read_file("/tmp/deep/dir/f.bin") == b"\x00\x01binary\n"
    assert sandbox.exec(["cat", "/tmp/deep/dir/f.bin"]).stdout.endswith("binary\n")
    with pytest.raises(FileNotFoundError):
        sandbox.read_file("/tmp/nope")


def test_cwd_and_env(sandbox):
    res = sandbox.exec(["bash", "-c", "pwd; echo $FOO"], cwd="/etc", env={"FOO": "bar"})
    assert res.stdout == "/etc\nbar\n"


def test_close_removes_the_container(base_image, docker_engine):
    box = DockerSandbox(base_image, run_id="conformance", name="swerun-conformance-close", workdir="/")
    cid = box.container.id
    box.close()
    box.close()
    assert not docker_engine.containers.list(all=True, filters={"id": cid})


def test_network_is_internal(sandbox):
    """A connect to a routable address times out (as psf/requests' suite expects) and nothing leaves."""
    probe = ("import socket,time\n"
             "s=socket.socket(); s.settimeout(2); t=time.time()\n"
             "try:\n    s.connect(('10.255.255.1', 80)); print('connected')\n"
             "except Exception as e:\n    print(type(e).__name__, round(time.time()-t))\n"
             "s=socket.socket(); s.settimeout(2)\n"
             "try:\n    s.connect(('151.101.0.223', 443)); print('internet')\n"
             "except Exception as e:\n    print(type(e).__name__)\n")
    res = sandbox.exec(["python3", "-c", probe], timeout=20)
    first, second = res.stdout.split("\n")[:2]
    assert first == "TimeoutError 2"
    assert second != "internet"


def test_one_shot_runs_in_a_shared_namespace_stay_internal(base_image):
    """Evaluation containers join a per-worker namespace on the internal network: same isolation."""
    from swebench_runner.sandbox.docker import SharedNetns, run_script

    netns = SharedNetns("conformance-netns")
    probe = ("python3 -c \"import socket,time\ns=socket.socket(); s.settimeout(2); t=time.time()\n"
             "try:\n    s.connect(('10.255.255.1', 80)); print('connected')\n"
             "except Exception as e:\n    print(type(e).__name__, round(time.time()-t))\"")
    try:
        first = run_script(base_image, probe, files={}, run_id="conformance-netns", name="netns-1", timeout=60,
                           netns=netns)
        second = run_script(base_image, "cat /proc/self/net/dev | wc -l", files={}, run_id="conformance-netns",
                            name="netns-2", timeout=60, netns=netns)
        assert first.output.strip() == "TimeoutError 2" and first.exit_code == 0
        assert second.exit_code == 0
        assert len(netns._holders) == 1  # the second run joined the same namespace
    finally:
        netns.close()
