"""The sender: takes committed print jobs to their printers, in sessions of its own, never in a caller's
transaction.

Delivery is at-most-once for a label that may already be on the printer, at-least-once for a label
that certainly is not:

- A job is claimed before it is sent (queued -> sending, one conditional UPDATE, and on PostgreSQL a
  `FOR UPDATE SKIP LOCKED` pick), and the claim is committed at once (a `uow.separately()` block of its
  own; the outcome is another), so two senders never send the same job.
- A failure that happened before any byte could reach the printer (connection refused or not
  answered, unknown host, CUPS refused, folder not writable) puts the job back in the queue with
  exponential backoff: a printer that is off loses nothing.
- A failure once the job was being handed over (the printer stalled or dropped the connection
  mid-job, CUPS took too long), or a sender that died while sending, marks the job failed with the
  error and never resends it by itself. A duplicate label is the worse mistake in a warehouse: a
  second SSCC or LPN label ends up on the wrong pallet unnoticed, while a missing label is noticed
  by the person standing at the printer, who presses "Retry" or "Reprint".

Who sends
- After a request commits a job (LabelQueued), `on_label_queued` hands it to this process's background
  sender thread: the answer goes back to the screen at once and an unreachable printer never adds its
  timeout to a request. The screen then shows the job's state (queue.job_state) until it is settled.
- Outside a request (a CLI command, a script, the worker) nobody waits on a screen: the job is sent right
  after the commit, in the same thread, so `wms label` can say how it went.
- `wms worker` drains what is left (the printer was off, the process stopped before sending).
"""
from __future__ import annotations

import logging
import os
import queue as queues
import threading
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from printers.transports import send

from .. import uow
from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..messages import LabelQueued
from ..tally import Tally
from . import rules
from .models import JobStatus, Printer, PrintJob

log = logging.getLogger(__name__)


def setting(name: str, default):
    """An app setting, else the environment variable of the same name, else the default.

    WMS_PRINT_TIMEOUT (s, 3), WMS_PRINT_IMMEDIATE (send right after commit, on), WMS_PRINT_BACKOFF_FIRST
    (s, 5), WMS_PRINT_BACKOFF_MAX (s, 300), WMS_PRINT_MAX_ATTEMPTS (50, about 4 hours of a printer off),
    WMS_PRINT_SENDER (how a request's jobs are sent: "background", the only choice in production; tests
    may say "inline" and get it unless they ask for "background").
    """
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None:
        return default
    if isinstance(default, bool) and isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return value


# --- after the commit ---------------------------------------------------------------------------------


def on_label_queued(event: LabelQueued) -> None:
    """After-commit handler: a committed job goes to its printer now, off the request path when there is
    a request; the worker takes what fails."""
    if not setting("WMS_PRINT_IMMEDIATE", True):
        return
    if has_request_context() and _sends_in_background():
        background().submit(event.job_id, str(get_locale() or ""))
    else:
        send_now([event.job_id])


def _sends_in_background() -> bool:
    """Production always sends a request's jobs in the background. A test may send them inline, in the
    request's thread after its commit (deterministic, no thread), by setting WMS_PRINT_SENDER = "inline";
    the test suite's default is inline, and the printing tests ask for "background"."""
    if not current_app.testing:
        return True
    return setting("WMS_PRINT_SENDER", "inline") != "inline"


def send_now(job_ids: Iterable[int]) -> None:
    """Try each job once, in its own short transactions; a printer that fails is not tried again here."""
    skip: set[int] = set()
    for job_id in job_ids:
        outcome = send_job(job_id, skip_printers=skip)
        if outcome is not None and outcome.retrying:
            skip.add(outcome.printer_id)


class BackgroundSender:
    """One daemon thread per process (started on the first job, so after a server forks its workers) that
    sends the jobs requests committed. A job it never gets to (the process stopped) stays queued for the
    print worker; one it was sending is failed by `recover_stale`, for a person to check."""

    def __init__(self, app) -> None:
        self.app = app
        self.jobs: queues.Queue[tuple[int, str] | None] = queues.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job_id: int, locale: str = "") -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="wms-print-sender", daemon=True)
                self._thread.start()
            self.jobs.put((job_id, locale))

    def stop(self, timeout: float = 30.0) -> None:
        """Send what was submitted, then end the thread (tests; a server's shutdown)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self.jobs.put(None)
        thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch = [self.jobs.get()]
            while batch[-1] is not None:  # whatever else is waiting goes in the same pass
                try:
                    batch.append(self.jobs.get_nowait())
                except queues.Empty:
                    break
            with self.app.app_context():
                self._send([item for item in batch if item is not None])
            if batch[-1] is None:
                return

    @staticmethod
    def _send(batch: list[tuple[int, str]]) -> None:
        skip: set[int] = set()  # a printer that failed once in this pass is left for the worker
        for job_id, locale in batch:
            try:
                # The job's messages (a printer's error) in the language of the person who asked.
                with force_locale(locale) if locale else nullcontext():
                    outcome = send_job(job_id, skip_printers=skip)
            except Exception:  # noqa: BLE001 - the worker takes the job; this thread must live on
                log.exception("print job %s: the background sender failed", job_id)
                continue
            if outcome is not None and outcome.retrying:
                skip.add(outcome.printer_id)
        db.session.remove()


def background() -> BackgroundSender:
    """This process's background sender for the current app."""
    app = current_app._get_current_object()  # noqa: SLF001 - the thread needs the app itself
    sender = app.extensions.get("wms.print_sender")
    if sender is None:
        sender = app.extensions.setdefault("wms.print_sender", BackgroundSender(app))
    return sender


def stop_background(app) -> None:
    """Stop the app's background sender, if it has one, once it has sent what it was given."""
    sender = app.extensions.get("wms.print_sender")
    if sender is not None:
        sender.stop()


# --- claiming and sending one job ---------------------------------------------------------------------


@dataclass
class Outcome:
    job_id: int
    printer_id: int
    status: str
    error: str | None = None

    @property
    def retrying(self) -> bool:
        return self.status == JobStatus.QUEUED and self.error is not None


@dataclass(frozen=True)
class _Claim:
    job_id: int
    printer_id: int
    url: str
    payload: bytes
    attempts: int


def _claim(job_id: int | None, skip_printers: Iterable[int]) -> _Claim | None:
    """Take one due job (this one, or the oldest due) for this sender: queued -> sending, committed at once
    (its own `uow.separately()` block), so that no other sender takes the job while its bytes are on the wire
    and a sender that dies after this leaves it 'sending' for `recover_stale`. None when there is nothing to
    take."""
    skip = list(skip_printers)
    while True:
        with uow.separately() as session:
            now = utcnow()
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
            if skip:
                query = query.where(PrintJob.printer_id.not_in(skip))
            found = session.scalar(query)
            if found is None:
                return None
            # SQLite has no row locks: the claim is this conditional UPDATE, which only one sender can win.
            claimed = session.execute(
                update(PrintJob)
                .where(PrintJob.id == found, PrintJob.status == JobStatus.QUEUED.value)
                .values(status=JobStatus.SENDING.value, claimed_at=now, attempts=PrintJob.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed == 1:
                job = session.get(PrintJob, found)  # a fresh session: read as claimed
                return _Claim(job.id, job.printer_id, job.printer.url, job.payload, job.attempts)
        # someone else took it between our read and our write (nothing was written)
        if job_id is not None:
            return None


def _finish(job_id: int, **values) -> None:
    """Record how a claimed job ended, in a short transaction of its own."""
    with uow.separately() as session:
        session.execute(
            update(PrintJob)
            .where(PrintJob.id == job_id, PrintJob.status == JobStatus.SENDING.value)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def send_job(job_id: int | None = None, *, skip_printers: Iterable[int] = ()) -> Outcome | None:
    """Claim one due job (`job_id`, or the oldest due) and send it. None when there was none to claim.

    Three steps, never in the caller's transaction: the claim (committed), the send (no transaction open),
    the outcome (committed). Never raises for a printer problem.
    """
    timeout = float(setting("WMS_PRINT_TIMEOUT", 3.0))
    claim = _claim(job_id, skip_printers)
    if claim is None:
        return None
    try:
        send(claim.url, claim.payload, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        return _record_failure(claim, exc)
    _finish(claim.job_id, status=JobStatus.SENT.value, sent_at=utcnow(), last_error=None)
    log.info("print job %s sent", claim.job_id)
    return Outcome(claim.job_id, claim.printer_id, JobStatus.SENT.value)


def _record_failure(claim: _Claim, exc: Exception) -> Outcome:
    job_id, printer_id, attempts = claim.job_id, claim.printer_id, claim.attempts
    message = str(exc) or type(exc).__name__
    if not isinstance(exc, DomainError):
        log.exception("print job %s: unexpected error while sending", job_id)
    if rules.may_have_printed(exc):
        note = str(_l("The printer may have printed it: check before you retry."))
        error = f"{message} {note}"[:500]
        _finish(job_id, status=JobStatus.FAILED.value, last_error=error)
        log.warning("print job %s failed after it was handed over: %s", job_id, message)
        return Outcome(job_id, printer_id, JobStatus.FAILED.value, error)
    most = int(setting("WMS_PRINT_MAX_ATTEMPTS", 50))
    if attempts >= most:
        note = str(_l("Gave up after %(attempts)s attempts.", attempts=attempts))
        error = f"{message} {note}"[:500]
        _finish(job_id, status=JobStatus.FAILED.value, last_error=error)
        return Outcome(job_id, printer_id, JobStatus.FAILED.value, error)
    wait = rules.backoff(attempts, float(setting("WMS_PRINT_BACKOFF_FIRST", rules.BACKOFF_FIRST_S)),
                         float(setting("WMS_PRINT_BACKOFF_MAX", rules.BACKOFF_MAX_S)))
    _finish(job_id, status=JobStatus.QUEUED.value, last_error=message[:500],
            next_attempt_at=utcnow() + wait, claimed_at=None)
    log.info("print job %s not delivered (%s); next attempt in %s", job_id, message, wait)
    return Outcome(job_id, printer_id, JobStatus.QUEUED.value, message)


# --- the print worker's passes ------------------------------------------------------------------------


def drain(limit: int | None = None) -> Tally:
    """Send every job that is due now, oldest first. A printer that fails is left for the next pass."""
    result = Tally()
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
    with uow.separately() as session:
        return session.execute(
            update(PrintJob)
            .where(PrintJob.status == JobStatus.SENDING.value, PrintJob.claimed_at < utcnow() - older_than)
            .values(status=JobStatus.FAILED.value, last_error=error)
            .execution_options(synchronize_session=False)
        ).rowcount


def next_due_in(default: float) -> float:
    """Seconds until the next queued job is due (at most `default`), for the worker's sleep."""
    with uow.separately() as session:
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
