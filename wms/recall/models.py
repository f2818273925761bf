"""A recall: which lot (or serial), why, on whose reference, with what risk class."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Lot, Product
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class RiskClass(StrEnum):
    """RDC 625/2022: I death or serious harm, II temporary or reversible harm, III low probability of harm."""

    I = "I"  # noqa: E741  the regulation's own name
    II = "II"
    III = "III"


class Recall(db.Model):
    __tablename__ = "recalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    serial: Mapped[str | None] = mapped_column(String(20), index=True)
    risk_class: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(80))  # the holder's or Anvisa's
    holder: Mapped[str | None] = mapped_column(String(120))  # the registration holder
    reason: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
