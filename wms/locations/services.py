"""Locations: create, create in bulk, import, block. Services commit once."""
import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..errors import DomainError, NotFound
from ..extensions import db
from . import rules
from .models import VIRTUAL_KINDS, Location, LocationKind, Mixing, Warehouse, Zone

VIRTUAL_CODES = {
    LocationKind.SUPPLIER: "SUPPLIER",
    LocationKind.CUSTOMER: "CUSTOMER",
    LocationKind.ADJUSTMENT: "INVENTORY-ADJUSTMENT",
    LocationKind.SCRAP: "SCRAP",
}


def create_warehouse(code: str, name: str, **layout) -> Warehouse:
    warehouse = Warehouse(code=code, name=name, **layout)
    db.session.add(warehouse)
    db.session.flush()
    for kind, suffix in VIRTUAL_CODES.items():
        db.session.add(Location(warehouse_id=warehouse.id, code=f"{code}/{suffix}", kind=kind.value))
    audit.record("warehouse.create", warehouse, code=code)
    db.session.commit()
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
    location = db.session.get(Location, location_id)
    if location is None:
        raise NotFound(_l("Location not found."))
    return location


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
                  capacity_units: int | None = None, mixing: str | None = None) -> Location:
    code = code.strip().upper()
    if not code or len(code) > 40 or any(c.isspace() for c in code):
        raise DomainError(_l("A location code is 1 to 40 characters without spaces."))
    if db.session.scalar(select(Location.id).where(Location.code == code)):
        raise DomainError(_l("Location %(code)s already exists.", code=code))
    if capacity_units is not None and capacity_units <= 0:
        raise DomainError(_l("Capacity must be a positive number of units."))
    address = rules.parse_location_code(code)
    zone_code = zone or (address.zone if address else None)
    location = Location(
        warehouse_id=warehouse.id,
        zone=_zone(warehouse.id, zone_code),
        code=code,
        kind=_kind(kind).value,
        aisle=address.aisle if address else None,
        bay=address.bay if address else None,
        level=address.level if address else None,
        position=address.position if address else None,
        capacity_units=capacity_units,
        mixing=_mixing(mixing),
    )
    db.session.add(location)
    return location


def create_location(code: str, kind: str, *, zone: str | None = None, capacity_units: int | None = None,
                    mixing: str | None = None, warehouse: Warehouse | None = None) -> Location:
    warehouse = warehouse or default_warehouse()
    location = _new_location(warehouse, code, kind, zone=zone, capacity_units=capacity_units, mixing=mixing)
    db.session.flush()
    audit.record("location.create", location, code=location.code, kind=location.kind)
    db.session.commit()
    return location


def create_range(zone: str, aisles: tuple[int, int], bays: tuple[int, int], levels: tuple[int, int], *,
                 kind: str = "reserve", positions: str = "", capacity_units: int | None = None,
                 mixing: str | None = None, pick_face_levels: tuple[int, ...] = (),
                 warehouse: Warehouse | None = None) -> list[Location]:
    """A block of shelving in one go; existing codes are an error and nothing is created."""
    warehouse = warehouse or default_warehouse()
    try:
        addresses = list(rules.expand_range(zone, aisles, bays, levels, positions))
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    if len(addresses) > 20000:
        raise DomainError(_l("At most 20,000 locations at a time."))
    codes = [a.code for a in addresses]
    existing = set(db.session.scalars(select(Location.code).where(Location.code.in_(codes))))
    if existing:
        raise DomainError(_l("These locations already exist: %(codes)s", codes=", ".join(sorted(existing)[:10])))
    made = []
    for address in addresses:
        this_kind = LocationKind.PICK_FACE.value if address.level in pick_face_levels else kind
        made.append(_new_location(warehouse, address.code, this_kind, zone=address.zone,
                                  capacity_units=capacity_units, mixing=mixing))
    db.session.flush()
    audit.record("location.create_range", warehouse, zone=zone, count=len(made))
    db.session.commit()
    return made


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    @property
    def ok(self) -> bool:
        return not self.errors


LOCATION_COLUMNS = ("code", "kind", "zone", "capacity_units", "mixing")


def import_csv(text: str, *, warehouse: Warehouse | None = None) -> ImportReport:
    """Import locations from CSV (code,kind[,zone,capacity_units,mixing]). All rows or none: any bad row
    is reported with its line number and nothing is created."""
    warehouse = warehouse or default_warehouse()
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"code", "kind"} <= {f.strip().lower() for f in reader.fieldnames}:
        raise DomainError(_l("The CSV needs a header line with at least: code,kind"))
    seen: set[str] = set()
    existing = set(db.session.scalars(select(Location.code)))
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        code = row.get("code", "").upper()
        try:
            if code in seen or code in existing:
                raise DomainError(_l("Location %(code)s already exists.", code=code))
            capacity = row.get("capacity_units") or None
            if capacity is not None and not capacity.isdigit():
                raise DomainError(_l("Capacity must be a positive number of units."))
            with db.session.no_autoflush:
                _new_location(warehouse, code, row.get("kind", ""), zone=row.get("zone") or None,
                              capacity_units=int(capacity) if capacity else None, mixing=row.get("mixing") or None)
            seen.add(code)
            report.created += 1
        except DomainError as exc:
            report.errors.append((number, str(exc)))
    if report.errors:
        db.session.rollback()
        report.created = 0
        return report
    audit.record("location.import", warehouse, count=report.created)
    db.session.commit()
    return report


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
    if slot_min is not None and slot_max is not None and not (0 <= slot_min <= slot_max):
        raise DomainError(_l("The slot minimum must be between 0 and the maximum."))
    location.slot_product_id = slot_product_id
    location.slot_min = slot_min
    location.slot_max = slot_max
    audit.record("location.update", location)
    db.session.commit()
    return location


def set_blocked(location_id: int, blocked: bool, reason: str | None = None) -> Location:
    location = get(location_id)
    if blocked and not (reason or "").strip():
        raise DomainError(_l("Say why the location is blocked."))
    location.blocked = blocked
    location.blocked_reason = reason.strip() if blocked and reason else None
    audit.record("location.block" if blocked else "location.unblock", location, reason=reason)
    db.session.commit()
    return location
