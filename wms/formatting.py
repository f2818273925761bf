"""Template filters: dates and times in the warehouse's zone and the user's language, and numbers as the user's
language writes them (1.400,4 in Portuguese, 1,400.4 in English). CSV files and the API keep machine numbers."""
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import get_group_symbol
from flask_babel import LazyString, format_date, format_datetime, format_decimal, get_locale
from markupsafe import Markup

# The thousands sign of each language the app has served, found once. A whole number (nearly every quantity, and
# the handheld shows some on every screen) is written by Python itself: under 1 000 at once (about 0.6 µs), above
# it with the locale's look-up (a few µs), where Babel's pattern machinery takes 9 to 13 µs a number.
# tests/unit/test_pt_br_words.py holds both ways to the same answers.
_GROUP_SIGN: dict = {}


def _group_sign(locale) -> str:
    sign = _GROUP_SIGN.get(locale)
    if sign is None:
        sign = _GROUP_SIGN[locale] = get_group_symbol(locale)
    return sign


def number(value: int | float | Decimal | str | None) -> str:
    """A quantity, weight or total for people to read: grouped thousands, the language's decimal sign. Text (a
    dash for "none") is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, str) or isinstance(value, bool):
        return value
    if type(value) is int:
        if -1000 < value < 1000:  # no thousands to group, and both languages write the minus sign "-"
            return str(value)
        locale = get_locale()
        if locale is not None:
            return f"{value:,}".replace(",", _group_sign(locale))
    return format_decimal(value)


def signed_number(value: int | float | Decimal) -> str:
    """A difference: `number` with "+" before a gain ("+1.200", "-35", "0")."""
    text = number(value)
    return f"+{text}" if value > 0 else text


def lazy_number(value: int | float | Decimal | None, *, signed: bool = False) -> LazyString:
    """A quantity inside a message built in Python, e.g. `_l("Only %(free)s … are free", free=lazy_number(free))`:
    written by `number` (as the templates write it) when the message is read, so a worker reads "1.400" in
    Portuguese and "1,400" in English in the answer to a scan, as on the screen around it. Lazy like `_l`
    itself: a rule that builds the message needs no request, and the reader's language decides."""
    return LazyString(signed_number if signed else number, value)


def codes(text: str) -> Markup:
    """Names a machine reads (CSV columns, API scopes) inside a translated sentence: shown as code, and marked
    not to be translated. Templates pass it to Jinja's own `gettext(...)`, which keeps markup in its arguments
    (the `_` the templates use is Flask-Babel's, which would escape it)."""
    return Markup('<code translate="no">{}</code>').format(text)


_DAYS: dict = {}


def day(value: date | None) -> str:
    """A date in the reader's language, short ("03/12/2026", "12/3/26")."""
    return day_writer()(value)


def day_writer():
    """`day` for one list, bound to the reader's language once: each day is written by Babel once per language
    and then kept (the handheld's stock cards write a lot's expiry on every card)."""
    locale = get_locale()

    def write(value: date | None) -> str:
        if not value:
            return ""
        key = (locale, value)
        text = _DAYS.get(key)
        if text is None:
            if len(_DAYS) > 20_000:
                _DAYS.clear()
            text = _DAYS[key] = format_date(value, "short")
        return text

    return write


def when(value: datetime | None) -> str:
    return format_datetime(value, "short") if value else ""


def register(app) -> None:
    app.add_template_filter(number, "number")
    app.add_template_global(codes, "codes")
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")
