"""Stata's extended missing values (``.a`` … ``.z``) set in a ``.dta`` file pyreadstat wrote.

pyreadstat takes an extended missing value as a letter in a column of numbers, but it tells a
column's type from its first 100 values: a column whose first 100 are all letters, and that has
numbers further down, is taken for text and refused. So a score column is written as numbers
with its reasons as system-missing (``.``), and the reasons are then set in the file's data,
where each value sits at a place its row and the variables' types fix (Stata's dta format,
releases 117 to 119).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

# bytes a value takes, by its type code in <variable_types>: 1 to 2045 is strN of that length
WIDTHS = {32768: 8, 65526: 8, 65527: 4, 65528: 4, 65529: 2, 65530: 1}
DOUBLE = 65526
SYSTEM_MISSING = 0x7FE0000000000000  # "." as a double; ".a" is 1 << 40 above it, ".b" 2 << 40 …


def extended(letter: str) -> int:
    """The bits of Stata's ``.a`` … ``.z`` as a double.

    >>> hex(extended("a")), hex(extended("z"))
    ('0x7fe0010000000000', '0x7fe01a0000000000')
    """
    return SYSTEM_MISSING + ((ord(letter) - ord("a") + 1) << 40)


def _between(data: bytes, start: bytes, end: bytes, at: int = 0) -> tuple[int, int]:
    first = data.index(start, at) + len(start)
    return first, data.index(end, first)


def set_extended_missing(data: bytes, columns: Mapping[int, Sequence[str | None]]) -> bytes:
    """``data`` (a .dta file) with the value of row ``r`` of variable ``i`` set to ``.letter``
    for each ``columns[i][r]`` that is a letter; such a value must be ``.`` and a double."""
    first, last = _between(data, b"<release>", b"</release>")
    release = int(data[first:last])
    if release not in (117, 118, 119):
        raise ValueError(f"a Stata file of release {release}, where 117 to 119 were expected")
    first, last = _between(data, b"<byteorder>", b"</byteorder>")
    order = "<" if data[first:last] == b"LSF" else ">"
    first, _ = _between(data, b"<K>", b"</K>")
    k = struct.unpack_from(order + ("I" if release == 119 else "H"), data, first)[0]
    first, _ = _between(data, b"<N>", b"</N>")
    n = struct.unpack_from(order + ("I" if release == 117 else "Q"), data, first)[0]
    first, _ = _between(data, b"<variable_types>", b"</variable_types>")
    types = struct.unpack_from(order + "H" * k, data, first)
    widths = [WIDTHS.get(t, t) for t in types]
    offsets = [sum(widths[:i]) for i in range(k)]
    row = sum(widths)
    start, _ = _between(data, b"<data>", b"</data>", first)
    out = bytearray(data)
    for i, letters in columns.items():
        if types[i] != DOUBLE or len(letters) != n:
            raise ValueError(f"variable {i + 1} is not a double of {n} values")
        for r, letter in enumerate(letters):
            if letter is None:
                continue
            at = start + r * row + offsets[i]
            if struct.unpack_from(order + "Q", out, at)[0] != SYSTEM_MISSING:
                raise ValueError(f"variable {i + 1}, row {r + 1} holds a value, not '.'")
            struct.pack_into(order + "Q", out, at, extended(letter))
    return bytes(out)
