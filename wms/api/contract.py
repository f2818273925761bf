"""The API's contract in one place: each endpoint is declared once with `operation(...)`, naming its token scope,
its Pydantic request model and its answers. The same models validate the requests and make
`GET /api/v1/openapi.json` (see `wms.api.openapi`), so the document cannot drift from what is checked.

Why Pydantic v2 and a small generator of our own rather than flask-openapi3 or spectree: Pydantic is already
installed and gives `model_json_schema()` (JSON Schema 2020-12, what OpenAPI 3.1 uses); the two libraries would
each bring their own request parsing, error shape and routing on top of Flask's, and the API must keep its error
shape (`{"error", "fields": {"lines[2].quantity": "..."}}`), its token check and its unit of work per request.

Field errors are translated and named by path ("ship_to.cep", "lines[2].quantity"). A number sent as text ("5")
is refused (strict integers); a required text may not be empty.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Annotated, Any

from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, ValidationError

from ..auth.models import Scope
from ..errors import DomainError, Forbidden


class Model(BaseModel):
    """Base of request models: unknown fields are ignored (a store may send more than we read)."""

    model_config = ConfigDict(extra="ignore", strict=True)  # no "5" for 5, no 0 for false


class Answer(BaseModel):
    """Base of answer models (documentation and the contract tests)."""

    model_config = ConfigDict(extra="allow")


def Text(max_length: int, *, description: str | None = None, examples: list | None = None):  # noqa: N802
    """A required text: not empty, not only spaces, at most `max_length` characters (surrounding spaces cut)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length,
                                            pattern=r"\S"),
                     Field(description=description, examples=examples)]


def Whole(minimum: int, maximum: int, *, description: str | None = None):  # noqa: N802
    """A whole number sent as a JSON number (never as text, never true/false)."""
    return Annotated[int, Strict(), Field(ge=minimum, le=maximum, description=description)]


class ErrorOut(Answer):
    error: str
    fields: dict[str, str] | None = Field(
        None, description="Field errors, by path (e.g. `ship_to.cep`, `lines[2].quantity`).")


# ------------------------------------------------------------------------------------------------ field errors

def field_path(loc: tuple) -> str:
    """("lines", 2, "quantity") → "lines[2].quantity". A union's tag written "<name>" (`Tag("<batch>")`) is not
    part of the path: the client sent no such field."""
    path = ""
    for part in loc:
        if isinstance(part, str) and part.startswith("<") and part.endswith(">"):
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("Required.")
    if kind == "string_too_short":
        return _("Required.") if ctx.get("min_length", 1) <= 1 else _(
            "At least %(min)s characters.", min=ctx.get("min_length"))
    if kind == "string_pattern_mismatch":
        return _("Required.") if ctx.get("pattern") == r"\S" else _("Not in the expected format.")
    if kind == "string_too_long":
        return _("At most %(limit)s characters.", limit=ctx.get("max_length"))
    if kind == "string_type":
        return _("Must be text.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Must be a whole number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("At least %(min)s.", min=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("At most %(max)s.", max=ctx.get("le", ctx.get("lt")))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("Must be an object.")
    if kind == "list_type":
        return _("Must be a list.")
    if kind == "too_short":
        return _("At least %(min)s items.", min=ctx.get("min_length"))
    if kind == "too_long":
        return _("At most %(max)s items.", max=ctx.get("max_length"))
    if kind in ("literal_error", "enum"):
        return _("One of: %(choices)s.", choices=ctx.get("expected", ""))
    if kind == "bool_type":
        return _("Must be true or false.")
    if kind == "value_error":
        return str(ctx.get("error") or error["msg"])
    return str(error["msg"])  # our own PydanticCustomError messages, translated when raised


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first problem of each field, by path."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        fields.setdefault(field_path(error["loc"]) or "body", _message(error))
    return fields


class FieldsRejected(DomainError):
    """The body broke the contract: `details["fields"]` names each field. Nothing was changed."""

    def __init__(self, fields: dict[str, str], message=None):
        super().__init__(message or _l("The data was not accepted: see the fields."), fields=fields)


def validate(model: type[BaseModel], data: Any, *, more: Callable[[Any], dict[str, str]] | None = None,
             message=None) -> BaseModel:
    """`data` checked against `model`, or FieldsRejected with every field's problem. `more(data)` adds the
    domain's own findings (unknown SKU, wrong CPF) so one answer lists everything."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = {}
        if more is not None:
            fields.update(more(data))
        for name, text in field_errors(exc).items():
            fields.setdefault(name, text)
        raise FieldsRejected(fields, message) from None


# ------------------------------------------------------------------------------------------------ operations

@dataclass
class Operation:
    method: str
    path: str  # OpenAPI form, relative to /api/v1: "/orders/{order_id}"
    endpoint: str
    scope: Scope | None
    summary: str
    description: str = ""
    body: type[BaseModel] | None = None
    body_required: bool = True
    answers: dict[int, tuple[type[BaseModel] | None, str]] = field(default_factory=dict)
    parameters: list[dict] = field(default_factory=list)
    headers: dict[int, dict] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def _flask_rule(path: str, parameters: list[dict]) -> str:
    rule = path
    for parameter in parameters:
        if parameter["in"] == "path":
            kind = "int:" if parameter["schema"].get("type") == "integer" else ""
            rule = rule.replace("{" + parameter["name"] + "}", f"<{kind}{parameter['name']}>")
    return rule


def require_scope(scope: Scope | None) -> None:
    token = g.get("api_token")
    if scope is not None and (token is None or scope.value not in token.scope_list):
        raise Forbidden(_l("This token may not use %(scope)s: ask an admin for a token with that scope.",
                           scope=scope.value))


def read_json(required: bool) -> Any:
    """The request's JSON object; None when no body is sent and none is required; else a 400."""
    if not required and not request.get_data():
        return None
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        error = DomainError(_l("The body must be a JSON object (Content-Type: application/json)."))
        error.status = 400
        raise error
    return data


def operation(method: str, path: str, *, scope: Scope | None, summary: str, description: str = "",
              body: type[BaseModel] | None = None, body_required: bool = True,
              more_fields: Callable[[Any], dict[str, str]] | None = None, rejected=None,
              answers: dict[int, tuple[type[BaseModel] | None, str]], parameters: list[dict] | None = None,
              headers: dict[int, dict] | None = None):
    """Declare and route one API endpoint on `wms.api.bp`. The view gets the path parameters and, when the
    operation has a body model, `body`: the validated model (None when an optional body was not sent)."""
    from . import bp

    parameters = parameters or []

    def decorate(view):
        op = Operation(method.lower(), path, view.__name__, scope, summary, description, body, body_required,
                       answers, parameters, headers or {})
        OPERATIONS.append(op)

        @wraps(view)
        def wrapped(**kwargs):
            require_scope(scope)
            if body is not None:
                data = read_json(body_required)
                kwargs["body"] = None if data is None else validate(body, data, more=more_fields,
                                                                    message=rejected)
            return view(**kwargs)

        bp.add_url_rule(_flask_rule(path, parameters), endpoint=view.__name__, view_func=wrapped,
                        methods=[method.upper()])
        return wrapped

    return decorate


def path_id(name: str, description: str) -> dict:
    from ..numbers import MAX_ID

    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}


def scope_of(endpoint: str) -> Scope | None:
    for op in OPERATIONS:
        if op.endpoint == endpoint:
            return op.scope
    return None
