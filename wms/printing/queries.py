"""Read queries of the printing desk: printers, their open jobs, and the job list."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..auth.models import User
from ..extensions import db
from ..paging import Page
from .models import JobStatus, Printer, PrinterAssignment, PrintJob
from .printers import KINDS


def printers(active_only: bool = False) -> list[Printer]:
    query = select(Printer).order_by(Printer.name)
    if active_only:
        query = query.where(Printer.active.is_(True))
    return list(db.session.scalars(query))


def open_job_counts() -> dict[tuple[int, str], int]:
    """(printer id, status) -> how many jobs wait (queued) or need a person (failed)."""
    return {
        (printer_id, status): count
        for printer_id, status, count in db.session.execute(
            select(PrintJob.printer_id, PrintJob.status, func.count())
            .where(PrintJob.status.in_([JobStatus.QUEUED.value, JobStatus.FAILED.value]))
            .group_by(PrintJob.printer_id, PrintJob.status)
        )
    }


def assignments() -> list[PrinterAssignment]:
    return list(db.session.scalars(
        select(PrinterAssignment).order_by(PrinterAssignment.station, PrinterAssignment.kind)))


@dataclass
class JobPage:
    jobs: list[PrintJob]
    page: Page
    tallies: dict[str, int]
    names: dict[int, str]


def job_page(*, status: str, printer_id: int | None, kind: str, text: str, wanted: int) -> JobPage:
    query = select(PrintJob)
    if status in set(JobStatus):
        query = query.where(PrintJob.status == status)
    if printer_id:
        query = query.where(PrintJob.printer_id == printer_id)
    if kind in KINDS:
        query = query.where(PrintJob.kind == kind)
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(PrintJob.reference.ilike(pattern), PrintJob.station.ilike(pattern)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = Page.of(total, wanted)
    rows = list(db.session.scalars(query.order_by(PrintJob.id.desc()).limit(page.per_page).offset(page.offset)))
    tallies = dict(db.session.execute(select(PrintJob.status, func.count()).group_by(PrintJob.status)).all())
    names = dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_({row.user_id for row in rows if row.user_id}))).all())
    return JobPage(rows, page, tallies, names)


def printers_like(job: PrintJob) -> list[Printer]:
    """Active printers a reprint of the job may go to: the same resolution and label size."""
    return [p for p in printers(active_only=True) if (p.dpi, p.label_size) == (job.printer.dpi, job.printer.label_size)]


def user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None
