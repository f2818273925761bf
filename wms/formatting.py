"""Template filters: dates and times in the warehouse's zone and the user's language, and numbers as the user's
language writes them (1.400,4 in Portuguese, 1,400.4 in English). CSV files and the API keep machine numbers."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal
from markupsafe import Markup


def number(value: int | float | Decimal | str | None) -> str:
    """A quantity, weight or total for people to read: grouped thousands, the language's decimal sign. Text (a
    dash for "none") is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, str) or isinstance(value, bool):
        return value
    return format_decimal(value)


def codes(text: str) -> Markup:
    """Names a machine reads (CSV columns, API scopes) inside a translated sentence: shown as code, and marked
    not to be translated. Templates pass it to Jinja's own `gettext(...)`, which keeps markup in its arguments
    (the `_` the templates use is Flask-Babel's, which would escape it)."""
    return Markup('<code translate="no">{}</code>').format(text)


def register(app) -> None:
    app.add_template_filter(number, "number")
    app.add_template_global(codes, "codes")

    @app.template_filter("when")
    def when(value: datetime | None) -> str:
        return format_datetime(value, "short") if value else ""

    @app.template_filter("day")
    def day(value: date | None) -> str:
        return format_date(value, "short") if value else ""
