"""Printers, which printer serves which station and label kind, and the durable queue of print jobs."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by one sender; nobody else touches it
    SENT = "sent"  # the printer (or CUPS, or the folder) took the bytes
    FAILED = "failed"  # needs a person: the bytes may have reached the printer, or we gave up

    @property
    def label(self) -> str:
        """The status in words, for the screens."""
        return str(_JOB_STATUS_WORDS[self])


_JOB_STATUS_WORDS = {JobStatus.QUEUED: _l("queued"), JobStatus.SENDING: _l("sending"), JobStatus.SENT: _l("sent"),
                     JobStatus.FAILED: _l("failed")}


class Printer(db.Model):
    __tablename__ = "printers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # tcp://host:9100, cups://queue or file:///dir (printers.transports)
    url: Mapped[str] = mapped_column(String(300))
    dpi: Mapped[int] = mapped_column(default=203)
    label_size: Mapped[str] = mapped_column(String(10), default="100x150")
    place: Mapped[str] = mapped_column(String(120), default="")  # where it stands: "dock", "pack station 3"
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Printer {self.name}>"


class PrinterAssignment(db.Model):
    """The default printer of a station for one label kind, or for every kind when `kind` is "".

    Station "" means everywhere: ("", "") is the warehouse's default printer. Empty strings rather
    than NULLs so the unique constraint holds on every database.
    """

    __tablename__ = "printer_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    station: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(30), default="")
    printer_id: Mapped[int] = mapped_column(ForeignKey("printers.id"), index=True)

    printer: Mapped[Printer] = relationship()

    __table_args__ = (db.UniqueConstraint("station", "kind", name="uq_printer_assignments_station_kind"),)


class PrintJob(db.Model):
    """One label (times `copies`) for one printer. The ZPL is kept, so a reprint is the same label."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    reference: Mapped[str] = mapped_column(String(80), index=True)
    printer_id: Mapped[int] = mapped_column(ForeignKey("printers.id"), index=True)
    station: Mapped[str | None] = mapped_column(String(40))
    zpl: Mapped[str] = mapped_column(Text)
    copies: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reprint_of_id: Mapped[int | None] = mapped_column(ForeignKey("print_jobs.id"))

    printer: Mapped[Printer] = relationship()

    @property
    def payload(self) -> bytes:
        """The bytes the printer gets: the label once per copy (ZPL is sent as UTF-8, the label says ^CI28)."""
        return self.zpl.encode("utf-8") * self.copies

    def __repr__(self) -> str:
        return f"<PrintJob {self.id} {self.kind} {self.reference} {self.status}>"
