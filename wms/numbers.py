"""The app's one parser of typed and posted whole numbers.

ASCII digits only ("²", "٣" and "1e3" are not numbers here), an optional sign where asked for, and a bound,
so no input ever reaches Python's int() unbounded or the database out of its column's range.
"""
from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds


def whole(text: object, *, least: int = 0, most: int = MAX_ID, signed: bool = False) -> int | None:
    """The whole number `text` spells, or None when it spells none within [least, most]."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    else:
        if not isinstance(text, str):
            return None
        text = text.strip()
        digits = text[1:] if signed and text[:1] in "+-" and len(text) > 1 else text
        # A bound of up to 10 digits keeps int() cheap; more digits cannot be within MAX_ID anyway.
        if not digits or len(digits) > 18 or not (digits.isascii() and digits.isdigit()):
            return None
        value = int(text)
    return value if least <= value <= most else None


def is_id(text: object) -> bool:
    return whole(text, least=1) is not None
