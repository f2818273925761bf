"""Template filters: dates and times in the warehouse's zone and the user's language."""
from datetime import date, datetime

from flask_babel import format_date, format_datetime


def register(app) -> None:
    @app.template_filter("when")
    def when(value: datetime | None) -> str:
        return format_datetime(value, "short") if value else ""

    @app.template_filter("day")
    def day(value: date | None) -> str:
        return format_date(value, "short") if value else ""
