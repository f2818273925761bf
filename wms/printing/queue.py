"""The print queue seen from the warehouse: queue a label in the caller's transaction, reprint, retry, and
tell the person who asked how their label is doing.

Queueing never contacts a printer. The job is a row written in the caller's unit of work; once that unit
commits, the LabelQueued event hands it to the sender (sender.py), off the request path. A screen that
asked for a label answers "queued" and then looks at the job (job_state) until it is settled.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from printers.zpl import available_sizes, render_label

from .. import audit, idempotency, uow
from ..dbtypes import utcnow
from ..errors import DomainError, get_or_not_found
from ..extensions import db
from ..formatting import lazy_number
from ..messages import LabelQueued
from ..uow import use_case
from . import rules
from .models import JobStatus, Printer, PrintJob
from .printers import KINDS, choose_printer, get_printer, switched_off

MAX_COPIES = 100


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
    """Queue one label in the caller's transaction and return the job's id.

    The ZPL is rendered now, so bad data raises LabelDataError in the caller's transaction. Once that
    transaction commits, the sender sends the job (never inside it; a failure leaves the job queued or
    failed and never reaches the caller); the print worker takes what is left.
    """
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise DomainError(_l("Print from 1 to %(most)s copies.", most=lazy_number(MAX_COPIES)))
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


def get_job(job_id: int) -> PrintJob:
    return get_or_not_found(PrintJob, job_id, _l("That print job does not exist."))


@use_case
def reprint(job_id: int, *, printer_id: int | None = None, user_id: int | None = None) -> int:
    """A new job with the same label, on the same printer or another of the same resolution and size."""
    job = get_job(job_id)
    printer = job.printer if printer_id is None else get_printer(printer_id)
    if not printer.active:
        raise switched_off(printer)
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
                 user_id: int | None = None, copies: int = 1) -> int:
    """Queue the label of a location, product, lot or LPN and return the job's id.

    It is sent once the caller's unit of work commits; look at the job (job_state) to tell the person how
    it went.
    """
    from .sources import label_data

    return queue_label(kind, label_data(kind, ref), station=station, printer_name=printer_name,
                       user_id=user_id, copies=copies)


@use_case
@idempotency.by_scan_id("print.label")
def print_scanned(kind: str, ref: str, *, station: str | None = None, printer_name: str | None = None,
                  user_id: int | None = None, copies: int = 1) -> dict:
    """A handheld's print tap or last scan: {"job_id": ...}. A resent one (same scan_id) gets the first job
    back instead of a second label."""
    return {"job_id": print_record(kind, ref, station=station, printer_name=printer_name, user_id=user_id,
                                   copies=copies)}


@use_case
def print_test_label(printer_id: int, *, user_id: int | None = None) -> int:
    """A short location label on one printer, sent once committed: is it on, loaded and reachable?"""
    printer = get_printer(printer_id)
    kind = "location" if printer.label_size in available_sizes("location") else "product"
    data = {"code": "TEST-PRINT"} if kind == "location" else {"name": "Test print", "sku": "TEST-PRINT"}
    job_id = queue_label(kind, data, printer_name=printer.name, user_id=user_id, reference="test")
    audit.record("printer.test", printer, user_id=user_id, job=job_id)
    return job_id


# --- how a job is doing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobState:
    """What to tell the person who asked for the label. `pending`: the sender has not settled it yet, so a
    screen asks again in a moment; `ok`: good news (or no news yet)."""

    ok: bool
    message: str
    pending: bool


def job_state(job: PrintJob) -> JobState:
    name = job.printer.name
    if job.status == JobStatus.SENT:
        return JobState(True, str(_l("Label sent to %(printer)s.", printer=name)), False)
    waiting = job.status == JobStatus.QUEUED and job.last_error and job.next_attempt_at > utcnow()
    if waiting:  # the printer did not take it; the sender tries again after its backoff
        return JobState(False, str(_l("Printer %(printer)s did not take the label: %(error)s The label is kept "
                                      "and prints when the printer is back.", printer=name,
                                      error=job.last_error)), False)
    if job.status in (JobStatus.QUEUED, JobStatus.SENDING):
        return JobState(True, str(_l("Label queued for %(printer)s.", printer=name)), True)
    return JobState(False, str(_l("The label may not have printed on %(printer)s: %(error)s", printer=name,
                                  error=job.last_error or "")), False)


def job_message(job: PrintJob) -> tuple[bool, str]:
    """(good news?, what to tell the person who asked for the label)."""
    state = job_state(job)
    return state.ok, state.message
