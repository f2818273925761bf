"""Use cases of the carrier cut-off table: set a carrier's (or service's) cut-off on some weekdays, remove one,
add and remove a day without collection. Each is audited. Carriers and services are the shipping area's
(wms/shipping/models.py Carrier / CarrierService), named by their codes."""
from __future__ import annotations

from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..errors import DomainError, NotFound
from ..extensions import db
from ..shipping.models import Carrier, CarrierService
from ..uow import use_case
from .models import CarrierCutoff, CarrierHoliday

MAX_CODE = 40


def _code(text: str | None, what, *, required: bool) -> str:
    code = (text or "").strip().lower()
    if required and not code:
        raise DomainError(_l("Type the %(what)s code.", what=what))
    if len(code) > MAX_CODE:
        raise DomainError(_l("A %(what)s code has at most %(max)s characters.", what=what, max=MAX_CODE))
    return code


def carrier_choices() -> list[tuple[Carrier, list[CarrierService]]]:
    """The shipping area's active carriers with their active services, for the forms' choices."""
    carriers = db.session.scalars(select(Carrier).where(Carrier.active.is_(True)).order_by(Carrier.name)).all()
    return [(c, sorted((s for s in c.services if s.active), key=lambda s: s.name)) for c in carriers]


def _known_carrier(code: str) -> Carrier:
    carrier = db.session.scalar(select(Carrier).where(func.lower(Carrier.code) == code))
    if carrier is None:
        raise DomainError(_l("Choose a carrier of the shipping setup (%(code)s is not one).", code=code))
    return carrier


def _known_service(carrier: Carrier, code: str) -> str:
    for service in carrier.services:
        if code in {service.code.lower(), service.name.strip().lower(), (service.symbol or "").lower()}:
            return service.code.lower()
    raise DomainError(_l("%(carrier)s has no service %(code)s.", carrier=carrier.name, code=code))


@use_case
def set_cutoff(carrier: str, service: str | None, weekdays: list[int], at: time) -> list[CarrierCutoff]:
    """The carrier (service) collects at `at` on each of `weekdays` (0 = Monday); an existing cut-off of the
    same carrier, service and weekday is replaced."""
    carrier_code = _code(carrier, _l("carrier"), required=True)
    known = _known_carrier(carrier_code)
    service_code = _code(service, _l("service"), required=False)
    if service_code:
        service_code = _known_service(known, service_code)
    if not weekdays or any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        raise DomainError(_l("Choose at least one weekday."))
    saved = []
    for weekday in sorted(set(weekdays)):
        row = db.session.scalar(select(CarrierCutoff).where(
            CarrierCutoff.carrier == carrier_code, CarrierCutoff.service == service_code,
            CarrierCutoff.weekday == weekday))
        if row is None:
            row = CarrierCutoff(carrier=carrier_code, service=service_code, weekday=weekday, cutoff=at)
            db.session.add(row)
        row.cutoff = at
        saved.append(row)
    db.session.flush()
    audit.record("carrier_cutoff.set", None, carrier=carrier_code, service=service_code,
                 weekdays=sorted(set(weekdays)), at=at.strftime("%H:%M"))
    return saved


@use_case
def remove_cutoff(cutoff_id: int) -> None:
    row = db.session.get(CarrierCutoff, cutoff_id)
    if row is None:
        raise NotFound(_l("That cut-off does not exist any more."))
    audit.record("carrier_cutoff.remove", row, carrier=row.carrier, service=row.service, weekday=row.weekday)
    db.session.delete(row)


@use_case
def add_holiday(on: date, carrier: str | None, name: str | None) -> CarrierHoliday:
    carrier_code = _code(carrier, _l("carrier"), required=False)
    if carrier_code:
        _known_carrier(carrier_code)
    name = (name or "").strip()[:80]
    if db.session.scalar(select(CarrierHoliday).where(CarrierHoliday.on == on,
                                                      CarrierHoliday.carrier == carrier_code)):
        raise DomainError(_l("%(day)s is already a day without collection.", day=on.isoformat()))
    row = CarrierHoliday(on=on, carrier=carrier_code, name=name)
    db.session.add(row)
    db.session.flush()
    audit.record("carrier_holiday.add", row, on=on.isoformat(), carrier=carrier_code, name=name)
    return row


@use_case
def remove_holiday(holiday_id: int) -> None:
    row = db.session.get(CarrierHoliday, holiday_id)
    if row is None:
        raise NotFound(_l("That day does not exist any more."))
    audit.record("carrier_holiday.remove", row, on=row.on.isoformat(), carrier=row.carrier)
    db.session.delete(row)
