"""Printers and which printer serves which station and label kind: set them up, and choose one for a label."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from printers import kinds as label_kinds
from printers.zpl import SIZES

from .. import audit
from ..errors import DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..uow import use_case
from . import rules
from .models import Printer, PrinterAssignment

KINDS = tuple(label_kinds.BUILDERS)
DPIS = (203, 300)


def _printer_values(name: str, url: str, dpi: int, label_size: str, place: str) -> dict[str, Any]:
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise DomainError(_l("Give the printer a name of 1 to 60 characters."))
    if dpi not in DPIS:
        raise DomainError(_l("A printer prints at 203 or 300 dpi."))
    if label_size not in SIZES:
        raise DomainError(_l("Choose a label size: %(sizes)s.", sizes=", ".join(SIZES)))
    return {"name": name, "url": rules.check_printer_url(url), "dpi": dpi, "label_size": label_size,
            "place": (place or "").strip()[:120]}


def _name_taken(name: str, printer_id: int | None = None) -> bool:
    query = select(Printer.id).where(Printer.name == name)
    if printer_id is not None:
        query = query.where(Printer.id != printer_id)
    return db.session.scalar(query) is not None


@use_case
def create_printer(name: str, url: str, *, dpi: int = 203, label_size: str = "100x150", place: str = "",
                   active: bool = True, user_id: int | None = None) -> Printer:
    values = _printer_values(name, url, dpi, label_size, place)
    if _name_taken(values["name"]):
        raise DomainError(_l("There is already a printer called %(name)s.", name=values["name"]))
    printer = Printer(active=active, **values)
    db.session.add(printer)
    db.session.flush()
    audit.record("printer.created", printer, user_id=user_id, **values)
    return printer


def get_printer(printer_id: int) -> Printer:
    return get_or_not_found(Printer, printer_id, _l("That printer does not exist (any more)."))


@use_case
def update_printer(printer_id: int, *, name: str, url: str, dpi: int, label_size: str, place: str,
                   active: bool, user_id: int | None = None) -> Printer:
    printer = get_printer(printer_id)
    values = _printer_values(name, url, dpi, label_size, place)
    if _name_taken(values["name"], printer_id):
        raise DomainError(_l("There is already a printer called %(name)s.", name=values["name"]))
    for key, value in values.items():
        setattr(printer, key, value)
    printer.active = active
    audit.record("printer.updated", printer, user_id=user_id, active=active, **values)
    return printer


@use_case
def assign_printer(station: str | None, kind: str | None, printer_id: int, *,
                   user_id: int | None = None) -> PrinterAssignment:
    """Make `printer_id` the default of the station (or everywhere) for the kind (or every kind)."""
    station_key = rules.normalize_station(station)
    kind_key = (kind or "").strip()
    if kind_key and kind_key not in KINDS:
        raise DomainError(_l("Unknown label kind %(kind)s.", kind=kind_key))
    printer = get_printer(printer_id)
    assignment = db.session.scalar(
        select(PrinterAssignment).where(PrinterAssignment.station == station_key,
                                        PrinterAssignment.kind == kind_key)
    )
    if assignment is None:
        assignment = PrinterAssignment(station=station_key, kind=kind_key, printer_id=printer.id)
        db.session.add(assignment)
    else:
        assignment.printer_id = printer.id
    db.session.flush()
    audit.record("printer.assigned", assignment, user_id=user_id, station=station_key, kind=kind_key,
                 printer=printer.name)
    return assignment


@use_case
def unassign_printer(assignment_id: int, *, user_id: int | None = None) -> None:
    assignment = db.session.get(PrinterAssignment, assignment_id)
    if assignment is None:
        raise NotFound(_l("That assignment does not exist (any more)."))
    audit.record("printer.unassigned", assignment, user_id=user_id, station=assignment.station,
                 kind=assignment.kind, printer_id=assignment.printer_id)
    db.session.delete(assignment)


def switched_off(printer: Printer) -> DomainError:
    return DomainError(_l("Printer %(name)s is switched off in the WMS: choose another or ask a "
                          "supervisor to turn it back on.", name=printer.name))


def choose_printer(station: str | None = None, kind: str = "", printer_name: str | None = None) -> Printer:
    """The explicit printer, else the default for (station, kind), the station, the kind, the warehouse."""
    if printer_name:
        printer = db.session.scalar(select(Printer).where(Printer.name == printer_name.strip()))
        if printer is None:
            raise NotFound(_l("There is no printer called %(name)s.", name=printer_name))
        if not printer.active:
            raise switched_off(printer)
        return printer
    station_key = rules.normalize_station(station)
    candidates = rules.printer_candidates(station_key, kind)
    rows = db.session.execute(
        select(PrinterAssignment.station, PrinterAssignment.kind, Printer)
        .join(Printer, Printer.id == PrinterAssignment.printer_id)
        .where(Printer.active.is_(True), PrinterAssignment.station.in_({s for s, _k in candidates}),
               PrinterAssignment.kind.in_({k for _s, k in candidates}))
    ).all()
    found = {(row.station, row.kind): row.Printer for row in rows}
    for key in candidates:
        if key in found:
            return found[key]
    if station_key:
        raise DomainError(_l("No printer is set up for the %(station)s: ask a supervisor to add one.",
                             station=station_key))
    raise DomainError(_l("No printer is set up: ask a supervisor to add one."))
