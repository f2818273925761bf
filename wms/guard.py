"""Input that no screen or API field may carry, refused at one place for the whole app, before any view runs.

- ids in URLs are ASCII digits within a PostgreSQL integer (`<int:...>` routes): anything else is 404;
- text may not hold control characters (NUL and the other C0/C1 controls, DEL; tab, newline and carriage return
  are allowed, for notes) nor the invisible bidirectional overrides that make "ABC" display as "CBA";
- bodies are at most WMS_MAX_REQUEST_BYTES (16 MB: a CSV import or a marketplace label ZIP) and JSON at most a
  few dozen levels deep;
- a handheld's `scan_id` is 1 to 64 printable ASCII characters (scan.js makes 20-odd);
- text longer than its column is refused when it is written, whatever screen, API or import it came from:
  `check_lengths` looks at every String(n) column of the new and changed rows before each flush (the one place,
  for both databases: PostgreSQL would raise a 500, SQLite would store it whole), naming the field and its limit.
A refusal is a 422 (400 for JSON that is not JSON, 413 for a body too large) and nothing runs.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from .numbers import MAX_ID

MAX_JSON_DEPTH = 32
# GS (29), RS (30) and EOT (4) stay allowed: a GS1 DataMatrix scan separates its fields with them.
FORBIDDEN = re.compile("[\x00-\x03\x05-\x08\x0b\x0c\x0e-\x1c\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
SCAN_ID = re.compile(r"[!-~]{1,64}")  # printable ASCII, no space


class IdConverter(IntegerConverter):
    """`<int:...>`: ASCII digits only, at most ten of them, within a database integer; else the route does not
    match (404) instead of overflowing a query (500)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return data


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def forbidden_text(value: Any) -> bool:
    """Whether any string in `value` (nested lists and dicts included, keys too) holds a forbidden character."""
    return forbidden_field(value) is not None


def forbidden_field(value: Any, path: str = "") -> str | None:
    """The first field (as `lines[2].sku`) whose text holds a forbidden character, or None."""
    if isinstance(value, str):
        return (path or "body") if FORBIDDEN.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if FORBIDDEN.search(str(key)):
                return here
            found = forbidden_field(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = forbidden_field(item, f"{path}[{index}]")
            if found:
                return found
    return None


def raw_fields(*names: str):
    """Mark a view whose JSON fields `names` carry printer language as given (a marketplace's ZPL label starts
    with control characters such as DLE): those fields, and only those, skip the control-character check."""

    def mark(view):
        view.raw_fields = frozenset(names)
        return view

    return mark


def _without_raw_fields(data: Any) -> Any:
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint or "")
    raw = getattr(view, "raw_fields", frozenset())
    if raw and isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in raw}
    return data


def check_request() -> None:
    """before_request: refuse forbidden characters in the query, the form and a JSON body."""
    from flask_babel import lazy_gettext as _l

    from .errors import DomainError

    message = _l("Text may not contain control characters.")
    texts = [*request.args.items(multi=True), *request.form.items(multi=True)]
    for key, value in texts:
        if forbidden_text(key) or forbidden_text(value):
            raise DomainError(message, fields={key: str(message)})
    if forbidden_text(request.path):
        raise DomainError(message)
    for scan_id in request.form.getlist("scan_id"):
        if scan_id and not SCAN_ID.fullmatch(scan_id):
            raise DomainError(_l("This scan's id is not valid: reload the screen and scan again."))
    if request.is_json and request.content_length:
        data = request.get_json(silent=True)
        if data is None:
            error = DomainError(_l("The body must be a JSON object (Content-Type: application/json)."))
            error.status = 400
            raise error
        field = forbidden_field(_without_raw_fields(data))
        if field:
            raise DomainError(message, fields={field: str(message)})


def _field_words(column) -> str:
    return str(column.info.get("label") or column.key.replace("_", " ").capitalize())


def check_lengths(session, flush_context=None, instances=None) -> None:
    """before_flush: refuse (DomainError, 422) any text longer than its String(n) column in a new or changed
    row, naming the field and its limit, instead of a 500 from PostgreSQL or a silently longer row in SQLite."""
    from flask_babel import lazy_gettext as _l
    from sqlalchemy import String, inspect

    from .errors import DomainError

    for row in [*session.new, *session.dirty]:
        state = inspect(row)
        loaded = state.dict  # only values in memory: reading an expired one here would query (and autoflush)
        for attribute in state.mapper.column_attrs:
            for column in attribute.columns:
                limit = getattr(column.type, "length", None)
                if not limit or not isinstance(column.type, String):
                    continue
                value = loaded.get(attribute.key)
                if isinstance(value, str) and len(value) > limit:
                    raise DomainError(
                        _l("%(field)s is too long: at most %(limit)s characters (%(length)s given).",
                           field=_field_words(column), limit=limit, length=len(value)),
                        field=attribute.key, limit=limit)


def install(app: Flask) -> None:
    """Before any blueprint is registered (the converter is read when routes are added). `check_request` is
    registered by create_app after the login check, so an anonymous request is asked to log in first."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", check_lengths):
        event.listen(Session, "before_flush", check_lengths)
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    app.config.setdefault("MAX_CONTENT_LENGTH", int(app.config.get("WMS_MAX_REQUEST_BYTES") or 16 * 1024 * 1024))
