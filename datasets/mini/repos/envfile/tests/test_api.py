import pytest

import envfile


def test_load_reads_file(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# app\nDEBUG=1\nNAME='demo app'\n", encoding="utf-8")
    assert envfile.load(path, environ={}) == {"DEBUG": "1", "NAME": "demo app"}


def test_apply_does_not_override_by_default():
    environ = {"A": "old"}
    changed = envfile.apply({"A": "new", "B": "2"}, environ=environ)
    assert changed == ["B"]
    assert environ == {"A": "old", "B": "2"}


def test_apply_override():
    environ = {"A": "old"}
    assert envfile.apply({"A": "new"}, environ=environ, override=True) == ["A"]
    assert environ == {"A": "new"}


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "with spaces",
        "",
        'quote " inside',
        "line\nbreak",
        "back\\slash",
        "http://example.org/path",
    ],
    ids=["plain", "spaces", "empty", "quote", "newline", "backslash", "url"],
)
def test_dump_round_trip(value):
    text = envfile.dump({"KEY": value})
    assert envfile.loads(text, environ={}) == {"KEY": value}


def test_dump_format():
    assert envfile.dump({"A": "1", "B": "two words"}) == 'A=1\nB="two words"\n'
