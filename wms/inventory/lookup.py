"""What did the worker scan? `identify(raw)` turns any scan into warehouse things: a location, a product
(by any barcode, with lot and expiry from a GS1 code), an LPN, an SSCC, or a user badge."""
import functools
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from ..auth.models import User
from ..catalog import services as catalog
from ..catalog.models import Lot, Product
from ..errors import DomainError
from ..extensions import db
from ..locations.models import Location
from ..scanning import Scan, ScanError, parse_scan
from .models import Lpn


class UnknownScan(DomainError):
    pass


class AnvisaMismatch(DomainError):
    """The barcode's (713) Anvisa registration is not the product's. `found` is what the scan named, so a
    caller that takes suspect goods into quarantine (receiving) can still use it."""

    def __init__(self, message, found: "Identified"):
        super().__init__(message)
        self.found = found


@dataclass
class Identified:
    kind: str  # location, product, lpn, sscc, badge
    scan: Scan
    location: Location | None = None
    product: Product | None = None
    lot: Lot | None = None  # the known lot named by the scan, if any
    lot_code: str | None = None  # the lot the scan names (may be new, e.g. at receiving)
    expires_on: date | None = None
    units: int = 1  # a case GTIN stands for several units
    lpn: Lpn | None = None
    sscc: str | None = None
    user: User | None = None
    serial: str | None = None
    anvisa_registration: str | None = None
    count: int | None = None

    @property
    def quantity(self) -> int:
        """Units this one scan stands for: a case, or a GS1 count (37) of units or cases."""
        return (self.count or 1) * self.units


def gs_substitutes() -> str:
    return current_app.config.get("WMS_GS_SUBSTITUTE", "|") if has_app_context() else "|"


def read(raw: str) -> Scan:
    from ..clock import today

    try:
        return parse_scan(raw, gs_substitutes=gs_substitutes(), today=today())
    except ScanError as exc:
        raise DomainError(exc.message) from None


def _product_scan(scan: Scan, code: str, barcode=None) -> Identified:
    lot = None
    if barcode is None:
        barcode, lot = catalog.barcode_and_lot(code, scan.lot)
    elif scan.lot:
        lot = catalog.find_lot(barcode.product_id, scan.lot)
    if barcode is None:
        raise UnknownScan(_l("Barcode %(code)s is not in the catalogue: check the product or call your "
                             "supervisor.", code=code))
    product = barcode.product
    found = Identified(kind="product", scan=scan, product=product, units=barcode.units, lot_code=scan.lot,
                       expires_on=scan.expires_on, serial=scan.serial, count=scan.count,
                       anvisa_registration=scan.anvisa_registration)
    found.lot = lot
    if scan.anvisa_registration and product.anvisa_registration and \
            scan.anvisa_registration != product.anvisa_registration:
        raise AnvisaMismatch(_l("The barcode's Anvisa registration %(scanned)s is not %(sku)s's (%(known)s): "
                                "set the item aside and call your supervisor.", scanned=scan.anvisa_registration,
                                sku=product.sku, known=product.anvisa_registration), found)
    return found


@functools.cache
def _by_code_statement(model):
    """Every scan of every screen asks for a row by its code: the statement is built once per model."""
    column = model.badge if model is User else model.code
    return select(model).where(column == bindparam("code"))


def _by_code(model, code: str):
    """The row of `model` (Location, Lpn, User by badge) whose code is `code`."""
    return db.session.scalar(_by_code_statement(model), {"code": code})


def identify(raw: str) -> Identified:
    scan = read(raw)
    if scan.sscc:
        # A pallet label: (00) alone, or with the contents' (02) GTIN and (37) count. Its plate decides.
        lpn = _by_code(Lpn, scan.sscc)
        return Identified(kind="sscc", scan=scan, sscc=scan.sscc, lpn=lpn, count=scan.count,
                          lot_code=scan.lot, expires_on=scan.expires_on)
    if scan.kind in ("gs1", "gtin"):
        if not scan.gtin:
            raise UnknownScan(_l("This GS1 code names no product (no GTIN): scan the product's barcode."))
        return _product_scan(scan, scan.gtin)
    code = (scan.code or "").strip()
    upper = code.upper()
    location = _by_code(Location, upper)
    if location is not None and not location.is_virtual:
        return Identified(kind="location", scan=scan, location=location)
    lpn = _by_code(Lpn, upper)
    if lpn is not None:
        return Identified(kind="lpn", scan=scan, lpn=lpn)
    barcode = catalog.barcode_lookup(code)
    if barcode is not None:
        return _product_scan(scan, code, barcode)  # looked up once: an internal code scan is a hot path
    product = catalog.by_sku(code)
    if product is not None:
        return Identified(kind="product", scan=scan, product=product)
    user = _by_code(User, code)
    if user is not None:
        return Identified(kind="badge", scan=scan, user=user)
    raise UnknownScan(_l("%(code)s is not a known location, product, LPN or badge.", code=code[:40]))


def expect(found: Identified, *kinds: str) -> Identified:
    """Refuse a scan of the wrong kind with a message that says what was expected."""
    if found.kind in kinds:
        return found
    names = {"location": _l("a location"), "product": _l("a product"), "lpn": _l("an LPN"),
             "sscc": _l("a pallet SSCC"), "badge": _l("a badge")}
    wanted = " / ".join(str(names[k]) for k in kinds)
    raise DomainError(_l("That was %(got)s; scan %(wanted)s.", got=names[found.kind], wanted=wanted))
