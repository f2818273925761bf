"""The print queue: queue a label in the caller's transaction, send it once the transaction commits,
retry what never reached the printer, and leave to a person what may have.

Delivery is at-most-once for a label that may already be on the printer, at-least-once for a label
that certainly is not:

- A job is claimed before it is sent (queued -> sending, one conditional UPDATE, and on PostgreSQL a
  `FOR UPDATE SKIP LOCKED` pick), so two senders never send the same job.
- A failure that happened before any byte could reach the printer (connection refused or not
  answered, unknown host, CUPS refused, folder not writable) puts the job back in the queue with
  exponential backoff: a printer that is off loses nothing.
- A failure once the job was being handed over (the printer stalled or dropped the connection
  mid-job, CUPS took too long), or a sender that died while sending, marks the job failed with the
  error and never resends it by itself. A duplicate label is the worse mistake in a warehouse: a
  second SSCC or LPN label ends up on the wrong pallet unnoticed, while a missing label is noticed
  by the person standing at the printer, who presses "Retry" or "Reprint".
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from printers import kinds as label_kinds
from printers.transports import send
from printers.zpl import SIZES, available_sizes, render_label

from .. import audit, uow
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..messages import LabelQueued
from ..uow import use_case
from . import rules
from .models import JobStatus, Printer, PrinterAssignment, PrintJob

__all__ = [
    "KINDS",
    "DrainResult",
    "assign_printer",
    "choose_printer",
    "create_printer",
    "drain",
    "queue_label",
    "recover_stale",
    "reprint",
    "retry",
    "send_job",
    "setting",
    "unassign_printer",
    "update_printer",
]

log = logging.getLogger(__name__)

KINDS = tuple(label_kinds.BUILDERS)
DPIS = (203, 300)
MAX_COPIES = 100


# --- printers and assignments ------------------------------------------------------------------------


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


def choose_printer(station: str | None = None, kind: str = "", printer_name: str | None = None) -> Printer:
    """The explicit printer, else the default for (station, kind), the station, the kind, the warehouse."""
    if printer_name:
        printer = db.session.scalar(select(Printer).where(Printer.name == printer_name.strip()))
        if printer is None:
            raise NotFound(_l("There is no printer called %(name)s.", name=printer_name))
        if not printer.active:
            raise DomainError(_l("Printer %(name)s is switched off in the WMS: choose another or ask a "
                                 "supervisor to turn it back on.", name=printer.name))
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


# --- queueing -----------------------------------------------------------------------------------------


def render_for(printer: Printer, kind: str, data: Mapping[str, Any]) -> str:
    """The label's ZPL at the printer's resolution and label size (LabelDataError for bad data)."""
    if kind in KINDS and printer.label_size not in available_sizes(kind):
        raise DomainError(
            _l("Printer %(printer)s holds %(size)s labels but the %(kind)s label comes in %(sizes)s: "
               "assign a printer with that size to %(kind)s labels.", printer=printer.name,
               size=printer.label_size, kind=kind, sizes=", ".join(available_sizes(kind)))
        )
    return render_label(kind, data, dpi=printer.dpi, size=printer.label_size)


@use_case
def queue_label(kind: str, data: dict, *, station: str | None = None, printer_name: str | None = None,
                user_id: int | None = None, copies: int = 1, reference: str | None = None) -> int:
    """Queue one label in the caller's transaction (no commit) and return the job's id.

    The ZPL is rendered now, so bad data raises LabelDataError in the caller's transaction. Once that
    transaction commits, the job is sent right away (outside it; a failure leaves the job queued or
    failed and never reaches the caller); the print worker takes what is left.
    """
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise DomainError(_l("Print from 1 to %(most)s copies.", most=MAX_COPIES))
    station_key = rules.normalize_station(station)
    printer = choose_printer(station_key, kind, printer_name)
    zpl = render_for(printer, kind, data)
    job = PrintJob(
        kind=kind,
        reference=(reference or rules.reference_of(kind, data))[:80],
        printer_id=printer.id,
        station=station_key or None,
        zpl=zpl,
        copies=copies,
        user_id=user_id if user_id is not None else audit.current_user_id(),
        next_attempt_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    send_after_commit(job.id)
    return job.id


def send_after_commit(job_id: int) -> None:
    """Send the job once the current unit of work commits (nothing if it rolls back)."""
    uow.publish(LabelQueued(job_id))


def on_label_queued(event: LabelQueued) -> None:
    """After-commit handler: a committed job goes to its printer now; the worker takes what fails."""
    if setting("WMS_PRINT_IMMEDIATE", True):
        send_now([event.job_id])


def send_now(job_ids: Iterable[int]) -> None:
    """Try each job once, in its own short transactions; a printer that fails is not tried again here."""
    skip: set[int] = set()
    for job_id in job_ids:
        outcome = send_job(job_id, skip_printers=skip)
        if outcome is not None and outcome.retrying:
            skip.add(outcome.printer_id)


# --- sending ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    job_id: int
    printer_id: int
    status: str
    error: str | None = None

    @property
    def retrying(self) -> bool:
        return self.status == JobStatus.QUEUED and self.error is not None


def setting(name: str, default):
    """An app setting, else the environment variable of the same name, else the default.

    WMS_PRINT_TIMEOUT (s, 3), WMS_PRINT_IMMEDIATE (send right after commit, on), WMS_PRINT_BACKOFF_FIRST
    (s, 5), WMS_PRINT_BACKOFF_MAX (s, 300), WMS_PRINT_MAX_ATTEMPTS (50, about 4 hours of a printer off).
    """
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None:
        return default
    if isinstance(default, bool) and isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return value


def _claim(session: Session, job_id: int | None, skip_printers: Iterable[int]) -> tuple[int, int, str, bytes] | None:
    """Take one due job (this one, or the oldest due) for this sender: queued -> sending, committed.

    Returns (job id, printer id, printer url, payload), or None when there is nothing to take.
    """
    now = utcnow()
    while True:
        query = (
            select(PrintJob.id)
            .join(Printer, Printer.id == PrintJob.printer_id)
            .where(PrintJob.status == JobStatus.QUEUED.value, PrintJob.next_attempt_at <= now,
                   Printer.active.is_(True))
            .order_by(PrintJob.next_attempt_at, PrintJob.id)
            .limit(1)
            # PostgreSQL: a job another sender is claiming is skipped, not waited for.
            .with_for_update(skip_locked=True, of=PrintJob)
        )
        if job_id is not None:
            query = query.where(PrintJob.id == job_id)
        skip = list(skip_printers)
        if skip:
            query = query.where(PrintJob.printer_id.not_in(skip))
        found = session.scalar(query)
        if found is None:
            session.rollback()
            return None
        claimed = session.execute(
            update(PrintJob)
            .where(PrintJob.id == found, PrintJob.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.SENDING.value, claimed_at=now, attempts=PrintJob.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:  # someone else took it between our read and our write
            session.rollback()
            if job_id is not None:
                return None
            continue
        job = session.get(PrintJob, found)
        session.refresh(job)
        claim = (job.id, job.printer_id, job.printer.url, job.payload)
        session.commit()
        return claim


def _finish(session: Session, job_id: int, **values) -> None:
    session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.status == JobStatus.SENDING.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def send_job(job_id: int | None = None, *, skip_printers: Iterable[int] = ()) -> Outcome | None:
    """Claim one due job (`job_id`, or the oldest due) and send it. None when there was none to claim.

    Runs in its own sessions, never in the caller's transaction, and never raises for a printer problem.
    """
    timeout = float(setting("WMS_PRINT_TIMEOUT", 3.0))
    with Session(db.engine, expire_on_commit=False) as session:
        claim = _claim(session, job_id, skip_printers)
        if claim is None:
            return None
        claimed_id, printer_id, url, payload = claim
        try:
            send(url, payload, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
            return _record_failure(session, claimed_id, printer_id, exc)
        _finish(session, claimed_id, status=JobStatus.SENT.value, sent_at=utcnow(), last_error=None)
        log.info("print job %s sent", claimed_id)
        return Outcome(claimed_id, printer_id, JobStatus.SENT.value)


def _record_failure(session: Session, job_id: int, printer_id: int, exc: Exception) -> Outcome:
    message = str(exc) or type(exc).__name__
    if not isinstance(exc, DomainError):
        log.exception("print job %s: unexpected error while sending", job_id)
    attempts = session.scalar(select(PrintJob.attempts).where(PrintJob.id == job_id)) or 1
    if rules.may_have_printed(exc):
        note = str(_l("The printer may have printed it: check before you retry."))
        error = f"{message} {note}"[:500]
        _finish(session, job_id, status=JobStatus.FAILED.value, last_error=error)
        log.warning("print job %s failed after it was handed over: %s", job_id, message)
        return Outcome(job_id, printer_id, JobStatus.FAILED.value, error)
    most = int(setting("WMS_PRINT_MAX_ATTEMPTS", 50))
    if attempts >= most:
        note = str(_l("Gave up after %(attempts)s attempts.", attempts=attempts))
        error = f"{message} {note}"[:500]
        _finish(session, job_id, status=JobStatus.FAILED.value, last_error=error)
        return Outcome(job_id, printer_id, JobStatus.FAILED.value, error)
    wait = rules.backoff(attempts, float(setting("WMS_PRINT_BACKOFF_FIRST", rules.BACKOFF_FIRST_S)),
                         float(setting("WMS_PRINT_BACKOFF_MAX", rules.BACKOFF_MAX_S)))
    _finish(session, job_id, status=JobStatus.QUEUED.value, last_error=message[:500],
            next_attempt_at=utcnow() + wait, claimed_at=None)
    log.info("print job %s not delivered (%s); next attempt in %s", job_id, message, wait)
    return Outcome(job_id, printer_id, JobStatus.QUEUED.value, message)


@dataclass
class DrainResult:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


def drain(limit: int | None = None) -> DrainResult:
    """Send every job that is due now, oldest first. A printer that fails is left for the next pass."""
    result = DrainResult()
    skip: set[int] = set()
    while limit is None or result.count < limit:
        outcome = send_job(skip_printers=skip)
        if outcome is None:
            break
        if outcome.status == JobStatus.SENT:
            result.sent.append(outcome.job_id)
        elif outcome.retrying:
            result.retrying.append(outcome.job_id)
            skip.add(outcome.printer_id)
        else:
            result.failed.append(outcome.job_id)
    return result


def recover_stale(older_than: timedelta | None = None) -> int:
    """Jobs left 'sending' by a sender that died: failed, for a person to check (they may have printed)."""
    if older_than is None:
        older_than = timedelta(seconds=max(60.0, 4 * float(setting("WMS_PRINT_TIMEOUT", 3.0))))
    error = str(_l("The sender stopped while sending this label: check the printer before you retry."))
    with Session(db.engine) as session:
        count = session.execute(
            update(PrintJob)
            .where(PrintJob.status == JobStatus.SENDING.value, PrintJob.claimed_at < utcnow() - older_than)
            .values(status=JobStatus.FAILED.value, last_error=error)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
    return count


def next_due_in(default: float) -> float:
    """Seconds until the next queued job is due (at most `default`), for the worker's sleep."""
    with Session(db.engine) as session:
        due = session.scalar(
            select(PrintJob.next_attempt_at)
            .join(Printer, Printer.id == PrintJob.printer_id)
            .where(PrintJob.status == JobStatus.QUEUED.value, Printer.active.is_(True))
            .order_by(PrintJob.next_attempt_at)
            .limit(1)
        )
    if due is None:
        return default
    return max(0.0, min(default, (due - utcnow()).total_seconds()))


# --- the desk's actions on jobs -----------------------------------------------------------------------


def get_job(job_id: int) -> PrintJob:
    return get_or_not_found(PrintJob, job_id, _l("That print job does not exist."))


@use_case
def reprint(job_id: int, *, printer_id: int | None = None, user_id: int | None = None) -> int:
    """A new job with the same label, on the same printer or another of the same resolution and size."""
    job = get_job(job_id)
    printer = job.printer if printer_id is None else get_printer(printer_id)
    if not printer.active:
        raise DomainError(_l("Printer %(name)s is switched off in the WMS: choose another or ask a "
                             "supervisor to turn it back on.", name=printer.name))
    if (printer.dpi, printer.label_size) != (job.printer.dpi, job.printer.label_size):
        raise DomainError(_l("This label was made for %(dpi)s dpi %(size)s labels: choose a printer like that.",
                             dpi=job.printer.dpi, size=job.printer.label_size))
    copy = PrintJob(kind=job.kind, reference=job.reference, printer_id=printer.id, station=job.station,
                    zpl=job.zpl, copies=job.copies, reprint_of_id=job.id, next_attempt_at=utcnow(),
                    user_id=user_id if user_id is not None else audit.current_user_id())
    db.session.add(copy)
    db.session.flush()
    audit.record("print.reprint", copy, user_id=user_id, of=job.id, printer=printer.name)
    send_after_commit(copy.id)
    return copy.id


@use_case
def retry(job_id: int, *, user_id: int | None = None) -> PrintJob:
    """Send a failed job again (a person checked the printer), or a waiting one now rather than later."""
    job = get_job(job_id)
    if job.status not in (JobStatus.FAILED, JobStatus.QUEUED):
        raise DomainError(_l("Job %(id)s is %(status)s: only a failed or waiting job can be retried; "
                             "reprint it instead.", id=job.id, status=job.status))
    job.status = JobStatus.QUEUED.value
    job.next_attempt_at = utcnow()
    job.claimed_at = None
    audit.record("print.retry", job, user_id=user_id, attempts=job.attempts, last_error=job.last_error)
    send_after_commit(job.id)
    return job


# --- printing a record by its code (desk, handheld, command line) -------------------------------------


@use_case
def print_record(kind: str, ref: str, *, station: str | None = None, printer_name: str | None = None,
                 user_id: int | None = None, copies: int = 1, scan_id: str | None = None) -> int:
    """Queue the label of a location, product, lot or LPN, commit, and return the job's id.

    The commit sends it at once; look at the job afterwards to tell the person how it went. A handheld's
    resent tap (same scan_id) gets the first job back instead of a second label.
    """
    from .. import idempotency
    from .sources import label_data

    earlier = idempotency.replay(scan_id, "print.label")
    if earlier is not None:
        return int(earlier["job_id"])
    job_id = queue_label(kind, label_data(kind, ref), station=station, printer_name=printer_name,
                         user_id=user_id, copies=copies)
    idempotency.remember(scan_id, "print.label", {"job_id": job_id}, user_id)
    return job_id


def job_message(job: PrintJob) -> tuple[bool, str]:
    """(good news?, what to tell the person who asked for the label)."""
    name = job.printer.name
    if job.status == JobStatus.SENT:
        return True, str(_l("Label sent to %(printer)s.", printer=name))
    if job.status == JobStatus.QUEUED and job.last_error:
        return False, str(_l("Printer %(printer)s did not take the label: %(error)s The label is kept and "
                             "prints when the printer is back.", printer=name, error=job.last_error))
    if job.status in (JobStatus.QUEUED, JobStatus.SENDING):
        return True, str(_l("Label queued for %(printer)s.", printer=name))
    return False, str(_l("The label may not have printed on %(printer)s: %(error)s", printer=name,
                         error=job.last_error or ""))


@use_case
def print_test_label(printer_id: int, *, user_id: int | None = None) -> int:
    """A short location label on one printer, sent now: is it on, loaded and reachable?"""
    printer = get_printer(printer_id)
    kind = "location" if printer.label_size in available_sizes("location") else "product"
    data = {"code": "TEST-PRINT"} if kind == "location" else {"name": "Test print", "sku": "TEST-PRINT"}
    job_id = queue_label(kind, data, printer_name=printer.name, user_id=user_id, reference="test")
    audit.record("printer.test", printer, user_id=user_id, job=job_id)
    return job_id
