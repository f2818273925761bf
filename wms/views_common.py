"""Small helpers every screen uses."""
from collections.abc import Callable

from flask import make_response, render_template
from flask_babel import lazy_gettext as _l

from .errors import DomainError
from .extensions import db


def feedback(body, *, ok: bool, status: int = 200):
    """A response that tells the handheld which sound and colour to play."""
    response = make_response(body, status)
    response.headers["X-Scan-Result"] = "ok" if ok else "bad"
    return response


class StaleScreen(DomainError):
    """A handheld posted hidden fields that no longer make sense (an old tab, a tampered form)."""

    def __init__(self, message=None):
        super().__init__(message or _l("This screen is out of date: here is the next step."))


def answer(template: str, **context):
    """The next handheld screen, with the good sound."""
    return feedback(render_template(template, **context), ok=True)


def refused(template: str, error: DomainError, context: Callable[[], dict]):
    """The same handheld step again with the message and the bad sound. The transaction is rolled back before
    the screen is built, so nothing the refused scan touched is kept or read back."""
    db.session.rollback()
    return feedback(render_template(template, error=str(error), **context()), ok=False, status=error.status)


def form_number(form, name: str) -> int | None:
    """A whole number from a hidden field, None when empty; anything else means the screen is stale."""
    text = (form.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise StaleScreen()
    return int(text)
