"""OpenAPI 3.1 description of the order endpoints, merged by `wms.api.openapi` into /api/v1/openapi.json."""

_ERROR = {"$ref": "#/components/schemas/Error"}

_LINE_IN = {
    "type": "object", "required": ["sku", "quantity", "unit_price_cents"],
    "properties": {
        "sku": {"type": "string", "maxLength": 40},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 100000},
        "unit_price_cents": {"type": "integer", "minimum": 0, "description": "Declared value per unit, in cents of BRL."},
    },
}

ORDER_IN = {
    "type": "object",
    "required": ["channel", "channel_order_id", "customer", "ship_to", "lines", "payment_status"],
    "properties": {
        "channel": {"type": "string", "enum": ["site", "marketplace", "shop"]},
        "channel_order_id": {"type": "string", "maxLength": 64,
                             "description": "The channel's id: the same id twice is one order."},
        "customer": {
            "type": "object", "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 120},
                "document": {"type": "string", "description": "CPF or CNPJ, with or without punctuation."},
                "email": {"type": "string", "format": "email"},
                "phone": {"type": "string", "description": "With area code: 10 to 13 digits."},
                "min_shelf_life_days": {"type": "integer", "minimum": 0, "maximum": 3650,
                                        "description": "The customer's minimum remaining shelf life."},
            },
        },
        "ship_to": {
            "type": "object", "required": ["street", "city", "state", "cep"],
            "properties": {
                "street": {"type": "string"}, "number": {"type": "string"}, "complement": {"type": "string"},
                "district": {"type": "string"}, "city": {"type": "string"},
                "state": {"type": "string", "minLength": 2, "maxLength": 2, "example": "SP"},
                "cep": {"type": "string", "example": "01310-100", "description": "8 digits, punctuation optional."},
            },
        },
        "lines": {"type": "array", "minItems": 1, "maxItems": 500, "items": _LINE_IN},
        "service_level": {"type": "string", "maxLength": 40},
        "carrier": {"type": "string", "maxLength": 40,
                    "description": "A carrier or a service level is required."},
        "promised_ship_date": {"type": "string", "format": "date"},
        "payment_status": {"type": "string", "enum": ["pending", "authorized", "paid"],
                           "description": "pending: the order waits for /release; otherwise it is allocated now."},
        "priority": {"type": "integer", "minimum": 0, "maximum": 9, "default": 0},
    },
}

ORDER_OUT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "channel": {"type": "string"}, "channel_order_id": {"type": "string"},
        "status": {"type": "string", "enum": ["awaiting_payment", "released", "allocated", "partially_allocated",
                                              "backordered", "picking", "picked", "packed", "shipped",
                                              "cancelled"]},
        "payment_status": {"type": "string"}, "on_hold": {"type": "boolean"}, "priority": {"type": "integer"},
        "customer": {"type": "object"}, "ship_to": {"type": "object"},
        "service_level": {"type": ["string", "null"]}, "carrier": {"type": ["string", "null"]},
        "promised_ship_date": {"type": ["string", "null"], "format": "date"},
        "tracking_code": {"type": ["string", "null"]},
        "lines": {"type": "array", "items": {"type": "object", "properties": {
            "line_no": {"type": "integer"}, "sku": {"type": "string"}, "quantity": {"type": "integer"},
            "unit_price_cents": {"type": "integer"},
            "allocated": {"type": "integer", "description": "Units reserved, not picked yet."},
            "picked": {"type": "integer"},
            "backordered": {"type": "integer", "description": "Units neither reserved nor picked."}}}},
        "returned": {"type": "array", "description": "Cancel only: where picked units were put back.",
                     "items": {"type": "object", "properties": {
                         "sku": {"type": "string"}, "quantity": {"type": "integer"}, "to": {"type": "string"}}}},
        "created_at": {"type": "string", "format": "date-time"},
    },
}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ID = [{"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_COMMON = {"401": _json(_ERROR, "No valid token."), "404": _json(_ERROR, "No such order.")}

PATHS = {
    "/orders": {
        "post": {
            "tags": ["orders"], "summary": "Take an order from a channel",
            "description": "Idempotent on channel + channel_order_id: the same order again gets the same answer "
                           "(header Idempotent-Replayed: true) and is stored once; other contents under a used "
                           "id get 409. Bad payloads change nothing.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ORDER_IN}}},
            "responses": {
                "201": _json(ORDER_OUT, "Taken (or taken before)."),
                "400": _json(_ERROR, "The body is not a JSON object."),
                "401": _json(_ERROR, "No valid token."),
                "409": _json(_ERROR, "The channel order id is used by another order."),
                "422": _json(_ERROR, "Field errors, in `fields` (e.g. `lines[0].sku`: unknown SKU)."),
            },
        },
    },
    "/orders/{order_id}": {
        "get": {"tags": ["orders"], "summary": "Status, lines, allocation and tracking of an order",
                "parameters": _ID, "responses": {"200": _json(ORDER_OUT, "The order."), **_COMMON}},
    },
    "/orders/{order_id}/release": {
        "post": {"tags": ["orders"], "summary": "Payment confirmed: allocate the order",
                 "description": "Idempotent: an order released already is answered as it is.",
                 "parameters": _ID,
                 "requestBody": {"required": False, "content": {"application/json": {"schema": {
                     "type": "object", "properties": {"note": {"type": "string"}}}}}},
                 "responses": {"200": _json(ORDER_OUT, "Released and allocated."), **_COMMON,
                               "409": _json(_ERROR, "The order is cancelled.")}},
    },
    "/orders/{order_id}/cancel": {
        "post": {"tags": ["orders"], "summary": "Cancel: undo reservations and picks",
                 "description": "Reservations are released; units already picked go back by ledger moves from "
                                "the tote to the bin they came from when it still takes them, else to the "
                                "returns location. Idempotent.",
                 "parameters": _ID,
                 "requestBody": {"required": False, "content": {"application/json": {"schema": {
                     "type": "object", "properties": {"reason": {"type": "string"}}}}}},
                 "responses": {"200": _json(ORDER_OUT, "Cancelled."), **_COMMON,
                               "409": _json(_ERROR, "Packed or shipped already.")}},
    },
}
