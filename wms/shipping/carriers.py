"""Carriers as data: carriers and services, tracking ranges and the numbers taken from them, box types,
freight tables (CSV), channel rules, the carrier choice for an order and the freight quote."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, brazil, numbers
from ..catalog.models import Product
from ..errors import Conflict, DomainError, get_or_not_found
from ..extensions import db
from ..locations.services import csv_rows
from ..orders.models import Order
from ..uow import use_case
from . import rules
from .models import (
    BoxType,
    Carrier,
    CarrierKind,
    CarrierService,
    ChannelShipping,
    FreightRate,
    TrackingRange,
)

_CODE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class FieldErrors(DomainError):
    """Input refused field by field (`details["fields"]`); nothing was stored."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(_l("Not accepted: see the fields."), fields=fields)


def _text(value, most: int, *, name: str, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text or len(text) > most or (required and not text):
        raise DomainError(_l("%(field)s: 1 to %(most)s characters.", field=name, most=most) if required else
                          _l("%(field)s: at most %(most)s characters.", field=name, most=most))
    return text


def _number(value, *, name: str, least: int = 0, most: int = numbers.MAX_ID) -> int:
    number = numbers.whole(value, least=least, most=most)
    if number is None:
        raise DomainError(_l("%(field)s: a whole number from %(least)s to %(most)s.", field=name, least=least,
                             most=most))
    return number


# --------------------------------------------------------------------------------------------- carriers


def carriers(active_only: bool = False) -> list[Carrier]:
    query = select(Carrier).order_by(Carrier.name)
    if active_only:
        query = query.where(Carrier.active.is_(True))
    return list(db.session.scalars(query))


def carrier_by_code(code: str | None) -> Carrier | None:
    if not code:
        return None
    return db.session.scalar(select(Carrier).where(Carrier.code == code.strip().lower()))


@use_case
def save_carrier(*, code: str, name: str, kind: str, contract: str = "", posting_card: str = "",
                 cubic_divisor=6000, insurance_bp=0, tracking_pattern: str = "", tracking_url: str = "",
                 active: bool = True, user_id: int | None = None) -> Carrier:
    """Create a carrier, or change the one with this code."""
    code = (code or "").strip().lower()
    if not _CODE_RE.fullmatch(code):
        raise DomainError(_l("A carrier code is a short word of lower-case letters, digits, - or _ (e.g. "
                             "correios, jadlog)."))
    if kind not in {k.value for k in CarrierKind}:
        raise DomainError(_l("Unknown carrier kind %(kind)s.", kind=str(kind)[:20]))
    pattern = (tracking_pattern or "").strip().upper()
    if pattern and not rules.is_tracking_pattern(pattern):
        raise DomainError(_l("A tracking pattern is letters and digits around one run of 4 to 12 # (e.g. "
                             "JD########)."))
    url = _text(tracking_url, 200, name="tracking_url", required=False)
    if url and (not url.startswith(("https://", "http://")) or "{code}" not in url):
        raise DomainError(_l("The tracking address starts with https:// and holds {code}."))
    posting = (posting_card or "").strip()
    if posting and not (posting.isascii() and posting.isdigit() and len(posting) <= 10):
        raise DomainError(_l("A posting card (cartão de postagem) is up to 10 digits."))
    carrier = carrier_by_code(code)
    if carrier is None:
        carrier = Carrier(code=code)
        db.session.add(carrier)
    carrier.name = _text(name, 80, name="name")
    carrier.kind = kind
    carrier.contract = _text(contract, 20, name="contract", required=False) or None
    carrier.posting_card = posting or None
    carrier.cubic_divisor = _number(cubic_divisor, name="cubic_divisor", least=1, most=100_000)
    carrier.insurance_bp = _number(insurance_bp, name="insurance_bp", most=10_000)
    carrier.tracking_pattern = pattern or None
    carrier.tracking_url = url or None
    carrier.active = bool(active)
    db.session.flush()
    audit.record("carrier.save", carrier, user_id=user_id, code=code, kind=kind)
    return carrier


def service(service_id: int) -> CarrierService:
    return get_or_not_found(CarrierService, service_id, _l("That carrier service does not exist."))


@use_case
def save_service(carrier_id: int, *, code: str, name: str, symbol: str = "", active: bool = True,
                 user_id: int | None = None) -> CarrierService:
    carrier = get_or_not_found(Carrier, carrier_id, _l("That carrier does not exist."))
    code = _text(code, 20, name="code").upper()
    if carrier.kind == CarrierKind.CORREIOS and not (code.isascii() and code.isdigit() and len(code) <= 5):
        raise DomainError(_l("A Correios service code is up to 5 digits (e.g. 03298 for PAC)."))
    found = db.session.scalar(select(CarrierService).where(CarrierService.carrier_id == carrier.id,
                                                           CarrierService.code == code))
    if found is None:
        found = CarrierService(carrier_id=carrier.id, code=code)
        db.session.add(found)
    found.name = _text(name, 80, name="name")
    found.symbol = _text(symbol, 20, name="symbol", required=False) or None
    found.active = bool(active)
    db.session.flush()
    audit.record("carrier.service", found, user_id=user_id, carrier=carrier.code, code=code)
    return found


# --------------------------------------------------------------------------------------------- tracking numbers


@use_case
def import_range(service_id: int, *, prefix: str, first, last, warn_below=100,
                 user_id: int | None = None) -> TrackingRange:
    """A range of serials as the carrier handed it (prefix + first..last, 8 digits, no check digit). A range
    that overlaps one already imported for the same prefix is refused: a number would be issued twice."""
    svc = service(service_id)
    prefix = (prefix or "").strip().upper()
    first_n = numbers.whole(first, most=99_999_999)
    last_n = numbers.whole(last, most=99_999_999)
    if rules.check_range(prefix, first_n if first_n is not None else -1,
                         last_n if last_n is not None else -1) == "prefix":
        raise DomainError(_l("A range's prefix is two letters (e.g. PH, SS)."))
    if first_n is None or last_n is None or first_n > last_n:
        raise DomainError(_l("A range is two serials of up to 8 digits, the first not after the last."))
    overlapping = db.session.scalar(
        select(TrackingRange).where(TrackingRange.prefix == prefix, TrackingRange.first_serial <= last_n,
                                    TrackingRange.last_serial >= first_n).limit(1))
    if overlapping is not None:
        first_text, last_text = str(first_n).zfill(8), str(last_n).zfill(8)
        other = str(overlapping.first_serial).zfill(8) + "–" + str(overlapping.last_serial).zfill(8)
        raise Conflict(_l("%(prefix)s %(first)s–%(last)s overlaps a range imported already (%(other)s): a "
                          "tracking number would be issued twice.", prefix=prefix, first=first_text,
                          last=last_text, other=other))
    warn = _number(warn_below, name="warn_below", most=99_999_999)
    found = TrackingRange(service_id=svc.id, prefix=prefix, first_serial=first_n, last_serial=last_n,
                          next_serial=first_n, warn_below=warn)
    db.session.add(found)
    db.session.flush()
    audit.record("tracking_range.import", found, user_id=user_id, service=svc.code, prefix=prefix,
                 first=first_n, last=last_n)
    return found


def _lock_open_range(service_id: int) -> TrackingRange | None:
    """The oldest range of the service with numbers left, locked (FOR UPDATE) and read fresh.

    Two packers asking at once: the second waits for the first's commit; PostgreSQL then re-reads the row and
    skips it if it ran out, so we ask again rather than trust an empty answer."""
    for _attempt in range(5):
        found = db.session.scalar(
            select(TrackingRange)
            .where(TrackingRange.service_id == service_id, TrackingRange.next_serial <= TrackingRange.last_serial)
            .order_by(TrackingRange.id).limit(1).with_for_update()
            .execution_options(populate_existing=True))
        if found is not None or not _any_left(service_id):
            return found
    return None


def _any_left(service_id: int) -> bool:
    return db.session.scalar(select(TrackingRange.id).where(
        TrackingRange.service_id == service_id, TrackingRange.next_serial <= TrackingRange.last_serial
    ).limit(1)) is not None


def take_tracking_code(svc: CarrierService) -> str | None:
    """The next tracking number of a service, in the caller's transaction (its row stays locked until the
    commit, so no number is issued twice): an S10 code from the service's ranges (Correios), or the carrier's
    pattern with its next sequence number. None for a marketplace's logistics (its label carries its own)."""
    carrier = svc.carrier
    if carrier.kind == CarrierKind.CORREIOS:
        found = _lock_open_range(svc.id)
        if found is None:
            raise DomainError(_l("The tracking numbers of %(carrier)s %(service)s have run out: import a new "
                                 "range on the desk before closing this box.", carrier=carrier.name,
                                 service=svc.name))
        serial = found.next_serial
        found.next_serial = serial + 1
        db.session.flush()
        return rules.s10_from_range(found.prefix, serial)
    if carrier.kind == CarrierKind.TABLE:
        locked = db.session.scalar(select(Carrier).where(Carrier.id == carrier.id).with_for_update()
                                   .execution_options(populate_existing=True))
        locked.tracking_sequence += 1
        db.session.flush()
        if locked.tracking_pattern:
            try:
                return rules.pattern_tracking(locked.tracking_pattern, locked.tracking_sequence)
            except ValueError:
                raise DomainError(_l("%(carrier)s's tracking pattern has no numbers left: change it on the "
                                     "desk.", carrier=carrier.name)) from None
        return f"{carrier.code.upper()[:6]}{locked.tracking_sequence:010d}"
    return None


def ranges() -> list[TrackingRange]:
    return list(db.session.scalars(select(TrackingRange).order_by(TrackingRange.service_id, TrackingRange.id)))


def ranges_running_out() -> list[dict]:
    """Per service with ranges: numbers left over all its ranges, when at or below the warning threshold."""
    left: dict[int, dict] = {}
    for found in ranges():
        row = left.setdefault(found.service_id, {"service": found.service, "left": 0, "warn_below": 0})
        row["left"] += found.left
        row["warn_below"] = max(row["warn_below"], found.warn_below)
    return [row for row in left.values() if row["left"] <= row["warn_below"]]


# --------------------------------------------------------------------------------------------- box types


def box_types(carrier_code: str | None = None) -> list[BoxType]:
    found = db.session.scalars(select(BoxType).where(BoxType.active.is_(True)).order_by(BoxType.code))
    return [box for box in found if box.accepts(carrier_code)]


def box_by_code(code: str) -> BoxType | None:
    return db.session.scalar(select(BoxType).where(BoxType.code == (code or "").strip().upper()[:20]))


@use_case
def save_box_type(*, code: str, name: str, length_mm, width_mm, height_mm, tare_g, max_weight_g,
                  carriers: str = "", active: bool = True, user_id: int | None = None) -> BoxType:
    code = _text(code, 20, name="code").upper()
    codes = [c.strip().lower() for c in (carriers or "").split(",") if c.strip()]
    if any(not _CODE_RE.fullmatch(c) for c in codes):
        raise DomainError(_l("Carriers: carrier codes separated by commas (e.g. correios, jadlog)."))
    box = box_by_code(code)
    if box is None:
        box = BoxType(code=code)
        db.session.add(box)
    box.name = _text(name, 80, name="name")
    box.length_mm = _number(length_mm, name="length_mm", least=1, most=5000)
    box.width_mm = _number(width_mm, name="width_mm", least=1, most=5000)
    box.height_mm = _number(height_mm, name="height_mm", least=1, most=5000)
    box.tare_g = _number(tare_g, name="tare_g", most=100_000)
    box.max_weight_g = _number(max_weight_g, name="max_weight_g", least=1, most=1_000_000)
    box.carriers = ",".join(codes)[:200]
    box.active = bool(active)
    db.session.flush()
    audit.record("box_type.save", box, user_id=user_id, code=code)
    return box


def as_rule_box(box: BoxType) -> rules.Box:
    return rules.Box(box.id, box.code, box.length_mm, box.width_mm, box.height_mm, box.tare_g, box.max_weight_g)


# --------------------------------------------------------------------------------------------- freight tables

RATE_COLUMNS = ("cep_from", "cep_to", "weight_from_g", "weight_to_g", "price_cents", "days")


@dataclass
class RateImport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _cep(text: str) -> str | None:
    try:
        return brazil.normalize_cep(text)
    except (ValueError, TypeError):
        return None


@use_case
def import_rates_csv(service_id: int, text: str, *, user_id: int | None = None) -> RateImport:
    """Replace a service's table with a CSV (cep_from, cep_to, weight_from_g, weight_to_g, price_cents, days).
    Any bad line refuses the whole file, with every line's problem; nothing changes then."""
    svc = service(service_id)
    report = RateImport()
    rows = csv_rows(text or "", set(RATE_COLUMNS))
    if rows is None:
        report.errors.append((1, str(_l("The first line must name the columns: %(columns)s.",
                                        columns=", ".join(RATE_COLUMNS)))))
        return report
    made = []
    for line, row, problem in rows:
        if problem:
            report.errors.append((line, str(problem)))
            continue
        cep_from, cep_to = _cep(row.get("cep_from", "")), _cep(row.get("cep_to", ""))
        values = {k: numbers.whole(row.get(k, ""), most=100_000_000) for k in RATE_COLUMNS[2:]}
        if cep_from is None or cep_to is None or cep_from > cep_to:
            report.errors.append((line, str(_l("cep_from and cep_to are CEPs of 8 digits, the first not after "
                                               "the last."))))
        elif any(v is None for v in values.values()) or values["weight_from_g"] > values["weight_to_g"]:
            report.errors.append((line, str(_l("Weights, price and days are whole numbers; weight_from_g not "
                                               "above weight_to_g."))))
        else:
            made.append(FreightRate(service_id=svc.id, cep_from=cep_from, cep_to=cep_to, **values))
        if len(report.errors) >= 50:
            break
    if not made and not report.errors:
        report.errors.append((2, str(_l("The file has no rates."))))
    if report.errors:
        return report
    db.session.execute(FreightRate.__table__.delete().where(FreightRate.service_id == svc.id))
    db.session.add_all(made)
    report.created = len(made)
    audit.record("freight.import", svc, user_id=user_id, rates=len(made))
    return report


def _rates(service_id: int) -> list[rules.Rate]:
    return [rules.Rate(r.cep_from, r.cep_to, r.weight_from_g, r.weight_to_g, r.price_cents, r.days)
            for r in db.session.scalars(select(FreightRate).where(FreightRate.service_id == service_id))]


@dataclass(frozen=True)
class Quote:
    service: CarrierService
    price_cents: int
    days: int

    def as_json(self) -> dict:
        return {"carrier": self.service.carrier.code, "service": self.service.code,
                "service_name": self.service.name, "price_cents": self.price_cents, "days": self.days}


def quotes(cep: str, parcels: list[rules.Parcel], *, declared_value_cents: int = 0,
           carrier_code: str | None = None) -> list[Quote]:
    """Every active service with a table row for each parcel, cheapest first (then fastest)."""
    query = select(CarrierService).join(Carrier).where(CarrierService.active.is_(True), Carrier.active.is_(True))
    if carrier_code:
        query = query.where(Carrier.code == carrier_code)
    found = []
    for svc in db.session.scalars(query.order_by(CarrierService.id)):
        priced = rules.quote(_rates(svc.id), cep, parcels, divisor=svc.carrier.cubic_divisor,
                             insurance_bp=svc.carrier.insurance_bp, declared_value_cents=declared_value_cents)
        if priced is not None:
            found.append(Quote(svc, *priced))
    return sorted(found, key=lambda q: (q.price_cents, q.days, q.service.id))


def parcels_for_units(units: list[rules.Unit], carrier_code: str | None = None) -> list[rules.Parcel]:
    """The boxes cartonization proposes for these units, as parcels (weight with tare, outer size in cm)."""
    boxes = [as_rule_box(b) for b in box_types(carrier_code)]
    if not boxes:
        raise DomainError(_l("No box types are set up: add them on the desk."))
    return [rules.Parcel(c.weight_g, -(-c.box.length_mm // 10), -(-c.box.width_mm // 10),
                         -(-c.box.height_mm // 10)) for c in rules.cartonize(units, boxes)]


def product_unit(product: Product) -> rules.Unit | None:
    """The product as a unit to pack, or None while its size or weight is unknown."""
    dims = (product.length_mm, product.width_mm, product.height_mm, product.weight_g)
    if any(not d for d in dims):
        return None
    return rules.Unit(product.sku, *dims)


# --------------------------------------------------------------------------------------------- channel rules


def channel_rule(channel: str) -> ChannelShipping | None:
    return db.session.scalar(select(ChannelShipping).where(ChannelShipping.channel == channel))


@use_case
def save_channel_rule(channel: str, *, service_id: int | None, require_invoice: bool,
                      user_id: int | None = None) -> ChannelShipping:
    from ..orders import channels

    if channels.by_code(channel) is None:
        raise DomainError(_l("Unknown channel %(channel)s.", channel=str(channel)[:20]))
    if service_id is not None:
        service(service_id)
    rule = channel_rule(channel)
    if rule is None:
        rule = ChannelShipping(channel=channel)
        db.session.add(rule)
    rule.service_id = service_id
    rule.require_invoice = bool(require_invoice)
    db.session.flush()
    audit.record("shipping.channel_rule", rule, user_id=user_id, channel=channel, service_id=service_id,
                 require_invoice=rule.require_invoice)
    return rule


def _asked_service(order: Order) -> CarrierService | None:
    carrier = carrier_by_code(order.carrier)
    wanted = (order.service_level or "").strip().lower()
    candidates = [s for s in (carrier.services if carrier else []) if s.active]
    for svc in candidates:
        if wanted and wanted in (svc.code.lower(), svc.name.lower(), (svc.symbol or "").lower()):
            return svc
    return None


def choose_service(order: Order, units: list[rules.Unit] | None = None) -> CarrierService:
    """The service an order ships by: the channel's own (a marketplace's logistics); else the one the store
    asked for (carrier + service level); else the cheapest quote (then the fastest) of the order's carrier,
    or of any carrier when it named none or none of its services has a price for this order."""
    rule = channel_rule(order.channel)
    if rule is not None and rule.service is not None and rule.service.active:
        return rule.service
    asked = _asked_service(order)
    if asked is not None:
        return asked
    cep = order.ship_cep
    parcels = parcels_for_units(units) if units else [rules.Parcel(1, 1, 1, 1)]
    carrier = carrier_by_code(order.carrier)
    found = quotes(cep, parcels, carrier_code=carrier.code if carrier else None) or quotes(cep, parcels)
    if found:
        return found[0].service
    if carrier is not None:
        active = [s for s in carrier.services if s.active]
        if active:
            return active[0]
    raise DomainError(_l("No carrier service can take order %(order)s (carrier %(carrier)s, CEP %(cep)s): set "
                         "up the carrier or its freight table on the desk.", order=order.id,
                         carrier=order.carrier or "-", cep=order.ship_cep))


def requires_invoice(order: Order) -> bool:
    from . import settings

    rule = channel_rule(order.channel)
    return bool(settings.get("require_invoice")) or bool(rule and rule.require_invoice)
