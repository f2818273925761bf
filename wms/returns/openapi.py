"""OpenAPI 3.1 description of the returns endpoints, merged by `wms.api.openapi`."""

_ERROR = {"$ref": "#/components/schemas/Error"}

RETURN_IN = {
    "type": "object", "required": ["lines"],
    "description": "Name the order by `order_id`, or by `channel` and `channel_order_id`.",
    "properties": {
        "order_id": {"type": "integer"},
        "channel": {"type": "string"}, "channel_order_id": {"type": "string", "maxLength": 64},
        "reverse_code": {"type": "string", "maxLength": 40,
                         "description": "The carrier's reverse-logistics authorisation. The same order and code "
                                        "again answers the return stored before."},
        "delivered_on": {"type": "string", "format": "date"},
        "requested_on": {"type": "string", "format": "date", "description": "Today when omitted."},
        "note": {"type": "string", "maxLength": 200},
        "lines": {"type": "array", "minItems": 1, "maxItems": 200, "items": {
            "type": "object", "required": ["sku", "quantity", "reason"],
            "properties": {"sku": {"type": "string", "maxLength": 40},
                           "quantity": {"type": "integer", "minimum": 1, "maximum": 100000},
                           "reason": {"type": "string", "description": "A reason code kept on the desk."}}}},
    },
}

RETURN_OUT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "order_id": {"type": "integer"},
        "status": {"type": "string", "enum": ["expected", "receiving", "received", "cancelled"]},
        "reverse_code": {"type": ["string", "null"]},
        "delivered_on": {"type": ["string", "null"], "format": "date"},
        "requested_on": {"type": "string", "format": "date"},
        "within_window": {"type": ["boolean", "null"],
                          "description": "Inside the 7-day withdrawal window (CDC art. 49); null when the "
                                         "delivery date is unknown. Shown, not enforced."},
        "lines": {"type": "array", "items": {"type": "object"}},
        "outcome": {"type": ["object", "null"],
                    "description": "Per line: received quantity, condition and disposition (as in the "
                                   "`return.received` event)."},
    },
}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PATHS = {
    "/returns": {"post": {
        "tags": ["returns"], "summary": "Authorise a return of a shipped order",
        "requestBody": {"required": True, "content": {"application/json": {"schema": RETURN_IN}}},
        "responses": {"201": _json(RETURN_OUT, "Authorised (or authorised before)."),
                      "400": _json(_ERROR, "The body is not a JSON object."),
                      "401": _json(_ERROR, "No valid token."),
                      "422": _json(_ERROR, "Field errors, in `fields` (e.g. `lines[0].sku`: not shipped).")}}},
    "/returns/{rma_id}": {"get": {
        "tags": ["returns"], "summary": "A return and, once units arrived, what came back",
        "parameters": [{"name": "rma_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json(RETURN_OUT, "The return."), "401": _json(_ERROR, "No valid token."),
                      "404": _json(_ERROR, "No such return.")}}},
}
