import pytest

from textkit import truncate, truncate_middle


@pytest.mark.parametrize(
    "text, width, expected",
    [
        ("hello world", 10, "hello w..."),
        ("short", 80, "short"),
        ("abcdef", 4, "a..."),
        ("abcdef", 3, "..."),
        ("abcdef", 2, ".."),
        ("abcdef", 0, ""),
        ("", 3, ""),
    ],
    ids=["cut", "fits", "tiny", "only-ellipsis", "partial-ellipsis", "zero", "empty"],
)
def test_truncate(text, width, expected):
    assert truncate(text, width) == expected


def test_custom_ellipsis():
    assert truncate("hello world", 8, ellipsis="~") == "hello w~"


@pytest.mark.parametrize(
    "text, width, expected",
    [
        ("The quick brown fox", 12, "The quick..."),
        ("The quick brown fox", 13, "The quick..."),
        ("The quick brown fox", 16, "The quick..."),
        ("Incomprehensibilities", 10, "Incompr..."),
    ],
    ids=["at-space", "after-space", "mid-word", "long-word"],
)
def test_whole_words(text, width, expected):
    assert truncate(text, width, whole_words=True) == expected


def test_negative_width():
    with pytest.raises(ValueError):
        truncate("abc", -1)


def test_width_must_be_int():
    with pytest.raises(TypeError):
        truncate("abc", 2.5)


@pytest.mark.parametrize(
    "width, expected",
    [
        (31, "/home/user/projects/app/main.py"),
        (15, "/home/...ain.py"),
        (14, "/home/...in.py"),
    ],
)
def test_truncate_middle(width, expected):
    assert truncate_middle("/home/user/projects/app/main.py", width) == expected
