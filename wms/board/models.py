"""Carrier cut-offs: the time each carrier (or one of its services) collects on each weekday, and the days it
does not collect at all. Kept as plain strings of the carrier's code, as orders carry them."""
from datetime import date, time

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class CarrierCutoff(db.Model):
    """Orders for `carrier` (and `service`, or every service of it when empty) must be handed over before
    `cutoff` on `weekday` (0 = Monday) to leave that day."""

    __tablename__ = "carrier_cutoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(String(40), index=True)
    service: Mapped[str] = mapped_column(String(40), default="")  # "" = every service of the carrier
    weekday: Mapped[int] = mapped_column()
    cutoff: Mapped[time] = mapped_column()

    __table_args__ = (
        UniqueConstraint("carrier", "service", "weekday", name="uq_carrier_cutoffs_carrier_service_weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_in_week"),
    )


class CarrierHoliday(db.Model):
    """A day with no collection: for one carrier, or for every carrier when `carrier` is empty."""

    __tablename__ = "carrier_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(index=True)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(80), default="")

    __table_args__ = (UniqueConstraint("on", "carrier", name="uq_carrier_holidays_on_carrier"),)
