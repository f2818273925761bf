"""Template filters: dates and times in the warehouse's zone and the user's language, and numbers as the user's
language writes them (1.400,4 in Portuguese, 1,400.4 in English). CSV files and the API keep machine numbers."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal


def number(value: int | float | Decimal | str | None) -> str:
    """A quantity, weight or total for people to read: grouped thousands, the language's decimal sign. Text (a
    dash for "none") is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, str) or isinstance(value, bool):
        return value
    return format_decimal(value)


def register(app) -> None:
    app.add_template_filter(number, "number")

    @app.template_filter("when")
    def when(value: datetime | None) -> str:
        return format_datetime(value, "short") if value else ""

    @app.template_filter("day")
    def day(value: date | None) -> str:
        return format_date(value, "short") if value else ""
