"""Reading a label's data: the error every label kind raises and the reader that names the key at fault.

Shared by the label kinds of the warehouse (printers/kinds.py) and of shipping (printers/shipping_kinds.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wms.errors import DomainError

UFS = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split())
MISSING = object()


class LabelDataError(DomainError, ValueError):
    """The data given for a label cannot be printed; the message says which key and why.

    A DomainError so views answer 422 with the message; a ValueError because
    that is what it is to code outside the app.
    """


class Fields:
    """Reads a dict once, key by key, and complains about what is missing or left over."""

    def __init__(self, kind: str, data: object, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            where = f"'{prefix.rstrip('.')}'" if prefix else "its data"
            raise LabelDataError(f"{kind} label: {where} must be a dict, got {type(data).__name__}")
        self.kind = kind
        self.data = data
        self.prefix = prefix
        self.read: set[str] = set()

    def _name(self, key: str) -> str:
        return f"'{self.prefix}{key}'"

    def error(self, key: str, problem: str) -> LabelDataError:
        return LabelDataError(f"{self.kind} label: {self._name(key)} {problem}")

    def get(self, key: str, default: Any = MISSING) -> Any:
        self.read.add(key)
        if key in self.data and self.data[key] is not None:
            return self.data[key]
        if default is MISSING:
            raise LabelDataError(f"{self.kind} label needs {self._name(key)}")
        return default

    def text(self, key: str, default: Any = MISSING) -> str:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(key, f"must be text, got {type(value).__name__}")
        value = str(value).strip()
        if not value and default is MISSING:
            raise self.error(key, "is empty")
        return value

    def integer(self, key: str, default: Any = MISSING, minimum: int = 0) -> Any:
        value = self.get(key, default)
        if value is None:
            return None  # optional and absent
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, got {value!r}")
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def nested(self, key: str) -> Fields:
        return Fields(self.kind, self.get(key), f"{self.prefix}{key}.")

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            names = ", ".join(f"'{self.prefix}{k}'" for k in unknown)
            raise LabelDataError(f"{self.kind} label does not use {names}: check the spelling")

    def barcode(self, key: str, make: Callable[[], Any]) -> Any:
        """Build a barcode, reporting its ValueError against `key`."""
        try:
            return make()
        except LabelDataError:
            raise
        except ValueError as exc:
            raise self.error(key, f"cannot be a barcode: {exc}") from None
