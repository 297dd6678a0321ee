import pytest

from textkit import slugify, unique_slug


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello World", "hello-world"),
        ("  leading and trailing  ", "leading-and-trailing"),
        ("Python 3.12 released!", "python-3-12-released"),
        ("already-a-slug", "already-a-slug"),
        ("Don't Panic", "dont-panic"),
        ("multiple---dashes___here", "multiple-dashes-here"),
        ("", ""),
    ],
    ids=["basic", "strip", "digits", "idempotent", "apostrophe", "runs", "empty"],
)
def test_slugify(text, expected):
    assert slugify(text) == expected


@pytest.mark.parametrize("sep", ["_", ".", ""])
def test_custom_separator(sep):
    assert slugify("One Two Three", sep=sep) == sep.join(["one", "two", "three"])


@pytest.mark.parametrize(
    "max_length, expected",
    [
        (40, "a-tale-of-two-cities"),
        (14, "a-tale-of-two"),
        (13, "a-tale-of-two"),
        (12, "a-tale-of"),
        (1, "a"),
    ],
)
def test_max_length_keeps_whole_words(max_length, expected):
    assert slugify("A Tale of Two Cities", max_length=max_length) == expected


def test_max_length_cuts_single_long_word():
    assert slugify("Supercalifragilistic", max_length=5) == "super"


def test_max_length_must_be_positive():
    with pytest.raises(ValueError):
        slugify("abc", max_length=0)


def test_rejects_non_strings():
    with pytest.raises(TypeError):
        slugify(42)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\u00dcber Caf\u00e9", "\u00fcber-caf\u00e9"),
        ("\u6771\u4eac \u30bf\u30ef\u30fc", "\u6771\u4eac-\u30bf\u30ef\u30fc"),
        ("snake_case words", "snake-case-words"),
    ],
    ids=["latin", "cjk", "underscore"],
)
def test_allow_unicode_keeps_letters(text, expected):
    assert slugify(text, allow_unicode=True) == expected


def test_unique_slug():
    existing = {"release-notes", "release-notes-2"}
    assert unique_slug("Release Notes", existing) == "release-notes-3"
    assert unique_slug("Changelog", existing) == "changelog"
