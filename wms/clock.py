"""The warehouse's date: expiry is judged by the calendar where the stock is, not in UTC."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> date:
    zone = current_app.config["WMS_TIMEZONE"] if has_app_context() else "America/Sao_Paulo"
    return datetime.now(ZoneInfo(zone)).date()


# Dates a channel or supplier may announce: a promised ship date or an expected arrival from a month ago
# (an order or ASN sent late) to a year ahead. 0001-01-01 and 9999-12-31 are typing, not plans.
DATE_WINDOW_PAST_DAYS = 31
DATE_WINDOW_FUTURE_DAYS = 366


def date_window_problem(day: date, today: date):
    """Why a promised or expected date is not believable, or None (pure: `today` is given)."""
    from datetime import timedelta

    from flask_babel import lazy_gettext as _l

    first, last = today - timedelta(days=DATE_WINDOW_PAST_DAYS), today + timedelta(days=DATE_WINDOW_FUTURE_DAYS)
    if not first <= day <= last:
        return _l("A date from %(first)s to %(last)s.", first=first.isoformat(), last=last.isoformat())
    return None
