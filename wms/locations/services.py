"""Locations: create, create in bulk, import, block, warehouse layout. Services commit once."""
import csv
import io
import math
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, numbers, uow
from ..errors import DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..sql import chunks
from ..uow import use_case
from . import rules
from .models import VIRTUAL_KINDS, Location, LocationKind, Mixing, Warehouse, Zone

VIRTUAL_CODES = {
    LocationKind.SUPPLIER: "SUPPLIER",
    LocationKind.CUSTOMER: "CUSTOMER",
    LocationKind.ADJUSTMENT: "INVENTORY-ADJUSTMENT",
    LocationKind.SCRAP: "SCRAP",
}


@use_case
def create_warehouse(code: str, name: str, **layout) -> Warehouse:
    warehouse = Warehouse(code=code, name=name, **layout)
    db.session.add(warehouse)
    db.session.flush()
    for kind, suffix in VIRTUAL_CODES.items():
        db.session.add(Location(warehouse_id=warehouse.id, code=f"{code}/{suffix}", kind=kind.value))
    audit.record("warehouse.create", warehouse, code=code)
    return warehouse


def default_warehouse() -> Warehouse:
    warehouse = db.session.scalar(select(Warehouse).order_by(Warehouse.id))
    if warehouse is None:
        raise NotFound(_l("No warehouse is set up yet."))
    return warehouse


def virtual_location(warehouse_id: int, kind: LocationKind) -> Location:
    return db.session.scalars(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.kind == kind.value)
    ).one()


def first_of_kind(warehouse_id: int, kind: LocationKind) -> Location | None:
    return db.session.scalar(
        select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.kind == kind.value, Location.active.is_(True))
        .order_by(Location.code)
    )


def by_code(code: str) -> Location | None:
    return db.session.scalar(select(Location).where(Location.code == code.strip().upper()))


def get(location_id: int) -> Location:
    return get_or_not_found(Location, location_id, _l("Location not found."))


def _zone(warehouse_id: int, code: str | None) -> Zone | None:
    if not code:
        return None
    zone = db.session.scalar(select(Zone).where(Zone.warehouse_id == warehouse_id, Zone.code == code))
    if zone is None:
        zone = Zone(warehouse_id=warehouse_id, code=code, name=code)
        db.session.add(zone)
        db.session.flush()
    return zone


def _kind(value: str) -> LocationKind:
    try:
        kind = LocationKind(value)
    except ValueError:
        raise DomainError(_l("Unknown location type %(kind)s.", kind=value)) from None
    if kind in VIRTUAL_KINDS:
        raise DomainError(_l("%(kind)s locations are made by the system.", kind=value))
    return kind


def _mixing(value: str | None) -> str:
    try:
        return Mixing(value or "mixed").value
    except ValueError:
        raise DomainError(_l("Unknown mixing rule %(rule)s: use mixed, one_product or one_lot.", rule=value)) from None


def _new_location(warehouse: Warehouse, code: str, kind: str, *, zone: str | None = None,
                  capacity_units: int | None = None, mixing: str | None = None,
                  taken: set[str] | None = None, zones: dict[str, Zone] | None = None) -> Location:
    """A new location, added to the session. Bulk callers pass the codes already `taken` and a `zones` cache
    so that making thousands of locations is not thousands of queries."""
    code = code.strip().upper()
    if not code or len(code) > 40 or any(c.isspace() for c in code):
        raise DomainError(_l("A location code is 1 to 40 characters without spaces."))
    if not (code.isascii() and code.isprintable()):  # its label carries it as Code 128, ASCII only
        raise DomainError(_l("%(code)s has characters a barcode label cannot carry: use letters without accents, "
                             "digits and signs such as - or /.", code=code))
    exists = code in taken if taken is not None else db.session.scalar(select(Location.id).where(Location.code == code))
    if exists:
        raise DomainError(_l("Location %(code)s already exists.", code=code))
    if capacity_units is not None and capacity_units <= 0:
        raise DomainError(_l("Capacity must be a positive number of units."))
    kind = _kind(kind).value
    mixing = _mixing(mixing)
    address = rules.parse_location_code(code)
    zone_code = (zone or (address.zone if address else None) or "").strip().upper() or None
    if zone_code and len(zone_code) > 20:
        raise DomainError(_l("A zone code is at most 20 characters."))
    if zones is not None and zone_code:
        if zone_code not in zones:
            zones[zone_code] = _zone(warehouse.id, zone_code)
        zone_row = zones[zone_code]
    else:
        zone_row = _zone(warehouse.id, zone_code)
    location = Location(
        warehouse_id=warehouse.id,
        zone=zone_row,
        code=code,
        kind=kind,
        aisle=address.aisle if address else None,
        bay=address.bay if address else None,
        level=address.level if address else None,
        position=address.position if address else None,
        capacity_units=capacity_units,
        mixing=mixing,
    )
    db.session.add(location)
    if taken is not None:
        taken.add(code)
    return location


@use_case
def create_location(code: str, kind: str, *, zone: str | None = None, capacity_units: int | None = None,
                    mixing: str | None = None, warehouse: Warehouse | None = None) -> Location:
    warehouse = warehouse or default_warehouse()
    location = _new_location(warehouse, code, kind, zone=zone, capacity_units=capacity_units, mixing=mixing)
    db.session.flush()
    audit.record("location.create", location, code=location.code, kind=location.kind)
    return location


MAX_RANGE = 20000


@dataclass(frozen=True)
class RangePreview:
    count: int
    first: str
    last: str
    existing: list[str]  # codes of the range that already exist (the first few)
    existing_count: int


def _range_addresses(zone: str, aisles: tuple[int, int], bays: tuple[int, int], levels: tuple[int, int],
                     positions: str) -> list[rules.StorageAddress]:
    """The addresses of a range, refused with a translated message before anything big is built."""
    zone = (zone or "").strip()
    positions = "".join(dict.fromkeys((positions or "").strip().upper()))  # "AAB" means A and B
    if not re.fullmatch(r"[A-Za-z0-9]{1,4}", zone):
        raise DomainError(_l("A zone is 1 to 4 letters or digits."))
    if positions and not re.fullmatch(r"[A-Z]+", positions):
        raise DomainError(_l("Positions are letters, e.g. AB."))
    for name, (low, high), limit in ((_l("Aisles"), aisles, 99), (_l("Bays"), bays, 99), (_l("Levels"), levels, 9)):
        if not (1 <= low <= high <= limit):
            raise DomainError(_l("%(name)s go from 1 up to %(limit)s, the first no more than the last "
                                 "(got %(low)s to %(high)s).", name=name, limit=limit, low=low, high=high))
    count = math.prod(high - low + 1 for low, high in (aisles, bays, levels)) * max(len(positions), 1)
    if count > MAX_RANGE:
        raise DomainError(_l("At most 20,000 locations at a time (this range has %(count)s).", count=count))
    return list(rules.expand_range(zone, aisles, bays, levels, positions))


def _existing_codes(codes: list[str]) -> set[str]:
    found: set[str] = set()
    for some in chunks(codes, 1000):  # stay far below any database's limit on parameters
        found.update(db.session.scalars(select(Location.code).where(Location.code.in_(some))))
    return found


def preview_range(zone: str, aisles: tuple[int, int], bays: tuple[int, int], levels: tuple[int, int], *,
                  positions: str = "") -> RangePreview:
    """What `create_range` would make, without making it."""
    codes = [a.code for a in _range_addresses(zone, aisles, bays, levels, positions)]
    existing = sorted(_existing_codes(codes))
    return RangePreview(count=len(codes), first=codes[0], last=codes[-1], existing=existing[:10],
                        existing_count=len(existing))


@use_case
def create_range(zone: str, aisles: tuple[int, int], bays: tuple[int, int], levels: tuple[int, int], *,
                 kind: str = "reserve", positions: str = "", capacity_units: int | None = None,
                 mixing: str | None = None, pick_face_levels: tuple[int, ...] = (),
                 warehouse: Warehouse | None = None) -> list[Location]:
    """A block of shelving in one go; existing codes are an error and nothing is created."""
    warehouse = warehouse or default_warehouse()
    addresses = _range_addresses(zone, aisles, bays, levels, positions)
    codes = [a.code for a in addresses]
    existing = _existing_codes(codes)
    if existing:
        raise DomainError(_l("These locations already exist: %(codes)s", codes=", ".join(sorted(existing)[:10])))
    made = []
    taken: set[str] = set()
    zones: dict[str, Zone] = {}
    with db.session.no_autoflush:
        for address in addresses:
            this_kind = LocationKind.PICK_FACE.value if address.level in pick_face_levels else kind
            made.append(_new_location(warehouse, address.code, this_kind, zone=address.zone,
                                      capacity_units=capacity_units, mixing=mixing, taken=taken, zones=zones))
    db.session.flush()
    audit.record("location.create_range", warehouse, zone=zone, count=len(made))
    return made


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    @property
    def ok(self) -> bool:
        return not self.errors


LOCATION_COLUMNS = ("code", "kind", "zone", "capacity_units", "mixing")


def csv_rows(text: str, required: set[str]):
    """None when the header lacks a `required` column; otherwise, for each data line, (line number, row as a
    dict of lower-case column → stripped text, problem or None). A line with more fields than the header, or
    one that is not CSV at all, comes with a problem instead of being half read."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = reader.fieldnames
    except csv.Error:
        return None
    if not header or not required <= {(f or "").strip().lower() for f in header}:
        return None
    return _csv_rows(reader)


def _csv_rows(reader: csv.DictReader):
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, {}, _l("This line is not readable CSV (%(problem)s).", problem=str(exc))
            return
        if None in raw:
            yield reader.line_num, {}, _l("This line has more fields than the header.")
            continue
        yield reader.line_num, {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}, None


@use_case
def import_csv(text: str, *, warehouse: Warehouse | None = None) -> ImportReport:
    """Import locations from CSV (code,kind[,zone,capacity_units,mixing]). All rows or none: any bad row
    is reported with its line number and nothing is created."""
    warehouse = warehouse or default_warehouse()
    report = ImportReport()
    rows = csv_rows(text, {"code", "kind"})
    if rows is None:
        raise DomainError(_l("The CSV needs a header line with at least: code,kind"))
    taken = set(db.session.scalars(select(Location.code)))
    zones: dict[str, Zone] = {}
    for number, row, problem in rows:
        code = row.get("code", "").upper()
        try:
            if problem:
                raise DomainError(problem)
            capacity = row.get("capacity_units") or None
            if capacity is not None and numbers.whole(capacity, most=999_999_999) is None:
                raise DomainError(_l("Capacity must be a positive number of units."))
            with db.session.no_autoflush:
                _new_location(warehouse, code, row.get("kind", ""), zone=row.get("zone") or None,
                              capacity_units=numbers.whole(capacity) if capacity else None, mixing=row.get("mixing") or None,
                              taken=taken, zones=zones)
            report.created += 1
        except DomainError as exc:
            report.errors.append((number, str(exc)))
    if report.errors:  # an import with errors is refused whole: nothing of it is kept
        report.created = 0
        raise uow.Discard(report)
    audit.record("location.import", warehouse, count=report.created)
    return report


@use_case
def update_location(location_id: int, *, kind: str | None = None, capacity_units: int | None = None,
                    mixing: str | None = None, active: bool | None = None, slot_product_id: int | None = None,
                    slot_min: int | None = None, slot_max: int | None = None) -> Location:
    location = get(location_id)
    if kind is not None:
        location.kind = _kind(kind).value
    if capacity_units is not None:
        if capacity_units < 0:
            raise DomainError(_l("Capacity must be a positive number of units."))
        location.capacity_units = capacity_units or None
    if mixing is not None:
        location.mixing = _mixing(mixing)
    if active is not None:
        location.active = active
    if slot_product_id is not None and location.kind != LocationKind.PICK_FACE.value:
        raise DomainError(_l("Only a pick face can be the fixed slot of a product."))
    if any(value is not None and value < 0 for value in (slot_min, slot_max)) or (
            slot_min is not None and slot_max is not None and slot_min > slot_max):
        raise DomainError(_l("The slot minimum must be between 0 and the maximum."))
    location.slot_product_id = slot_product_id
    location.slot_min = slot_min
    location.slot_max = slot_max
    audit.record("location.update", location)
    return location


@use_case
def set_blocked(location_id: int, blocked: bool, reason: str | None = None) -> Location:
    location = get(location_id)
    if blocked and not (reason or "").strip():
        raise DomainError(_l("Say why the location is blocked."))
    location.blocked = blocked
    location.blocked_reason = reason.strip() if blocked and reason else None
    audit.record("location.block" if blocked else "location.unblock", location, reason=reason)
    return location


@use_case
def update_layout(warehouse_id: int, *, aisle_length_m: float, aisle_pitch_m: float, bay_width_m: float,
                  cross_aisles_m: list[float], depot_x_m: float) -> Warehouse:
    """The measures routing uses. Cross-aisles between the front (0) and the back (aisle length) only."""
    warehouse = db.session.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise NotFound(_l("No warehouse is set up yet."))
    measures = {"aisle_length_m": aisle_length_m, "aisle_pitch_m": aisle_pitch_m, "bay_width_m": bay_width_m}
    labels = {"aisle_length_m": _l("Aisle length"), "aisle_pitch_m": _l("Aisle pitch"),
              "bay_width_m": _l("Bay width")}
    for name, value in measures.items():
        if not (math.isfinite(value) and value > 0):
            raise DomainError(_l("%(field)s must be more than 0 metres.", field=labels[name]))
    if not (math.isfinite(depot_x_m) and depot_x_m >= 0):
        raise DomainError(_l("The depot position cannot be negative."))
    cross = sorted(set(cross_aisles_m))
    for value in cross:
        if not (math.isfinite(value) and 0 < value < aisle_length_m):
            raise DomainError(_l("A middle cross-aisle must be between 0 and the aisle length (%(length)s m), "
                                 "not at %(at)s m.", length=f"{aisle_length_m:g}", at=f"{value:g}"))
    before = {k: getattr(warehouse, k) for k in (*measures, "cross_aisles_m", "depot_x_m")}
    for name, value in measures.items():
        setattr(warehouse, name, float(value))
    warehouse.cross_aisles_m = [float(v) for v in cross]
    warehouse.depot_x_m = float(depot_x_m)
    audit.record("warehouse.layout", warehouse, before=before)
    return warehouse
