"""Human readable byte sizes and durations.

>>> human_bytes(123456789)
'117.7 MiB'
>>> human_duration(3725)
'1h 2m 5s'
"""

from __future__ import annotations

_BINARY_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_DECIMAL_UNITS = ("kB", "MB", "GB", "TB", "PB", "EB")
_DURATION_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def human_bytes(size: int, binary: bool = True, places: int = 1) -> str:
    """Format a byte count using the largest unit that keeps it below 1024.

    Binary units (KiB = 1024 bytes) are the default; ``binary=False``
    uses SI units (kB = 1000 bytes).  Plain bytes are shown without
    decimals.
    """
    if size < 0:
        return "-" + human_bytes(-size, binary, places)
    base = 1024 if binary else 1000
    units = _BINARY_UNITS if binary else _DECIMAL_UNITS
    if size < base:
        return f"{size} B"

    value = float(size)
    unit = -1
    while value >= base and unit < len(units) - 1:
        value /= base
        unit += 1
    return f"{value:.{places}f} {units[unit]}"


def human_duration(seconds: float) -> str:
    """Format a number of seconds as days, hours, minutes and seconds.

    Fractions of a second are rounded; zero components are left out.
    """
    total = int(round(seconds))
    if total < 0:
        raise ValueError("duration must not be negative")
    parts = []
    for name, size in _DURATION_UNITS:
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{name}")
    return " ".join(parts) or "0s"
