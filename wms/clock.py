"""The warehouse's date: expiry is judged by the calendar where the stock is, not in UTC."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> date:
    zone = current_app.config["WMS_TIMEZONE"] if has_app_context() else "America/Sao_Paulo"
    return datetime.now(ZoneInfo(zone)).date()
