import subprocess

import pytest

from swebench_runner.errors import PatchError
from swebench_runner.patch import check_model_patch, parse_patch, split_test_files


def _git_diff(tmp_path, before: dict, after: dict, binary: bool = False) -> str:
    repo = tmp_path / "r"
    repo.mkdir(parents=True)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    for name, data in before.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base", "--allow-empty"], check=True)
    for name, data in after.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    subprocess.run([*git, "add", "-A"], check=True)
    return subprocess.run([*git, "diff", "--cached", *(["--binary"] if binary else [])], check=True,
                          capture_output=True, text=True).stdout


def test_binary_hunks_survive_and_paths_are_classified(tmp_path):
    text = _git_diff(tmp_path, {"a.py": b"x = 1\n", "img.bin": b"\x00\x01"},
                     {"a.py": b"x = 2\n", "img.bin": b"\x00\x02", "new.py": b"y = 1\n"}, binary=True)
    checked = check_model_patch(text)
    assert checked.text == text  # byte-for-byte, including the GIT binary patch section
    assert {f.path: (f.added, f.binary) for f in checked.files} == {
        "a.py": (False, False), "img.bin": (False, True), "new.py": (True, False)}


def test_test_infrastructure_is_reverted_not_evaluated(tmp_path):
    text = _git_diff(tmp_path, {"pkg/mod.py": b"a\n", "setup.cfg": b"[metadata]\nname = x\n"},
                     {"pkg/mod.py": b"b\n", "conftest.py": b"import os\n", "tests/conftest.py": b"x = 1\n",
                      "site.pth": b"import evil\n",
                      "setup.cfg": b"[metadata]\nname = x\n[tool:pytest]\naddopts = -p evil\n"})
    checked = check_model_patch(text)
    assert checked.paths == ["pkg/mod.py"]
    assert sorted(checked.reverted) == ["conftest.py", "setup.cfg", "site.pth", "tests/conftest.py"]


def test_setup_cfg_dependency_change_is_kept(tmp_path):
    text = _git_diff(tmp_path, {"setup.cfg": b"[options]\ninstall_requires =\n    a\n"},
                     {"setup.cfg": b"[options]\ninstall_requires =\n    a\n    appdirs\n"})
    assert check_model_patch(text).paths == ["setup.cfg"]


@pytest.mark.parametrize("path,words", [
    (".git/hooks/post-checkout", "inside .git"),
    (".git/index.lock", "inside .git"),
    ("../outside.py", "leaves the repository"),
    ("pkg/../../x.py", "leaves the repository"),
])
def test_unsafe_paths_are_refused(path, words):
    text = f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+x\n"
    with pytest.raises(PatchError, match=words):
        check_model_patch(text)


def test_absolute_path_and_symlink_are_refused():
    abs_patch = "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(PatchError, match="absolute path"):
        check_model_patch(abs_patch)
    link = ("diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc\n"
            "\\ No newline at end of file\n")
    with pytest.raises(PatchError, match="symbolic link"):
        check_model_patch(link)


def test_malformed_and_infra_only_patches():
    with pytest.raises(PatchError, match="malformed"):
        check_model_patch("this is not a diff\n")
    only = "diff --git a/conftest.py b/conftest.py\nnew file mode 100644\n--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1 @@\n+x\n"
    nothing = check_model_patch(only)
    assert nothing.files == () and nothing.reverted == ("conftest.py",) and nothing.text == ""


def test_test_files_split_existing_and_created(tmp_path):
    text = _git_diff(tmp_path, {"tests/test_a.py": b"a\n"}, {"tests/test_a.py": b"b\n", "tests/test_new.py": b"c\n"})
    assert split_test_files(text) == (["tests/test_a.py"], ["tests/test_new.py"])
    assert [f.path for f in parse_patch(text)] == ["tests/test_a.py", "tests/test_new.py"]


def test_setup_cfg_change_that_only_mentions_pytest_is_kept(tmp_path):
    """pylint-dev__pylint-4661's gold patch edits an isort list that names pytest: not test config."""
    text = _git_diff(tmp_path, {"setup.cfg": b"[isort]\nknown_third_party = astroid, pytest\n"},
                     {"setup.cfg": b"[isort]\nknown_third_party = appdirs, astroid, pytest\n"})
    assert check_model_patch(text).paths == ["setup.cfg"]
    toml = _git_diff(tmp_path / "b", {"pyproject.toml": b"[tool.black]\nline-length = 88\n"},
                     {"pyproject.toml": b"[tool.black]\nline-length = 88\n[tool.pytest.ini_options]\naddopts = '-p x'\n"})
    assert check_model_patch(toml).reverted == ("pyproject.toml",)


def test_reverse_patch_undoes_a_patch_with_real_git(tmp_path):
    """A change (edits, an added file, a removed one, a file without a final newline) and its reverse."""
    import subprocess

    from swebench_runner.patch import reverse_patch

    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    (tmp_path / "a.py").write_text("one\ntwo\nthree\nfour\nfive\n")
    (tmp_path / "gone.txt").write_text("bye\n")
    (tmp_path / "tail.txt").write_text("x\ny")
    git("add", "-A")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base")
    (tmp_path / "a.py").write_text("one\n2\nthree\nfour\n5\nsix\n")
    (tmp_path / "gone.txt").unlink()
    (tmp_path / "new.txt").write_text("hello\n")
    (tmp_path / "tail.txt").write_text("x\nz")
    git("add", "-A")
    forward = git("diff", "--cached")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "change")
    after = {p.name: p.read_text() for p in tmp_path.iterdir() if p.is_file()}
    backward = reverse_patch(forward)
    (tmp_path / "undo.patch").write_text(backward)
    git("apply", "--index", "undo.patch")
    (tmp_path / "undo.patch").unlink()
    assert git("status", "--porcelain").count("\n") == 4  # every change undone in the index
    assert (tmp_path / "a.py").read_text() == "one\ntwo\nthree\nfour\nfive\n"
    assert (tmp_path / "gone.txt").read_text() == "bye\n" and not (tmp_path / "new.txt").exists()
    assert (tmp_path / "tail.txt").read_text() == "x\ny"
    assert reverse_patch(backward) == forward and after["new.txt"] == "hello\n"
