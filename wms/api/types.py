"""Field types shared by the API's models."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask_babel import gettext as _
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError


def _iso_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date", _("A date like 2026-12-24.")) from None
    if len(value) != 10:
        raise PydanticCustomError("date", _("A date like 2026-12-24."))
    return value


# A calendar date as text, "2026-12-24" (kept as text: the services read it as they always did).
IsoDate = Annotated[str, AfterValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]


def OptionalText(max_length: int, description: str | None = None):  # noqa: N802
    return Annotated[str | None, Field(max_length=max_length, description=description)]
