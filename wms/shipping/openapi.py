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

SCHEMAS = {"Shipment": SHIPMENT}

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
}
