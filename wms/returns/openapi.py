"""The returns API's contract: Pydantic models that validate the requests (`wms.returns.api`) and describe them in
/api/v1/openapi.json. The shape is checked here; the order, the SKUs shipped on it and the reasons by the service."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..api.contract import Answer, Model, Text, Whole
from ..api.types import IsoDate, OptionalText
from ..numbers import MAX_ID


class ReturnLineIn(Model):
    sku: Text(40)
    quantity: Whole(1, 100_000)
    reason: Text(30, description="A reason code kept on the desk (e.g. regret, damaged).")


class ReturnIn(Model):
    """Name the order by `order_id`, or by `channel` and `channel_order_id`."""

    order_id: Whole(1, MAX_ID) | None = None
    channel: OptionalText(20) = None
    channel_order_id: OptionalText(64) = None
    reverse_code: OptionalText(40, "The carrier's reverse-logistics authorisation. The same order and code again "
                                   "answers the return stored before.") = None
    delivered_on: IsoDate | None = None
    requested_on: IsoDate | None = Field(None, description="Today when omitted.")
    note: OptionalText(200) = None
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=200)


class ReturnLineOut(Answer):
    line_no: int
    sku: str
    quantity: int
    reason: str


class ReturnOut(Answer):
    id: int
    order_id: int
    status: Literal["expected", "receiving", "received", "cancelled"]
    reverse_code: str | None
    delivered_on: IsoDate | None
    requested_on: IsoDate
    within_window: bool | None = Field(description="Inside the 7-day withdrawal window (CDC art. 49); null when "
                                                   "the delivery date is unknown. Shown, not enforced.")
    lines: list[ReturnLineOut]
    outcome: dict | None = Field(description="Per line: received quantity, condition and disposition (as in the "
                                             "`return.received` event).")


RETURN_IN = ReturnIn.model_json_schema()
RETURN_OUT = ReturnOut.model_json_schema(mode="serialization")
