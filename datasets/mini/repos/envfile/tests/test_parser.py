import pytest

from envfile import ParseError, parse


def values(text):
    return {binding.key: binding.value for binding in parse(text)}


@pytest.mark.parametrize(
    "line, key, value",
    [
        ("NAME=value", "NAME", "value"),
        ("NAME = value", "NAME", "value"),
        ("export NAME=value", "NAME", "value"),
        ("NAME=", "NAME", ""),
        ("NAME=  padded  ", "NAME", "padded"),
        ("app.name=demo", "app.name", "demo"),
        ("_PRIVATE=1", "_PRIVATE", "1"),
    ],
    ids=["plain", "spaces", "export", "empty", "padded", "dotted", "underscore"],
)
def test_simple_assignments(line, key, value):
    assert values(line) == {key: value}


def test_comments_and_blank_lines_are_skipped():
    text = "# settings\n\nA=1\n   # indented comment\nB=2\n"
    assert values(text) == {"A": "1", "B": "2"}


def test_line_numbers():
    bindings = parse("\n# c\nA=1\n\nB=2\n")
    assert [(b.key, b.lineno) for b in bindings] == [("A", 3), ("B", 5)]


@pytest.mark.parametrize(
    "line, value",
    [
        ('MSG="hello world"', "hello world"),
        ("MSG='hello world'", "hello world"),
        ('MSG="tab\\there"', "tab\there"),
        ('MSG="two\\nlines"', "two\nlines"),
        ('MSG="say \\"hi\\""', 'say "hi"'),
        ("MSG='no \\n escapes'", "no \\n escapes"),
        ('MSG="  keep spaces  "', "  keep spaces  "),
        ('MSG=""', ""),
    ],
    ids=["double", "single", "tab", "newline", "escaped-quote", "single-raw", "spaces", "empty"],
)
def test_quoted_values(line, value):
    assert values(line) == {"MSG": value}


@pytest.mark.parametrize(
    "line, key, value",
    [
        ('MSG="hello # world"', "MSG", "hello # world"),
        ("COLOR='#ff0000'", "COLOR", "#ff0000"),
        ("PASSWORD=abc#123", "PASSWORD", "abc#123"),
        ('MSG="quoted" # trailing comment', "MSG", "quoted"),
    ],
    ids=["double-quoted", "single-quoted", "no-space", "after-quote"],
)
def test_hash_characters(line, key, value):
    assert values(line) == {key: value}


@pytest.mark.parametrize(
    "text, lineno, fragment",
    [
        ("A=1\nnot an assignment\n", 2, "expected KEY=VALUE"),
        ("1ABC=x", 1, "invalid variable name"),
        ('A="open', 1, "unterminated"),
        ('A="closed" junk', 1, "unexpected text"),
    ],
    ids=["no-equals", "bad-name", "unterminated", "junk"],
)
def test_errors(text, lineno, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.lineno == lineno
    assert fragment in str(info.value)
