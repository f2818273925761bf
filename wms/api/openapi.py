"""GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, generated from the operations declared with
`wms.api.contract.operation` and their Pydantic models (the same models that validate the requests).
"""
from __future__ import annotations

from functools import cache

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..auth.models import ALL_SCOPES
from .contract import OPERATIONS, ErrorOut, Operation, operation

REF = "#/components/schemas/{model}"
INFO = {"title": "Retaguarda WMS API", "version": "1",
        "description": "Orders, stock, products and advance ship notices for the warehouse. Every call needs "
                       "`Authorization: Bearer <token>` (`wms create-token NAME --scopes orders,stock`); a token "
                       "used outside its scopes gets 403 `{\"error\"}`. A body over 16 MB gets 413."}

# 403 (a token without the operation's scope) and 413 (a body over 16 MB) are said in each operation's
# description and in `info`, not listed with each operation's answers.
COMMON_ANSWERS = {
    401: (ErrorOut, "No valid token."),
    422: (ErrorOut, "Field errors, in `fields` (by path, e.g. `lines[2].quantity`), or text with control "
                    "characters. Nothing was changed."),
}
BODY_ANSWERS = {400: (ErrorOut, "The body is not a JSON object.")}
# Any request that writes may meet another changing the same rows (wms/__init__.py, `database_error`).
LOST_RACE = ("Another request changed the same thing at the same moment (a lock cycle, a lock waited for over "
             "30 s, or the same new record twice at once): nothing was changed; send it again.")


def _answers(op: Operation) -> dict[int, tuple[type[BaseModel] | None, str]]:
    answers = dict(COMMON_ANSWERS)
    if op.body is not None:
        answers.update(BODY_ANSWERS)
    if any(p["in"] == "path" for p in op.parameters):
        answers[404] = (ErrorOut, "Not found.")
    answers.update(op.answers)
    if op.method in ("post", "put", "patch", "delete"):
        own = op.answers.get(409)
        answers[409] = (ErrorOut, f"{own[1]} Or: {LOST_RACE[0].lower()}{LOST_RACE[1:]}" if own else LOST_RACE)
    return dict(sorted(answers.items()))


def _models() -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for op in OPERATIONS:
        for model in [op.body, *(model for model, _text in _answers(op).values())]:
            if model is not None:
                seen.setdefault(model.__name__, model)
    return list(seen.values())


def _schemas() -> tuple[dict, dict]:
    """(schema of each model by (model, mode), the shared definitions)."""
    pairs = []
    for op in OPERATIONS:
        if op.body is not None:
            pairs.append((op.body, "validation"))
    pairs += [(model, "serialization") for model in _models()]
    unique = list(dict.fromkeys(pairs))
    by_key, top = models_json_schema(unique, ref_template=REF)
    return by_key, top.get("$defs", {})


def _resolve(schema: dict, defs: dict) -> dict:
    """A top-level schema inline (what a reader of one operation wants to see), its parts by reference."""
    if "$ref" in schema and len(schema) == 1:
        return dict(defs[schema["$ref"].rsplit("/", 1)[-1]])
    return schema


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _paths() -> tuple[dict, dict]:
    by_key, defs = _schemas()
    paths: dict = {}
    for op in OPERATIONS:
        entry: dict = {"operationId": op.endpoint, "tags": [op.scope.value] if op.scope else ["api"],
                       "summary": op.summary}
        needs = f"Needs a token with the `{op.scope.value}` scope (else 403)." if op.scope else "Any token."
        entry["description"] = f"{op.description} {needs}".strip()
        if op.scope is not None:
            entry["x-scope"] = op.scope.value
        if op.parameters:
            entry["parameters"] = op.parameters
        if op.body is not None:
            entry["requestBody"] = {"required": op.body_required, "content": {"application/json": {
                "schema": _resolve(by_key[(op.body, "validation")], defs)}}}
        responses = {}
        for status, (model, text) in _answers(op).items():
            if model is None:
                responses[str(status)] = {"description": text}
                continue
            responses[str(status)] = _json(by_key[(model, "serialization")], text)
            if status in op.headers:
                responses[str(status)]["headers"] = op.headers[status]
        entry["responses"] = responses
        paths.setdefault(op.path, {})[op.method] = entry
    return paths, defs


@cache
def document() -> dict:
    """The document (made once: operations are declared at import time, before the app serves)."""
    paths, schemas = _paths()
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Scopes: " + ", ".join(ALL_SCOPES)}},
            "schemas": dict(sorted(schemas.items())),
        },
    }


class WhoAmI(BaseModel):
    token: str


class AnyObject(BaseModel):
    """The OpenAPI 3.1 document itself."""

    openapi: str
    paths: dict


@operation("get", "/whoami", scope=None, summary="The token in use",
           answers={200: (WhoAmI, "The token.")})
def whoami():
    from flask import g

    return {"token": g.api_token.name}


@operation("get", "/openapi.json", scope=None, summary="This document",
           answers={200: (AnyObject, "The OpenAPI 3.1 document.")})
def openapi_json():
    return jsonify(document())
