"""The ASN API's contract: Pydantic models that validate the requests (`wms.receiving.api`) and describe them in
/api/v1/openapi.json."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..api.contract import Answer, Model, Text, Whole
from ..api.types import IsoDate, OptionalText


class AsnLineIn(Model):
    """The product by `sku` or by `gtin` (any GTIN of it, a case GTIN included: the quantity is still in base
    units)."""

    sku: OptionalText(40) = None
    gtin: str | None = Field(None, pattern=r"^[0-9]{8,14}$")
    quantity: Whole(1, 1_000_000, description="Base units.")
    lot: OptionalText(20, "Only for products tracked by lot.") = None
    expires_on: IsoDate | None = Field(None, description="Needs `lot`.")
    sscc: str | None = Field(None, pattern=r"^[0-9]{18}$",
                             description="The pallet this line is on (GS1 SSCC with its check digit): one scan "
                                         "of the pallet label receives all its lines.")


class AsnIn(Model):
    supplier: Text(80, description="Name or CNPJ, as the supplier is known.")
    reference: Text(40, description="The supplier's reference (order, invoice): unique per supplier.")
    expected_on: IsoDate
    note: OptionalText(200) = None
    lines: list[AsnLineIn] = Field(min_length=1, max_length=500)


class AsnLineOut(Answer):
    line_no: int
    sku: str
    quantity: int
    lot: str | None
    expires_on: IsoDate | None
    sscc: str | None
    received: int = Field(description="Units taken in so far (damaged included).")


class ReceiptRef(Answer):
    id: int
    status: Literal["open", "closed"]


class AsnOut(Answer):
    id: int
    supplier: str
    reference: str
    expected_on: IsoDate
    status: Literal["expected", "receiving", "received", "cancelled"]
    source: Literal["desk", "csv", "api"]
    note: str | None
    lines: list[AsnLineOut]
    receipts: list[ReceiptRef]


class AsnConflict(Answer):
    error: str
    asn_id: int = Field(description="The ASN already sent under this reference.")
    fields: dict[str, str] | None = None


ASN_IN = AsnIn.model_json_schema()
ASN_OUT = AsnOut.model_json_schema(mode="serialization")
