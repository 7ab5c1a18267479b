"""Little-endian base-128 integers (AV1's leb128, RAR 5's vint): 7 bits a byte, high bit = more."""

from __future__ import annotations


def leb128(data: bytes, at: int) -> tuple[int, int]:
    """The number that starts at ``data[at]`` and where the next field starts.

    Raises ValueError when the data ends inside the number (a cut or damaged header).
    """
    value, shift = 0, 0
    while at < len(data):
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at
    raise ValueError("the data ends inside a variable-length number")
