"""PUT /api/v1/products/{sku}: the store's catalogue keeps ours in step (scope `products`). Creates the product
(201) or updates it (200); GTINs and case GTINs are added when missing (a code of another product is refused)."""
from __future__ import annotations

import re
from typing import Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select

from .. import gs1
from ..auth.models import Scope
from ..catalog import services as catalog
from ..catalog.models import BarcodeKind, Category, ProductBarcode
from ..errors import DomainError
from ..extensions import db
from . import answer
from .contract import Answer, FieldsRejected, Model, Text, Whole, operation
from .types import OptionalText

GTIN = r"^[0-9]{8,14}$"
CATEGORIES = Literal[tuple(c.value for c in Category)]  # type: ignore[valid-type]


class CaseGtinIn(Model):
    gtin: str = Field(pattern=GTIN)
    units: Whole(1, 100_000, description="Units in the case.")


class ProductIn(Model):
    name: Text(200)
    category: CATEGORIES = "other"
    unit: OptionalText(10, "un, cx, kg...") = None
    gtins: list[str] = Field(default_factory=list, max_length=20, description="The unit's GTINs (EAN-13...).")
    case_gtins: list[CaseGtinIn] = Field(default_factory=list, max_length=20)
    lot_tracked: bool = False
    expiry_tracked: bool = Field(False, description="Tracked by expiry (implies lot_tracked).")
    min_shelf_life_days: Whole(0, 3650) = 0
    anvisa_registration: OptionalText(13, "Anvisa registration number (13 digits), for regulated products.") = None
    weight_g: Whole(0, 10_000_000) | None = None
    length_mm: Whole(0, 100_000) | None = None
    width_mm: Whole(0, 100_000) | None = None
    height_mm: Whole(0, 100_000) | None = None
    active: bool = True


class CaseGtinOut(Answer):
    gtin: str
    units: int


class ProductOut(Answer):
    sku: str
    name: str
    category: str
    unit: str
    gtins: list[str]
    case_gtins: list[CaseGtinOut]
    lot_tracked: bool
    expiry_tracked: bool
    min_shelf_life_days: int
    anvisa_registration: str | None
    weight_g: int | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    active: bool


def as_json(product) -> dict:
    return {"sku": product.sku, "name": product.name, "category": product.category, "unit": product.unit,
            "gtins": [b.code for b in product.barcodes if b.kind == BarcodeKind.GTIN],
            "case_gtins": [{"gtin": b.code, "units": b.units} for b in product.barcodes
                           if b.kind == BarcodeKind.CASE_GTIN],
            "lot_tracked": product.lot_tracked, "expiry_tracked": product.expiry_tracked,
            "min_shelf_life_days": product.min_shelf_life_days, "anvisa_registration": product.anvisa_registration,
            "weight_g": product.weight_g, "length_mm": product.length_mm, "width_mm": product.width_mm,
            "height_mm": product.height_mm, "active": product.active}


def _new_barcodes(product_id: int | None, body: ProductIn) -> list[tuple[str, str, int]]:
    """The codes to add, each checked; field errors name the code's place in the body."""
    wanted = [(f"gtins[{i}]", code, BarcodeKind.GTIN.value, 1) for i, code in enumerate(body.gtins)]
    wanted += [(f"case_gtins[{i}].gtin", case.gtin, BarcodeKind.CASE_GTIN.value, case.units)
               for i, case in enumerate(body.case_gtins)]
    fields: dict[str, str] = {}
    adding: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for name, code, kind, units in wanted:
        if not gs1.is_valid_gtin(code):
            fields[name] = str(_l("Not a valid GTIN (8, 12, 13 or 14 digits with a right check digit)."))
            continue
        normalized = gs1.normalize_gtin(code)
        taken = db.session.scalar(select(ProductBarcode).where(ProductBarcode.code == normalized))
        if taken is not None and taken.product_id != product_id:
            fields[name] = str(_l("Barcode %(code)s already belongs to %(sku)s.", code=code, sku=taken.product.sku))
        elif taken is None and normalized not in seen:
            adding.append((normalized, kind, units))
        seen.add(normalized)
    if fields:
        raise FieldsRejected(fields)
    return adding


SKU_TEXT = re.compile(r"[A-Za-z0-9._-]{1,40}")
SKU = [{"name": "sku", "in": "path", "required": True, "description": "The product's SKU.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": r"^[A-Za-z0-9._-]+$"}}]


@operation("put", "/products/{sku}", scope=Scope.PRODUCTS, summary="Create or update a product",
           description="The store's catalogue keeps ours in step. Barcodes are only added, never removed here.",
           parameters=SKU, body=ProductIn,
           answers={200: (ProductOut, "Updated."), 201: (ProductOut, "Created.")})
def product_put(sku: str, body: ProductIn):
    if not SKU_TEXT.fullmatch(sku):
        raise FieldsRejected({"sku": str(_l("A SKU is 1 to 40 letters, digits, dots, dashes or underscores."))})
    values = body.model_dump(exclude={"gtins", "case_gtins", "active"})
    values["unit"] = values["unit"] or "un"
    product = catalog.by_sku(sku)
    try:
        if product is None:
            barcodes = _new_barcodes(None, body)
            product = catalog.create_product(sku=sku, barcodes=barcodes, **values)
            if not body.active:
                catalog.update_product(product.id, active=False)
            created = True
        else:
            barcodes = _new_barcodes(product.id, body)
            catalog.update_product(product.id, active=body.active, **values)
            for code, kind, units in barcodes:
                catalog.add_barcode(product.id, code, kind, units)
            created = False
    except FieldsRejected:
        raise
    except DomainError as exc:
        if exc.status == 422 and "fields" not in exc.details:
            raise FieldsRejected({"body": str(exc)}, exc.message) from None
        raise
    db.session.refresh(product)
    return answer(as_json(product), 201 if created else 200)
