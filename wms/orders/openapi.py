"""The order API's contract: Pydantic models that validate the requests (`wms.orders.api`) and describe them
in /api/v1/openapi.json. `ORDER_IN` / `ORDER_OUT` are their JSON Schemas, for the store's developers' tests."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..api.contract import Answer, Model, Text, Whole
from ..api.types import IsoDate, OptionalText

STATUSES = Literal["awaiting_payment", "released", "allocated", "partially_allocated", "backordered", "picking",
                   "picked", "packed", "shipped", "cancelled"]


class CustomerIn(Model):
    name: Text(120)
    document: OptionalText(20, "CPF or CNPJ, with or without punctuation.") = None
    email: OptionalText(200, "An e-mail address, for the shipping notice.") = None
    phone: OptionalText(30, "With area code: 10 to 13 digits.") = None
    min_shelf_life_days: Whole(0, 3650, description="The customer's minimum remaining shelf life.") = 0


class AddressIn(Model):
    street: Text(200)
    number: OptionalText(20) = None
    complement: OptionalText(100) = None
    district: OptionalText(100) = None
    city: Text(100)
    state: Text(2, description="The state's two letters (UF), e.g. SP.", examples=["SP"])
    cep: Text(10, description="8 digits, punctuation optional.", examples=["01310-100"])


class OrderLineIn(Model):
    sku: Text(40)
    quantity: Whole(1, 100_000)
    unit_price_cents: Whole(0, 100_000_000_00, description="Declared value per unit, in cents of BRL.")


class OrderIn(Model):
    channel: Text(20, description="A sales channel's code (the desk's Channels page), e.g. site.",
                  examples=["site"])
    channel_order_id: Text(64, description="The channel's id: the same id twice is one order.")
    customer: CustomerIn
    ship_to: AddressIn
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    payment_status: Literal["pending", "authorized", "paid"] = Field(
        description="pending: the order waits for /release; otherwise it is allocated now.")
    service_level: OptionalText(40) = None
    carrier: OptionalText(40, "A carrier or a service level is required.") = None
    promised_ship_date: IsoDate | None = None
    priority: Whole(0, 9) = 0


class ReleaseIn(Model):
    note: OptionalText(200) = None


class CancelIn(Model):
    reason: OptionalText(200) = None


class CustomerOut(Answer):
    name: str
    document: str | None = None
    email: str | None = None
    phone: str | None = None
    min_shelf_life_days: int


class AddressOut(Answer):
    street: str
    number: str | None = None
    complement: str | None = None
    district: str | None = None
    city: str
    state: str
    cep: str


class OrderLineOut(Answer):
    line_no: int
    sku: str
    quantity: int
    unit_price_cents: int
    allocated: int = Field(description="Units reserved, not picked yet.")
    picked: int
    backordered: int = Field(description="Units neither reserved nor picked.")


class ReturnedOut(Answer):
    sku: str
    quantity: int
    to: str


class ShipmentOut(Answer):
    tracking_code: str | None
    carrier: str
    service: str
    tracking_url: str | None
    status: str
    boxes: int
    tracking_codes: list[str]
    shipped_at: str | None = Field(json_schema_extra={"format": "date-time"})


class OrderOut(Answer):
    id: int
    channel: str
    channel_order_id: str
    status: STATUSES
    payment_status: str
    on_hold: bool
    priority: int
    customer: CustomerOut
    ship_to: AddressOut
    service_level: str | None
    carrier: str | None
    promised_ship_date: IsoDate | None
    tracking_code: str | None
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut] = Field(default_factory=list, description="Boxes and tracking codes once packed.")
    returned: list[ReturnedOut] | None = Field(None, description="Cancel only: where picked units were put back.")
    created_at: str | None = Field(json_schema_extra={"format": "date-time"})


ORDER_IN = OrderIn.model_json_schema()
ORDER_OUT = OrderOut.model_json_schema(mode="serialization")
