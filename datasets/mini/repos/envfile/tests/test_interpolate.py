import pytest

from envfile import loads


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A=1\nB=${A}2", {"A": "1", "B": "12"}),
        ("A=x\nB=$A-y", {"A": "x", "B": "x-y"}),
        ("B=${MISSING}", {"B": ""}),
        ("B=${MISSING:-fallback}", {"B": "fallback"}),
        ("A=\nB=${A:-empty}", {"A": "", "B": "empty"}),
        ('A=world\nB="hello ${A}"', {"A": "world", "B": "hello world"}),
        ("B=${A}\nA=late", {"B": "", "A": "late"}),
    ],
    ids=["braced", "bare", "missing", "default", "empty-default", "in-double-quotes", "order"],
)
def test_expansion(text, expected):
    assert loads(text, environ={}) == expected


def test_environment_is_used_as_fallback():
    assert loads("URL=http://${HOST}:${PORT:-80}/", environ={"HOST": "example.org"}) == {
        "URL": "http://example.org:80/"
    }


def test_file_values_win_over_environment():
    assert loads("HOST=local\nURL=${HOST}", environ={"HOST": "remote"})["URL"] == "local"


def test_interpolation_can_be_disabled():
    assert loads("A=1\nB=${A}", environ={}, interpolate=False) == {"A": "1", "B": "${A}"}
