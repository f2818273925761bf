"""OpenAPI 3.1 description of the ASN endpoints, merged by `wms.api.openapi` into /api/v1/openapi.json."""

_ERROR = {"$ref": "#/components/schemas/Error"}

_LINE_IN = {
    "type": "object", "required": ["quantity"],
    "description": "The product by `sku` or by `gtin` (any GTIN of it, a case GTIN included: the quantity is "
                   "still in base units).",
    "properties": {
        "sku": {"type": "string", "maxLength": 40},
        "gtin": {"type": "string", "pattern": "^[0-9]{8,14}$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 1000000, "description": "Base units."},
        "lot": {"type": "string", "maxLength": 20, "description": "Only for products tracked by lot."},
        "expires_on": {"type": "string", "format": "date", "description": "Needs `lot`."},
        "sscc": {"type": "string", "pattern": "^[0-9]{18}$",
                 "description": "The pallet this line is on (GS1 SSCC with its check digit): one scan of the "
                                "pallet label receives all its lines."},
    },
}

ASN_IN = {
    "type": "object", "required": ["supplier", "reference", "expected_on", "lines"],
    "properties": {
        "supplier": {"type": "string", "maxLength": 80, "description": "Name or CNPJ, as the supplier is known."},
        "reference": {"type": "string", "maxLength": 40,
                      "description": "The supplier's reference (order, invoice): unique per supplier."},
        "expected_on": {"type": "string", "format": "date"},
        "note": {"type": "string", "maxLength": 200},
        "lines": {"type": "array", "minItems": 1, "maxItems": 500, "items": _LINE_IN},
    },
}

ASN_OUT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "supplier": {"type": "string"}, "reference": {"type": "string"},
        "expected_on": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["expected", "receiving", "received", "cancelled"]},
        "source": {"type": "string", "enum": ["desk", "csv", "api"]},
        "note": {"type": ["string", "null"]},
        "lines": {"type": "array", "items": {"type": "object", "properties": {
            "line_no": {"type": "integer"}, "sku": {"type": "string"}, "quantity": {"type": "integer"},
            "lot": {"type": ["string", "null"]}, "expires_on": {"type": ["string", "null"], "format": "date"},
            "sscc": {"type": ["string", "null"]},
            "received": {"type": "integer", "description": "Units taken in so far (damaged included)."}}}},
        "receipts": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "status": {"type": "string", "enum": ["open", "closed"]}}}},
    },
}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PATHS = {
    "/asns": {
        "post": {
            "tags": ["receiving"], "summary": "Announce a delivery (advance ship notice)",
            "description": "Idempotent on supplier + reference: the same ASN again gets the same answer (header "
                           "Idempotent-Replayed: true) and is stored once; other contents under a used reference "
                           "get 409. Bad payloads change nothing. When the receipt closes, the ERP gets a "
                           "`receipt.closed` event.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ASN_IN}}},
            "responses": {
                "201": _json(ASN_OUT, "Announced (or announced before)."),
                "400": _json(_ERROR, "The body is not a JSON object."),
                "401": _json(_ERROR, "No valid token."),
                "409": _json(_ERROR, "The supplier used this reference for other contents (`asn_id` names it)."),
                "422": _json(_ERROR, "Field errors, in `fields` (e.g. `lines[0].sku`: unknown product)."),
            },
        },
    },
    "/asns/{asn_id}": {
        "get": {"tags": ["receiving"], "summary": "An ASN with what was received of each line",
                "parameters": [{"name": "asn_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _json(ASN_OUT, "The ASN."), "401": _json(_ERROR, "No valid token."),
                              "404": _json(_ERROR, "No such ASN.")}},
    },
}
