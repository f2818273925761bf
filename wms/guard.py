"""Input that no screen or API field may carry, refused at one place for the whole app, before any view runs.

- ids in URLs are ASCII digits within a PostgreSQL integer (`<int:...>` routes): anything else is 404;
- text may not hold control characters (NUL and the other C0/C1 controls, DEL; tab, newline and carriage return
  are allowed, for notes) nor the invisible bidirectional overrides that make "ABC" display as "CBA";
- bodies are at most WMS_MAX_REQUEST_BYTES (16 MB: a CSV import or a marketplace label ZIP) and JSON at most a
  few dozen levels deep.
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
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


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
    if isinstance(value, str):
        return FORBIDDEN.search(value) is not None
    if isinstance(value, dict):
        return any(forbidden_text(k) or forbidden_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(forbidden_text(v) for v in value)
    return False


def check_request() -> None:
    """before_request: refuse forbidden characters in the query, the form and a JSON body."""
    from flask_babel import lazy_gettext as _l

    from .errors import DomainError

    texts = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if any(forbidden_text(k) or forbidden_text(v) for k, v in texts) or forbidden_text(request.path):
        raise DomainError(_l("Text may not contain control characters."))
    if request.is_json and request.content_length:
        data = request.get_json(silent=True)
        if data is None:
            error = DomainError(_l("The body must be a JSON object (Content-Type: application/json)."))
            error.status = 400
            raise error
        if forbidden_text(data):
            raise DomainError(_l("Text may not contain control characters."))


def install(app: Flask) -> None:
    """Before any blueprint is registered (the converter is read when routes are added). `check_request` is
    registered by create_app after the login check, so an anonymous request is asked to log in first."""
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    app.config.setdefault("MAX_CONTENT_LENGTH", int(app.config.get("WMS_MAX_REQUEST_BYTES") or 16 * 1024 * 1024))
