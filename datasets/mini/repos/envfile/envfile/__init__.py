"""envfile - read and write .env files."""

from .api import apply, dump, load, loads
from .errors import ParseError
from .interpolate import expand
from .parser import Binding, parse

__all__ = ["Binding", "ParseError", "apply", "dump", "expand", "load", "loads", "parse"]
__version__ = "1.2.0"
