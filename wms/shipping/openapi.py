"""OpenAPI 3.1 description of the shipping endpoints, merged by `wms.api.openapi` into /api/v1/openapi.json."""

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ID = [{"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_COMMON = {"401": _json(_ERROR, "No valid token."), "404": _json(_ERROR, "No such order."),
           "422": _json(_ERROR, "Field errors, in `fields`; nothing was stored.")}

LABEL_IN = {
    "type": "object", "required": ["format", "content"],
    "properties": {
        "format": {"type": "string", "enum": ["zpl", "zpl-zip", "pdf"]},
        "content": {"type": "string", "description": "zpl: the ZPL text (one `^XA`…`^XZ` label per box, in box "
                                                     "order); zpl-zip: base64 of a ZIP of .txt ZPL files (one per "
                                                     "box, by file name); pdf: base64 of the PDF. At most 2 MB."},
        "tracking_codes": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9-]{4,40}$"},
                           "description": "The marketplace's tracking code of each box, in order (optional)."},
    },
}

INVOICE_IN = {
    "type": "object", "required": ["access_key", "number", "series", "issued_at", "authorization_protocol",
                                   "issuer"],
    "properties": {
        "access_key": {"type": "string", "pattern": "^[0-9A-Z]{44}$",
                       "description": "The 44-character NF-e key; its check digit, series, number and CNPJ are "
                                      "checked."},
        "number": {"type": "string", "pattern": "^[0-9]{1,9}$"},
        "series": {"type": "string", "pattern": "^[0-9]{1,3}$"},
        "issued_at": {"type": "string", "format": "date-time"},
        "authorization_protocol": {"type": "string", "pattern": "^[0-9]{1,20}$"},
        "authorized_at": {"type": "string", "format": "date-time"},
        "operation": {"type": "integer", "enum": [0, 1], "default": 1, "description": "0 entry, 1 exit."},
        "issuer": {"type": "object", "required": ["name", "cnpj", "uf"], "properties": {
            "name": {"type": "string", "maxLength": 120}, "cnpj": {"type": "string"},
            "ie": {"type": "string", "maxLength": 20}, "uf": {"type": "string", "example": "SP"}}},
        "recipient": {"type": "object", "description": "Defaults to the order's customer and state.",
                      "properties": {"name": {"type": "string", "maxLength": 120},
                                     "document": {"type": "string", "description": "CPF or CNPJ."},
                                     "ie": {"type": "string", "maxLength": 20}, "uf": {"type": "string"}}},
    },
}

QUOTE_IN = {
    "type": "object", "required": ["destination_cep"],
    "description": "Give `items` (the boxes are chosen as at packing) or `packages`, not both.",
    "properties": {
        "destination_cep": {"type": "string", "example": "01310100"},
        "items": {"type": "array", "maxItems": 200, "items": {"type": "object", "required": ["sku", "quantity"],
                                                              "properties": {"sku": {"type": "string"},
                                                                             "quantity": {"type": "integer",
                                                                                          "minimum": 1}}}},
        "packages": {"type": "array", "maxItems": 200, "items": {
            "type": "object", "required": ["weight_g", "length_cm", "width_cm", "height_cm"],
            "properties": {k: {"type": "integer", "minimum": 1} for k in ("weight_g", "length_cm", "width_cm",
                                                                          "height_cm")}}},
        "declared_value_cents": {"type": "integer", "minimum": 0},
    },
}

QUOTES_OUT = {
    "type": "object",
    "properties": {
        "destination_cep": {"type": "string"}, "packages": {"type": "integer"},
        "quotes": {"type": "array", "description": "Cheapest first.", "items": {"type": "object", "properties": {
            "carrier": {"type": "string"}, "service": {"type": "string"}, "service_name": {"type": "string"},
            "price_cents": {"type": "integer"}, "days": {"type": "integer"}}}},
    },
}

SHIPMENT = {
    "type": "object", "properties": {
        "tracking_code": {"type": ["string", "null"]}, "carrier": {"type": "string"}, "service": {"type": "string"},
        "tracking_url": {"type": ["string", "null"]}, "status": {"type": "string"},
        "boxes": {"type": "integer"}, "tracking_codes": {"type": "array", "items": {"type": "string"}},
        "shipped_at": {"type": ["string", "null"], "format": "date-time"}},
}

TRACKING_EVENT_IN = {
    "type": "object", "required": ["tracking_code", "code", "occurred_at"],
    "properties": {
        "tracking_code": {"type": "string", "pattern": "^[A-Za-z0-9-]{4,40}$",
                          "description": "The box's own tracking code (each box of a shipment has one)."},
        "code": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,20}$",
                 "description": "Correios `codigo` (PO posted; RO, DO in transit; OEC out for delivery; LDI "
                                "awaiting pickup at a unit; BDE, BDI, BDR delivered with type 01, else a failed "
                                "attempt) or a private carrier's generic code: POSTED, IN_TRANSIT, "
                                "OUT_FOR_DELIVERY, AWAITING_PICKUP, DELIVERED, FAILED_ATTEMPT, RETURNED. Other "
                                "codes are kept as history and change no status."},
        "type": {"type": "string", "pattern": "^[A-Za-z0-9]{0,4}$", "example": "01",
                 "description": "Correios `tipo` (\"1\" is read as \"01\"); required for BDE, BDI, BDR."},
        "occurred_at": {"type": "string", "format": "date-time", "example": "2026-12-03T14:05:00-03:00",
                        "description": "When it happened, with its UTC offset."},
        "description": {"type": "string", "maxLength": 200},
        "location": {"type": "string", "maxLength": 120, "description": "The carrier's unit or city."},
    },
}

TRACKING_EVENT_OUT = {
    "type": "object", "properties": {
        "event": {"type": "object", "properties": {
            "id": {"type": "integer"}, "tracking_code": {"type": "string"}, "code": {"type": "string"},
            "type": {"type": "string"}, "occurred_at": {"type": "string", "format": "date-time"},
            "description": {"type": "string"}, "location": {"type": "string"},
            "status": {"type": ["string", "null"], "description": "What the code means; null: history only."}}},
        "shipment_status": {"type": "string", "enum": ["packed", "posted", "in_transit", "out_for_delivery",
                                                       "awaiting_pickup", "delivered", "failed_attempt",
                                                       "returned"]},
        "status_changed": {"type": "boolean"}},
}

TRACKING_BATCH_IN = {
    "type": "object", "required": ["events"],
    "properties": {"events": {"type": "array", "minItems": 1, "maxItems": 100, "items": TRACKING_EVENT_IN}},
}

TRACKING_BATCH_OUT = {
    "type": "object", "properties": {"results": {"type": "array", "items": {
        "type": "object", "properties": {
            "index": {"type": "integer"},
            "result": {"type": "string", "enum": ["created", "stored", "not_found"]},
            "error": {"type": "string"}, "event": {"type": "object"}, "shipment_status": {"type": "string"},
            "status_changed": {"type": "boolean"}}}}},
}

SCHEMAS = {"Shipment": SHIPMENT, "TrackingEvent": TRACKING_EVENT_IN}

PATHS = {
    "/orders/{order_id}/shipping-label": {
        "post": {"tags": ["shipping"], "summary": "The marketplace's own shipping label for the order",
                 "description": "Stored and printed at the packing station byte for byte instead of our label "
                                "(reprints use the stored bytes). Content that holds no `^XA`…`^XZ` label is "
                                "refused. A PDF is stored for download. A new label replaces the old one.",
                 "parameters": _ID,
                 "requestBody": {"required": True, "content": {"application/json": {"schema": LABEL_IN}}},
                 "responses": {"201": _json({"type": "object"}, "Stored."), **_COMMON,
                               "409": _json(_ERROR, "The order has shipped or is cancelled.")}},
    },
    "/orders/{order_id}/invoice": {
        "post": {"tags": ["shipping"], "summary": "The order's NF-e (printed on the label and the DANFE)",
                 "parameters": _ID,
                 "requestBody": {"required": True, "content": {"application/json": {"schema": INVOICE_IN}}},
                 "responses": {"201": _json({"type": "object"}, "Stored."), **_COMMON,
                               "409": _json(_ERROR, "The order has shipped or is cancelled.")}},
    },
    "/freight-quotes": {
        "post": {"tags": ["shipping"], "summary": "Freight quote for the store's checkout",
                 "description": "Each service with a table row for the CEP and every parcel's billed weight "
                                "(the larger of real and cubic weight); the ad valorem on the declared value.",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": QUOTE_IN}}},
                 "responses": {"200": _json(QUOTES_OUT, "Quotes, cheapest first (empty when none can go)."),
                               "401": _json(_ERROR, "No valid token."),
                               "422": _json(_ERROR, "Invalid CEP, unknown SKU...: see `fields`.")}},
    },
    "/tracking-events": {
        "post": {"tags": ["shipping"], "summary": "A carrier's tracking event for one box",
                 "description": "Stored once: the same tracking code, code, type and time again answers 200 with "
                                "the stored event. The shipment takes the status of its latest event by "
                                "`occurred_at` (an older event arriving late never moves it back); a shipment of "
                                "several boxes is delivered when every box is. A change of status writes "
                                "`shipment.tracking` to the outbox (webhooks; the customer is e-mailed on a failed "
                                "attempt, a return or a pickup at a unit). Several events at once: "
                                "`{\"events\": [...]}` (any invalid event: 422 and none is stored; an unknown "
                                "tracking code is reported in its result and the others are stored).",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "oneOf": [TRACKING_EVENT_IN, TRACKING_BATCH_IN]}}}},
                 "responses": {"201": _json({"oneOf": [TRACKING_EVENT_OUT, TRACKING_BATCH_OUT]},
                                            "Stored (a batch: at least one event was new)."),
                               "200": _json({"oneOf": [TRACKING_EVENT_OUT, TRACKING_BATCH_OUT]},
                                            "Stored before: nothing changed."),
                               "401": _json(_ERROR, "No valid token."),
                               "404": _json(_ERROR, "No box has this tracking code."),
                               "422": _json(_ERROR, "Field errors, in `fields`; nothing was stored.")}},
    },
}
