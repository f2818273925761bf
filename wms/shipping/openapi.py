"""The shipping API's contract: Pydantic models that validate the requests (`wms.shipping.api`) and describe them
in /api/v1/openapi.json. The models check shape, types and sizes; the services check the rest (the NF-e key's
check digit, a label that holds no `^XA`…`^XZ`, an unknown SKU or tracking code) and name the field."""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Discriminator, Field, RootModel, Tag

from ..api.contract import Answer, Model, Text, Whole
from ..api.types import OptionalText
from . import rules

MAX_ITEMS = 200
MAX_EVENTS = 100
_LABEL_TEXT = rules.MAX_LABEL_BYTES * 4 // 3 + 4  # base64 of the largest label

# ------------------------------------------------------------------------------------------- marketplace label


class LabelIn(Model):
    format: Literal["zpl", "zpl-zip", "pdf"]
    content: str = Field(min_length=1, max_length=_LABEL_TEXT,
                         description="zpl: the ZPL text (one `^XA`…`^XZ` label per box, in box order), control "
                                     "characters as the marketplace gave them; zpl-zip: base64 of a ZIP of .txt "
                                     "ZPL files (one per box, by file name); pdf: base64 of the PDF. At most 2 MB.")
    tracking_codes: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{4,40}$")]] = Field(
        default_factory=list, max_length=MAX_ITEMS,
        description="The marketplace's tracking code of each box, in order (optional).")


class LabelOut(Answer):
    order_id: int
    format: Literal["zpl", "pdf"]
    labels: int
    tracking_codes: list[str]


# ------------------------------------------------------------------------------------------- NF-e


class IssuerIn(Model):
    name: Text(120)
    cnpj: str = Field(max_length=20, description="14 digits, punctuation optional.")
    ie: OptionalText(20) = None
    uf: str = Field(max_length=2, examples=["SP"])


class RecipientIn(Model):
    """Each field defaults to the order's customer and state."""

    name: OptionalText(120) = None
    document: str | None = Field(None, max_length=20, description="CPF or CNPJ.")
    ie: OptionalText(20) = None
    uf: str | None = Field(None, max_length=2)


_STAMP = Annotated[str, Field(min_length=1, max_length=40, json_schema_extra={"format": "date-time"})]


class InvoiceIn(Model):
    access_key: str = Field(min_length=1, max_length=60,
                            description="The 44-digit NF-e key (spaces allowed); its check digit, series, number "
                                        "and CNPJ are checked.")
    number: str = Field(pattern=r"^[0-9]{1,9}$")
    series: str = Field(pattern=r"^[0-9]{1,3}$")
    issued_at: _STAMP
    authorization_protocol: str = Field(pattern=r"^[0-9]{1,20}$")
    authorized_at: _STAMP | None = None
    operation: Literal[0, 1] = Field(1, description="0 entry, 1 exit.")
    issuer: IssuerIn
    recipient: RecipientIn | None = None


class InvoiceOut(Answer):
    order_id: int
    access_key: str
    number: str
    series: str
    issued_at: str = Field(json_schema_extra={"format": "date-time"})
    authorization_protocol: str


# ------------------------------------------------------------------------------------------- freight quotes


class QuoteItemIn(Model):
    sku: Text(40)
    quantity: Whole(1, 1000)


class QuotePackageIn(Model):
    weight_g: Whole(1, 1_000_000)
    length_cm: Whole(1, 500)
    width_cm: Whole(1, 500)
    height_cm: Whole(1, 500)


class QuoteIn(Model):
    """Give `items` (the boxes are chosen as at packing) or `packages`, not both."""

    destination_cep: Text(10, description="8 digits, punctuation optional.", examples=["01310100"])
    items: list[QuoteItemIn] | None = Field(None, min_length=1, max_length=MAX_ITEMS)
    packages: list[QuotePackageIn] | None = Field(None, min_length=1, max_length=MAX_ITEMS)
    declared_value_cents: Whole(0, 10**10) = 0


class QuoteOut(Answer):
    carrier: str
    service: str
    service_name: str
    price_cents: int
    days: int


class QuotesOut(Answer):
    destination_cep: str
    packages: int
    quotes: list[QuoteOut] = Field(description="Cheapest first.")


# ------------------------------------------------------------------------------------------- tracking events


def _text_or_number(value) -> str:
    return "<number>" if isinstance(value, int) else "<text>"


# Correios sends its `tipo` as text ("01") or as a number (1); the tags keep the field's errors named `type`
EventType = Annotated[Union[Annotated[Annotated[str, Field(pattern=r"^[A-Za-z0-9]{0,4}$")], Tag("<text>")],  # noqa: UP007
                            Annotated[Annotated[int, Field(ge=0, le=99)], Tag("<number>")]],
                      Discriminator(_text_or_number)]


class TrackingEventIn(Model):
    tracking_code: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$",
                               description="The box's own tracking code (each box of a shipment has one).")
    code: str = Field(pattern=r"^[A-Za-z0-9_]{1,20}$",
                      description="Correios `codigo` (PO posted; RO, DO in transit; OEC out for delivery; LDI "
                                  "awaiting pickup at a unit; BDE, BDI, BDR delivered with type 01, else a failed "
                                  "attempt) or a private carrier's generic code: POSTED, IN_TRANSIT, "
                                  "OUT_FOR_DELIVERY, AWAITING_PICKUP, DELIVERED, FAILED_ATTEMPT, RETURNED. Other "
                                  "codes are kept as history and change no status.")
    type: EventType | None = Field(
        None, examples=["01"], description="Correios `tipo` (\"1\" or 1 is read as \"01\"); required for BDE, BDI, "
                                           "BDR.")
    occurred_at: _STAMP = Field(description="When it happened, with its UTC offset, e.g. "
                                            "2026-12-03T14:05:00-03:00.")
    description: OptionalText(200) = None
    location: OptionalText(120, "The carrier's unit or city.") = None


class TrackingBatchIn(Model):
    events: list[TrackingEventIn] = Field(min_length=1, max_length=MAX_EVENTS)


def _any_of(schema: dict) -> None:
    # an object with `events` and an event's fields is read as a batch: either shape is valid, not exactly one
    schema["anyOf"] = schema.pop("oneOf")


def _event_or_batch(data) -> str:
    return "<batch>" if isinstance(data, dict) and "events" in data else "<event>"


class TrackingEventsIn(RootModel):
    """One event, or several as `{"events": [...]}`."""

    root: Annotated[Union[Annotated[TrackingEventIn, Tag("<event>")],  # noqa: UP007
                          Annotated[TrackingBatchIn, Tag("<batch>")]], Discriminator(_event_or_batch)]

    model_config = {"strict": True, "json_schema_extra": _any_of}


STATUSES = Literal["packed", "posted", "in_transit", "out_for_delivery", "awaiting_pickup", "delivered",
                   "failed_attempt", "returned"]


class TrackingEventOut(Answer):
    id: int
    tracking_code: str
    code: str
    type: str
    occurred_at: str = Field(json_schema_extra={"format": "date-time"})
    description: str
    location: str
    status: str | None = Field(description="What the code means; null: history only.")


class TrackingRecordedOut(Answer):
    event: TrackingEventOut
    shipment_status: STATUSES
    status_changed: bool


class TrackingResultOut(Answer):
    index: int
    result: Literal["created", "stored", "not_found"]
    error: str | None = None
    event: TrackingEventOut | None = None
    shipment_status: STATUSES | None = None
    status_changed: bool | None = None


class TrackingBatchOut(Answer):
    results: list[TrackingResultOut]


class TrackingAnswer(RootModel):
    root: TrackingRecordedOut | TrackingBatchOut
