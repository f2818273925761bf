"""The desk's reports as queries: each one a SELECT of labelled columns built from its filters, paged by the
database and streamed whole for CSV. Aggregates (productivity, discrepancies by supplier) are GROUP BYs.
Nothing here writes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, literal, select
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..catalog.models import Lot, Product
from ..errors import DomainError
from ..inventory.models import CountLine, CountTask, Move
from ..locations.models import Location
from ..picking.models import PickTask, PickTaskStatus, Wave
from ..receiving.models import Asn, Discrepancy, Receipt

MAX_TEXT = 64


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to. Dates are the warehouse's calendar days, both ends included."""

    date_from: date | None = None
    date_to: date | None = None
    product: str = ""  # a SKU, exactly (any case)
    user: str = ""  # a username, exactly
    reason: str = ""
    supplier: str = ""  # part of the supplier's name
    location: str = ""  # a location code, exactly

    @classmethod
    def from_args(cls, args) -> Filters:
        def day(name: str) -> date | None:
            value = (args.get(name) or "").strip()
            if not value:
                return None
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                raise DomainError(_l("%(value)s is not a date: use the calendar (YYYY-MM-DD).",
                                     value=value[:20])) from None

        found = cls(date_from=day("date_from"), date_to=day("date_to"),
                    **{name: (args.get(name) or "").strip()[:MAX_TEXT]
                       for name in ("product", "user", "reason", "supplier", "location")})
        if found.date_from and found.date_to and found.date_from > found.date_to:
            raise DomainError(_l("The first day comes after the last day."))
        return found

    def as_args(self) -> dict[str, str]:
        values = {"date_from": self.date_from.isoformat() if self.date_from else "",
                  "date_to": self.date_to.isoformat() if self.date_to else "", "product": self.product,
                  "user": self.user, "reason": self.reason, "supplier": self.supplier, "location": self.location}
        return {k: v for k, v in values.items() if v}


def _between(column, filters: Filters):
    """The filters' days as UTC bounds on a timestamp column."""
    zone = ZoneInfo(current_app.config["WMS_TIMEZONE"])
    conditions = []
    if filters.date_from:
        conditions.append(column >= datetime.combine(filters.date_from, time(0), zone).astimezone(UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(0), zone).astimezone(UTC)
        conditions.append(column < end)
    return and_(*conditions) if conditions else literal(True)


def _sku(filters: Filters):
    return func.lower(Product.sku) == filters.product.lower() if filters.product else literal(True)


def _username(user_table, filters: Filters):
    return func.lower(user_table.username) == filters.user.lower() if filters.user else literal(True)


@dataclass(frozen=True)
class Report:
    name: str
    title: object
    description: object
    columns: list[tuple[object, str]]  # (heading, key in the row)
    filters: tuple[str, ...]  # the filter fields the report offers
    build: Callable[[Filters], Select]
    reasons: dict[str, object] = field(default_factory=dict)
    count: Callable[[Filters], Select] | None = None  # a cheaper count than counting `build`'s rows


# ---------------------------------------------------------------------------------------------- movements

def _move_conditions(filters: Filters) -> list:
    """The filters on the ledger alone (no join), so the rows can be counted without joining."""
    conditions = [_between(Move.at, filters)]
    if filters.product:
        conditions.append(Move.product_id.in_(select(Product.id).where(_sku(filters))))
    if filters.user:
        conditions.append(Move.user_id.in_(select(User.id).where(_username(User, filters))))
    if filters.reason:
        conditions.append(Move.reason == filters.reason)
    return conditions


def movements(filters: Filters) -> Select:
    source, target = aliased(Location), aliased(Location)
    return (select(Move.at.label("at"), Product.sku.label("sku"), Product.name.label("name"),
                   Lot.code.label("lot"), source.code.label("from_location"), target.code.label("to_location"),
                   Move.quantity.label("quantity"), Move.reason.label("reason"), Move.document.label("document"),
                   User.username.label("user"))
            .join(Product, Product.id == Move.product_id).outerjoin(Lot, Lot.id == Move.lot_id)
            .join(source, source.id == Move.from_location_id).join(target, target.id == Move.to_location_id)
            .outerjoin(User, User.id == Move.user_id)
            .where(*_move_conditions(filters))
            .order_by(Move.at.desc(), Move.id.desc()))


def count_movements(filters: Filters) -> Select:
    return select(func.count(Move.id)).where(*_move_conditions(filters))


# ---------------------------------------------------------------------------------------------- productivity

def productivity(filters: Filters) -> Select:
    """Per picker: pick lines done, units picked, short lines, first and last pick (time per line is worked out
    from them for the page)."""
    return (select(User.username.label("user"), User.name.label("name"), func.count(PickTask.id).label("lines"),
                   func.coalesce(func.sum(PickTask.picked), 0).label("units"),
                   func.count(PickTask.id).filter(PickTask.short.is_(True)).label("shorts"),
                   func.min(PickTask.picked_at).label("first"), func.max(PickTask.picked_at).label("last"))
            .join(User, User.id == PickTask.picker_id)
            .where(PickTask.status == PickTaskStatus.DONE.value, _between(PickTask.picked_at, filters),
                   _username(User, filters))
            .group_by(User.id, User.username, User.name).order_by(func.sum(PickTask.picked).desc(), User.username))


def seconds_per_line(row) -> int | None:
    """The picker's span from first to last pick over the lines after the first: the pace between picks."""
    if not row.first or not row.last or row.lines < 2:
        return None
    return round((row.last - row.first).total_seconds() / (row.lines - 1))


# ---------------------------------------------------------------------------------------------- receiving

def discrepancies(filters: Filters) -> Select:
    """Receiving discrepancies per supplier (the ASN's, or the one typed at a blind receipt) and kind."""
    supplier = func.coalesce(Asn.supplier, Receipt.supplier, "")
    return (select(supplier.label("supplier"), Discrepancy.kind.label("kind"),
                   func.count(Discrepancy.id).label("times"), func.sum(Discrepancy.quantity).label("units"),
                   func.count(func.distinct(Receipt.id)).label("receipts"))
            .join(Receipt, Receipt.id == Discrepancy.receipt_id).outerjoin(Asn, Asn.id == Receipt.asn_id)
            .where(_between(Discrepancy.at, filters),
                   func.lower(supplier).contains(filters.supplier.lower(), autoescape=True)
                   if filters.supplier else literal(True),
                   Discrepancy.kind == filters.reason if filters.reason else literal(True))
            .group_by(supplier, Discrepancy.kind).order_by(func.count(Discrepancy.id).desc(), supplier))


# ---------------------------------------------------------------------------------------------- short picks

def short_picks(filters: Filters) -> Select:
    return (select(PickTask.picked_at.label("at"), Wave.code.label("wave"), Location.code.label("location"),
                   Product.sku.label("sku"), Product.name.label("name"), Lot.code.label("lot"),
                   PickTask.quantity.label("quantity"), PickTask.picked.label("picked"),
                   (PickTask.quantity - PickTask.picked).label("missing"), User.username.label("user"))
            .join(Wave, Wave.id == PickTask.wave_id).join(Location, Location.id == PickTask.location_id)
            .join(Product, Product.id == PickTask.product_id).outerjoin(Lot, Lot.id == PickTask.lot_id)
            .outerjoin(User, User.id == PickTask.picker_id)
            .where(PickTask.short.is_(True), _between(PickTask.picked_at, filters), _sku(filters),
                   _username(User, filters))
            .order_by(PickTask.picked_at.desc(), PickTask.id.desc()))


# ---------------------------------------------------------------------------------------------- count variances

def count_variances(filters: Filters) -> Select:
    return (select(CountTask.counted_at.label("at"), Location.code.label("location"), Product.sku.label("sku"),
                   Product.name.label("name"), Lot.code.label("lot"), CountLine.expected.label("expected"),
                   CountLine.counted.label("counted"), (CountLine.counted - CountLine.expected).label("variance"),
                   User.username.label("user"))
            .join(CountTask, CountTask.id == CountLine.task_id).join(Location, Location.id == CountTask.location_id)
            .join(Product, Product.id == CountLine.product_id).outerjoin(Lot, Lot.id == CountLine.lot_id)
            .outerjoin(User, User.id == CountTask.counted_by_id)
            .where(CountLine.counted != CountLine.expected, _between(CountTask.counted_at, filters), _sku(filters),
                   _username(User, filters),
                   func.lower(Location.code) == filters.location.lower() if filters.location else literal(True))
            .order_by(CountTask.counted_at.desc(), CountLine.id.desc()))


DISCREPANCY_KINDS = {"over": _l("over"), "under": _l("under"), "unexpected": _l("unexpected product"),
                     "wrong_lot": _l("wrong lot"), "short_dated": _l("short-dated"), "expired": _l("expired"),
                     "anvisa_mismatch": _l("Anvisa registration mismatch"), "damaged": _l("damaged")}

REPORTS = {
    "movements": Report(
        "movements", _l("Movements"), _l("Every move of the stock ledger, newest first."),
        [(_l("When"), "at"), (_l("SKU"), "sku"), (_l("Product"), "name"), (_l("Lot"), "lot"),
         (_l("From"), "from_location"), (_l("To"), "to_location"), (_l("Units"), "quantity"),
         (_l("Reason"), "reason"), (_l("Document"), "document"), (_l("User"), "user")],
        ("date_from", "date_to", "product", "user", "reason"), movements, count=count_movements),
    "productivity": Report(
        "productivity", _l("Picker productivity"), _l("Pick lines and units per picker, and the time per line."),
        [(_l("User"), "user"), (_l("Name"), "name"), (_l("Lines"), "lines"), (_l("Units"), "units"),
         (_l("Short lines"), "shorts"), (_l("Seconds per line"), "seconds_per_line")],
        ("date_from", "date_to", "user"), productivity),
    "discrepancies": Report(
        "discrepancies", _l("Receiving discrepancies by supplier"),
        _l("How often each supplier's deliveries differed from what was announced, by kind."),
        [(_l("Supplier"), "supplier"), (_l("Kind"), "kind"), (_l("Times"), "times"), (_l("Units"), "units"),
         (_l("Receipts"), "receipts")],
        ("date_from", "date_to", "supplier", "reason"), discrepancies, DISCREPANCY_KINDS),
    "short-picks": Report(
        "short-picks", _l("Short picks"), _l("Pick lines where less was found than reserved."),
        [(_l("When"), "at"), (_l("Wave"), "wave"), (_l("Location"), "location"), (_l("SKU"), "sku"),
         (_l("Product"), "name"), (_l("Lot"), "lot"), (_l("To pick"), "quantity"), (_l("Picked"), "picked"),
         (_l("Missing"), "missing"), (_l("User"), "user")],
        ("date_from", "date_to", "product", "user"), short_picks),
    "count-variances": Report(
        "count-variances", _l("Count variances"), _l("Count lines where the count differed from the system."),
        [(_l("When"), "at"), (_l("Location"), "location"), (_l("SKU"), "sku"), (_l("Product"), "name"),
         (_l("Lot"), "lot"), (_l("Expected"), "expected"), (_l("Counted"), "counted"),
         (_l("Variance"), "variance"), (_l("User"), "user")],
        ("date_from", "date_to", "product", "user", "location"), count_variances),
}


def move_reasons() -> list[str]:
    from ..extensions import db

    return list(db.session.scalars(select(Move.reason).distinct().order_by(Move.reason)))


def rows_of(report: Report, rows) -> list[dict]:
    """Rows as dicts of the report's keys (productivity adds its time per line)."""
    shaped = []
    for row in rows:
        values = dict(row._mapping)
        if report.name == "productivity":
            values["seconds_per_line"] = seconds_per_line(row)
        shaped.append(values)
    return shaped
