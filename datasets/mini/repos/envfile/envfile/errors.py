"""Exceptions raised by envfile."""


class ParseError(ValueError):
    """A line of a .env file could not be understood."""

    def __init__(self, lineno: int, message: str) -> None:
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno
        self.message = message
