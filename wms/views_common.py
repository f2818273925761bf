"""Small helpers every screen uses."""
from collections.abc import Callable
from typing import Any

from flask import flash, make_response, redirect, render_template
from flask_babel import lazy_gettext as _l

from . import numbers, uow
from .errors import DomainError
from .extensions import db
from .formatting import lazy_number

GOOD, ATTENTION, BAD = "ok", "attention", "bad"


def feedback(body, *, ok: bool, status: int = 200, attention: bool = False):
    """A response that tells the handheld which sound and colour to play: good, attention (accepted, but not
    the normal path: sent to quarantine, another place than the suggested one, a short pick) or error."""
    response = make_response(body, status)
    response.headers["X-Scan-Result"] = (ATTENTION if attention else GOOD) if ok else BAD
    return response


class StaleScreen(DomainError):
    """A handheld posted hidden fields that no longer make sense (an old tab, a tampered form)."""

    def __init__(self, message=None):
        super().__init__(message or _l("This screen is out of date: here is the next step."))


def answer(template: str, *, attention: bool = False, **context):
    """The next handheld screen, with the good sound (or the attention sound for an accepted exception)."""
    return feedback(render_template(template, **context), ok=True, attention=attention)


def refused(template: str, error: DomainError, context: Callable[[], dict]):
    """The same handheld step again with the message and the bad sound. The transaction is rolled back before
    the screen is built, so nothing the refused scan touched is kept or read back."""
    uow.abandon()  # the request's unit of work rolls back anyway (4xx); this keeps the screen honest
    return feedback(render_template(template, error=str(error), **context()), ok=False, status=error.status)


def form_number(form, name: str) -> int | None:
    """A whole number from a hidden field, None when empty; anything else means the screen is stale."""
    text = (form.get(name) or "").strip()
    if not text:
        return None
    value = numbers.whole(text, least=0)
    if value is None:
        raise StaleScreen()
    return value


def form_row(model, form, name: str):
    """The row a hidden field names by id, None when the field is empty; a row that is gone (or an id that is
    not a number) means the screen is stale."""
    return form_rows(form, row=(model, name))["row"]


def form_rows(form, **fields) -> dict[str, Any]:
    """`form_row` for several hidden fields at once (`source=(Location, "from_id")`), the rows the session does not
    hold read in one statement: a screen's state names up to four rows, and a statement each was most of a
    scan's round trips. A row that is gone, or an id that is not a number, means the screen is stale."""
    found: dict[str, Any] = {}
    wanted: dict[str, tuple[Any, int]] = {}
    for key, (model, name) in fields.items():
        row_id = form_number(form, name)
        held = None if row_id is None else db.session.identity_map.get(db.session.identity_key(model, row_id))
        if row_id is None or held is not None:
            found[key] = held
        else:
            wanted[key] = (model, row_id)
    if len(wanted) == 1:
        [(key, (model, row_id))] = wanted.items()
        found[key] = db.session.get(model, row_id)
    elif wanted:
        from sqlalchemy import select, true
        from sqlalchemy.orm import aliased

        entities = {key: aliased(model) for key, (model, _row_id) in wanted.items()}
        first, *others = entities.values()
        statement = select(*entities.values()).select_from(first)
        for entity in others:  # one row of each: joined ON TRUE (a product of single rows, said so)
            statement = statement.join(entity, true())
        row = db.session.execute(statement.where(
            *(entities[key].id == row_id for key, (_model, row_id) in wanted.items()))).first()
        found.update(zip(wanted, row or (None,) * len(wanted), strict=True))
    if any(found[key] is None for key in wanted):
        raise StaleScreen()
    return found


def typed_quantity(text: str | None, *, most: int, unit=None, least: int = 1) -> int:
    """A quantity a worker typed: a whole number from `least` to `most`, else a DomainError saying the
    range in the unit being counted ("units" unless told, e.g. "cases of 12")."""
    value = numbers.whole(text, least=least, most=most)
    if value is None:
        raise DomainError(_l("Type a whole number of %(unit)s from %(least)s to %(most)s.",
                             unit=unit or _l("units"), least=lazy_number(least), most=lazy_number(most)))
    return value


def refusal_text(error: DomainError) -> str:
    """A refusal's message with the fields it names ("Not saved. code: too long; name: required")."""
    fields = error.details.get("fields") if error.details else None
    return f"{error} " + "; ".join(f"{k}: {v}" for k, v in (fields or {}).items()) if fields else str(error)


def desk_post(action: Callable[[], Any], done: Any, back: str):
    """A desk form's Post/Redirect/Get: run the use case `action()`, flash `done` (a text, or a function of
    the action's result that gives it; None: say nothing) or the refusal's message, and go to the URL `back`
    either way. A refused use case has undone its own writes (its SAVEPOINT)."""
    try:
        result = action()
    except DomainError as error:
        flash(refusal_text(error), "error")
    else:
        if done is not None:
            flash(done(result) if callable(done) else done, "success")
    return redirect(back)
