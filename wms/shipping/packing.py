"""The packing station: find a picked order by its tote (or its number), show what is left to pack and the boxes
proposed, and scan every unit into a box (each scan a ledger move from the tote to the box's LPN at the
station). Closing, weighing, labelling and unpacking a box are in boxes.py."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock, idempotency, uow
from ..catalog.models import Lot, Product
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import lookup
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..locations import services as locations
from ..locations.models import Location, LocationKind
from ..orders.models import Order, OrderStatus
from ..picking.models import WaveOrder
from . import carriers, documents, rules
from .models import BoxType, Package, PackageStatus, PackedUnit, Shipment

BOX_PREFIX = "BOX"


def document(order: Order) -> str:
    return f"ORDER-{order.id}"


# --------------------------------------------------------------------------------------------- finding the order


def lock_order(order_id: int) -> Order:
    order = db.session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                              .execution_options(populate_existing=True))
    if order is None:
        raise NotFound(_l("Order not found."))
    return order


def order_totes(order_id: int) -> list[Lpn]:
    """The totes the order was picked into that still belong to it (a tote bound to a later order is not)."""
    found = []
    for wave_order in db.session.scalars(select(WaveOrder).where(WaveOrder.order_id == order_id,
                                                                  WaveOrder.tote_lpn_id.is_not(None))
                                         .order_by(WaveOrder.id)):
        latest = db.session.scalar(select(func.max(WaveOrder.id)).where(
            WaveOrder.tote_lpn_id == wave_order.tote_lpn_id))
        if latest == wave_order.id and wave_order.tote not in found:
            found.append(wave_order.tote)
    return found


def tote_items(order_id: int, *, lock: bool = False) -> list[StockItem]:
    """What is in the order's totes, with the products and lots the station names (read alongside, one statement
    each, not one per item); locked for a scan that moves them."""
    ids = [t.id for t in order_totes(order_id)]
    if not ids:
        return []
    criteria = (StockItem.lpn_id.in_(ids), StockItem.quantity > 0)
    options = (selectinload(StockItem.product), selectinload(StockItem.lot))
    if lock:  # the rows as they are now, locked
        return inventory.lock_items_where(*criteria, options=options)
    return list(db.session.scalars(select(StockItem).where(*criteria).order_by(StockItem.id).options(*options)))


def _order_by_tote(lpn: Lpn) -> Order | None:
    wave_order = db.session.scalar(select(WaveOrder).where(WaveOrder.tote_lpn_id == lpn.id)
                                   .order_by(WaveOrder.id.desc()).limit(1))
    return wave_order.order if wave_order else None


def find_order(raw: str) -> Order:
    """The order a scan names at the station: its tote, its number (`ORDER-12` or `12`), or a staging location
    holding the totes of exactly one order waiting to be packed."""
    text = (raw or "").strip()
    if not text or len(text) > 200 or "\x00" in text:
        raise DomainError(_l("Scan the tote or the order."))
    upper = text.upper()
    number = upper[6:] if upper.startswith("ORDER-") else upper
    if number.isascii() and number.isdigit() and len(number) <= 9:
        order = db.session.get(Order, int(number))
        if order is not None:
            return order
    found = lookup.identify(text)
    if found.kind == "lpn" and found.lpn is not None:
        order = _order_by_tote(found.lpn)
        if order is not None:
            return order
        raise DomainError(_l("Tote %(tote)s holds no order.", tote=found.lpn.code))
    if found.kind == "location":
        orders = {o.id: o for o in (_order_by_tote(item.lpn) for item in db.session.scalars(
            select(StockItem).where(StockItem.location_id == found.location.id, StockItem.quantity > 0,
                                    StockItem.lpn_id.is_not(None)))) if o and o.status == OrderStatus.PICKED}
        if len(orders) == 1:
            return next(iter(orders.values()))
        raise DomainError(_l("%(count)s orders wait in %(code)s: scan the tote of the one you pack.",
                             count=lazy_number(len(orders)), code=found.location.code))
    raise DomainError(_l("That is not a tote or an order: scan the tote."))


def station_location(code: str | None, warehouse_id: int | None = None) -> Location:
    """The packing station: a packing location by its code, else the warehouse's first packing location."""
    if code:
        location = locations.by_code(code.strip().upper())
        if location is None or location.kind != LocationKind.PACKING.value:
            raise DomainError(_l("%(code)s is not a packing station: scan the station's location.",
                                 code=code.strip()[:40]))
        return location
    warehouse_id = warehouse_id or locations.default_warehouse().id
    location = locations.first_of_kind(warehouse_id, LocationKind.PACKING)
    if location is None:
        raise DomainError(_l("There is no packing location: a supervisor adds one under Locations."))
    return location


def print_station(location: Location) -> str:
    """The printing station word of a packing location ("PACK-1" -> "pack-1")."""
    from ..printing.rules import normalize_station

    try:
        return normalize_station(location.code) or "packing"
    except DomainError:
        return "packing"


# --------------------------------------------------------------------------------------------- what the screen shows


@dataclass
class Left:
    product: Product
    lot: Lot | None
    quantity: int


@dataclass
class PackView:
    order: Order
    left: list[Left] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    open_package: Package | None = None
    proposal: list[rules.Carton] = field(default_factory=list)
    too_big: str | None = None
    missing_sizes: list[Product] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)
    needs_invoice: bool = False

    @property
    def units_left(self) -> int:
        return sum(item.quantity for item in self.left)


def hold_problems(order: Order, items: list[StockItem]) -> list[str]:
    """What stops the order from being packed: a hold, and every unit in its totes that may not leave."""
    problems = []
    today = clock.today()
    for item in items:
        lot = item.lot
        problem = rules.lot_problem(lot.status, lot.expires_on, today) if lot else None
        if problem:
            problems.append(str(_l("Take %(qty)s × %(sku)s lot %(lot)s (%(problem)s) out of tote %(tote)s and "
                                   "give them to your supervisor.", qty=lazy_number(item.quantity),
                                   sku=item.product.sku,
                                   lot=lot.code, problem=problem, tote=item.lpn.code)))
    if order.on_hold and not problems:
        problems.append(order.hold_reason or str(_l("Order %(order)s is on hold.", order=order.id)))
    return problems


def packages_of(order_id: int, *, contents: bool = False) -> list[Package]:
    """The order's boxes; with `contents`, their plates, box types and packed units (with their products) read
    alongside, for a screen that lists them: a statement for each kind, however many boxes."""
    query = select(Package).where(Package.order_id == order_id, Package.status != PackageStatus.CANCELLED.value)
    if contents:
        query = query.options(joinedload(Package.lpn), joinedload(Package.box_type),
                              selectinload(Package.units).joinedload(PackedUnit.product))
    return list(db.session.scalars(query.order_by(Package.sequence)))


def _units_of(products_and_quantities) -> tuple[list[rules.Unit], list[Product]]:
    units, missing = [], []
    for product, quantity in products_and_quantities:
        unit = carriers.product_unit(product)
        if unit is None:
            if product not in missing:
                missing.append(product)
            continue
        units.extend([unit] * quantity)
    return units, missing


def pack_view(order_id: int) -> PackView:
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound(_l("Order not found."))
    items = tote_items(order_id)
    view = PackView(order=order, packages=packages_of(order_id, contents=True))
    view.left = [Left(i.product, i.lot, i.quantity) for i in items]
    view.open_package = next((p for p in view.packages if p.status == PackageStatus.OPEN), None)
    view.holds = hold_problems(order, items)
    view.needs_invoice = carriers.requires_invoice(order) and documents.invoice_of(order.id) is None
    packed = [(u.product, u.quantity) for p in view.packages for u in p.units]
    units, view.missing_sizes = _units_of([(i.product, i.quantity) for i in items] + packed)
    if not view.missing_sizes and units:
        try:
            view.proposal = rules.cartonize(units, [carriers.as_rule_box(b) for b in carriers.box_types(
                order.carrier)])
        except rules.TooBig as exc:
            view.too_big = str(_l("%(sku)s is bigger than every box type: pack it in its own carton and ask a "
                                  "supervisor for a box type that fits.", sku=exc.unit.key))
    return view


def check_packable(order: Order, items: list[StockItem]) -> None:
    if order.status == OrderStatus.PACKED:
        raise Conflict(_l("Order %(order)s is packed already.", order=order.id))
    if order.status != OrderStatus.PICKED:
        raise DomainError(_l("Order %(order)s is %(status)s: only picked orders are packed.", order=order.id,
                             status=order.status))
    problems = hold_problems(order, items)
    if problems:
        raise DomainError(_l("Order %(order)s cannot be packed: %(what)s", order=order.id,
                             what=" ".join(problems)))


# --------------------------------------------------------------------------------------------- scanning units


def _shipment(order: Order) -> Shipment:
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order.id, Shipment.shipped_at.is_(None))
                                 .order_by(Shipment.id.desc()).limit(1))
    if shipment is None:
        units, _missing = _units_of([(line.product, line.quantity) for line in order.lines])
        svc = carriers.choose_service(order, units or None)
        shipment = Shipment(order_id=order.id, carrier=svc.carrier.code, service=svc.code, service_id=svc.id)
        db.session.add(shipment)
        db.session.flush()
    return shipment


def _open_package(order: Order, station: Location, box: BoxType | None) -> Package:
    shipment = _shipment(order)
    sequence = (db.session.scalar(select(func.max(Package.sequence)).where(Package.order_id == order.id)) or 0) + 1
    lpn = inventory.create_numbered_lpn(kind="box", location_id=station.id, prefix=BOX_PREFIX)
    count = len(packages_of(order.id)) + 1
    package = Package(order_id=order.id, shipment_id=shipment.id, lpn_id=lpn.id, sequence=sequence,
                      number=f"{count}/{count}", box_type_id=box.id if box else None,
                      station=print_station(station))
    db.session.add(package)
    db.session.flush()
    return package


def _proposed_box(view: PackView) -> BoxType | None:
    index = len(view.packages)
    if index < len(view.proposal):
        return db.session.get(BoxType, view.proposal[index].box.id)
    return db.session.get(BoxType, view.proposal[-1].box.id) if view.proposal else None


def _refusal(problem: str, product: Product, lot_code: str | None, lines: list[rules.ToteLine]) -> DomainError:
    if problem == rules.WRONG:
        return DomainError(_l("%(sku)s is not in this order: put it aside.", sku=product.sku))
    if problem == rules.EXTRA:
        return DomainError(_l("Every %(sku)s of this order is packed: this one is extra, put it aside.",
                              sku=product.sku))
    if problem == rules.OTHER_LOT:
        picked = ", ".join(sorted({line.lot_code or "-" for line in lines if line.product_id == product.id}))
        return DomainError(_l("Lot %(lot)s of %(sku)s was not picked into this tote (it holds %(picked)s): put "
                              "it aside.", lot=lot_code, sku=product.sku, picked=picked))
    if problem == rules.WHICH_LOT:
        return DomainError(_l("The tote holds several lots of %(sku)s: scan the unit's DataMatrix (with its "
                              "lot).", sku=product.sku))
    return DomainError(_l("That case holds more %(sku)s than are left to pack: scan the units one by one.",
                          sku=product.sku))


@uow.use_case
@idempotency.by_scan_id("ship.pack")
def pack_unit(order_id: int, raw: str, *, station_code: str | None, user_id: int | None) -> dict:
    """One scan at the station: a unit (or case) of the order goes from its tote into the open box (a box is
    opened on the first scan), or a box type's code chooses the open box's type. Applied once per scan id."""
    order = lock_order(order_id)
    items = tote_items(order.id, lock=True)
    check_packable(order, items)
    station = station_location(station_code, items[0].location.warehouse_id if items else None)
    box = carriers.box_by_code(raw)
    if box is not None:
        result = _choose_box(order, box, station)
    else:
        result = _pack_scanned(order, items, raw, station, user_id)
    return result


def _choose_box(order: Order, box: BoxType, station: Location) -> dict:
    if not box.active or not box.accepts(order.carrier):
        raise DomainError(_l("Box %(box)s is not used for %(carrier)s.", box=box.code, carrier=order.carrier or "-"))
    package = next((p for p in packages_of(order.id) if p.status == PackageStatus.OPEN), None)
    if package is None:
        package = _open_package(order, station, box)
    package.box_type_id = box.id
    return {"box": box.code, "package": package.number, "sku": None, "quantity": 0}


def _pack_scanned(order: Order, items: list[StockItem], raw: str, station: Location, user_id: int | None) -> dict:
    found = lookup.expect(lookup.identify(raw), "product")
    product = found.product
    quantity = found.quantity
    if found.lot is not None:
        problem = rules.lot_problem(found.lot.status, found.lot.expires_on, clock.today())
        if problem:
            raise DomainError(_l("Lot %(lot)s of %(sku)s is %(problem)s: this unit may not leave. Put it aside "
                                 "for your supervisor.", lot=found.lot.code, sku=product.sku, problem=problem))
    lines = [rules.ToteLine(i.product_id, i.lot_id, i.lot.code if i.lot else None, i.quantity) for i in items]
    ordered = any(line.product_id == product.id for line in order.lines)
    matched = rules.match_unit(lines, product.id, found.lot_code, quantity, ordered=ordered)
    if isinstance(matched, str):
        raise _refusal(matched, product, found.lot_code, lines)
    serial = (found.serial or "").strip() or None
    if serial is not None:
        if quantity != 1:
            raise DomainError(_l("A serial number names one unit: scan the units one by one."))
        taken = db.session.scalar(select(PackedUnit).join(Package).where(
            PackedUnit.product_id == product.id, PackedUnit.serial == serial,
            Package.status != PackageStatus.CANCELLED.value).limit(1))
        if taken is not None:
            raise DomainError(_l("Serial %(serial)s of %(sku)s was packed already (order %(order)s): this unit "
                                 "is a duplicate, put it aside for your supervisor.", serial=serial,
                                 sku=product.sku, order=taken.package.order_id))
    left = sum(i.quantity for i in items) - quantity  # read before the move updates the item
    item = next(i for i in items if i.product_id == matched.product_id and i.lot_id == matched.lot_id)
    package = next((p for p in packages_of(order.id) if p.status == PackageStatus.OPEN), None)
    if package is None:
        package = _open_package(order, station, _proposed_box(pack_view(order.id)))
    inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=station,
                         quantity=quantity, reason="pack", user_id=user_id, document=document(order),
                         from_lpn=item.lpn, to_lpn=package.lpn, check_target=False)
    line = next(line for line in order.lines if line.product_id == product.id)
    same = None if serial else next((u for u in package.units if u.product_id == product.id
                                     and u.lot_id == item.lot_id and u.serial is None), None)
    if same is not None:
        same.quantity += quantity
    else:
        db.session.add(PackedUnit(package_id=package.id, order_line_id=line.id, product_id=product.id,
                                  lot_id=item.lot_id, serial=serial, quantity=quantity, user_id=user_id))
    db.session.flush()
    db.session.expire(package, ["units"])
    return {"sku": product.sku, "lot": item.lot.code if item.lot else None, "quantity": quantity,
            "package": package.number, "left": left}


@uow.use_case
def set_product_size(product_id: int, *, length_mm, width_mm, height_mm, weight_g,
                     user_id: int | None = None) -> Product:
    """Asked once at the station for a product without dimensions; stored in the catalogue."""
    from ..catalog import services as catalog
    from ..numbers import whole

    values = {"length_mm": whole(length_mm, least=1, most=5000), "width_mm": whole(width_mm, least=1, most=5000),
              "height_mm": whole(height_mm, least=1, most=5000), "weight_g": whole(weight_g, least=1,
                                                                                    most=1_000_000)}
    if any(v is None for v in values.values()):
        raise DomainError(_l("Type the length, width and height in mm (1 to 5000) and the weight in grams "
                             "(1 to 1000000)."))
    return catalog.update_product(product_id, **values)
