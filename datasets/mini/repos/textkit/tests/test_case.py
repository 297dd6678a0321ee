import pytest

from textkit import split_words, to_camel, to_kebab, to_snake


@pytest.mark.parametrize(
    "name, words",
    [
        ("fooBar", ["foo", "Bar"]),
        ("HTTPServer", ["HTTP", "Server"]),
        ("parse_http_response", ["parse", "http", "response"]),
        ("kebab-case-name", ["kebab", "case", "name"]),
        ("version2Beta", ["version2", "Beta"]),
    ],
)
def test_split_words(name, words):
    assert split_words(name) == words


@pytest.mark.parametrize(
    "name, expected",
    [
        ("parseHTTPResponse", "parse_http_response"),
        ("MaxRetryCount", "max_retry_count"),
        ("already_snake", "already_snake"),
        ("with-dashes", "with_dashes"),
    ],
)
def test_to_snake(name, expected):
    assert to_snake(name) == expected


def test_to_kebab():
    assert to_kebab("parseHTTPResponse") == "parse-http-response"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("max_retry_count", "maxRetryCount"),
        ("HTTPServer", "httpServer"),
        ("_private_name", "privateName"),
        ("single", "single"),
    ],
)
def test_to_camel(name, expected):
    assert to_camel(name) == expected


def test_to_camel_upper_first():
    assert to_camel("max_retry_count", upper_first=True) == "MaxRetryCount"
