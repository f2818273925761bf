"""GET /api/v1/openapi.json: the API's OpenAPI document, put together from every area that describes its
endpoints in `wms/<area>/openapi.py` as `PATHS = {...}` (paths relative to /api/v1), and optionally
`SCHEMAS = {...}` (shared under #/components/schemas; `Error` is defined here)."""
import importlib
import importlib.util

from flask import jsonify

from ..models import AREAS
from . import bp

INFO = {"title": "Retaguarda WMS API", "version": "1",
        "description": "Orders and advance ship notices for the warehouse. Every call needs "
                       "`Authorization: Bearer <token>` (`wms create-token NAME`)."}


ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"},
    "fields": {"type": "object", "additionalProperties": {"type": "string"},
               "description": "Field errors, by path (e.g. `ship_to.cep`, `lines[2].quantity`)."}}}


def _area_modules():
    for area in AREAS:
        name = f"wms.{area}.openapi"
        if importlib.util.find_spec(f"wms.{area}") and importlib.util.find_spec(name):
            yield importlib.import_module(name)


def area_paths() -> dict:
    paths: dict = {}
    for module in _area_modules():
        paths.update(getattr(module, "PATHS", {}))
    return dict(sorted(paths.items()))


def area_schemas() -> dict:
    schemas: dict = {}
    for module in _area_modules():
        schemas.update(getattr(module, "SCHEMAS", {}))
    schemas["Error"] = ERROR
    return dict(sorted(schemas.items()))


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": area_paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": area_schemas(),
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
