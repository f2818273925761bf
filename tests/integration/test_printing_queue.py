"""The print queue against a real TCP listener on 127.0.0.1: exactly once when the printer is there,
nothing lost when it is off, never twice when it may have printed, and never twice across workers."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from printers.zpl import LabelDataError, render_label
from wms import uow
from wms.dbtypes import utcnow
from wms.errors import DomainError, NotFound
from wms.extensions import db
from wms.printing import rules, sender, services
from wms.printing.fakes import FakePrinter, silent_printer
from wms.printing.models import JobStatus, PrintJob
from wms.uow import unit_of_work

LOCATION = {"code": "A-01-01-1"}


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


@pytest.fixture
def fast_retries(app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_PRINT_BACKOFF_FIRST", 0.3)
    monkeypatch.setitem(app.config, "WMS_PRINT_TIMEOUT", 1.0)


@pytest.fixture
def no_immediate_send(app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_PRINT_IMMEDIATE", False)


def add_printer(url, name="ZB-DOCK", *, station="dock", kind="", size="100x50", dpi=203):
    printer = services.create_printer(name, url, label_size=size, dpi=dpi)
    if station is not None:
        services.assign_printer(station, kind, printer.id)
    return printer


def job(job_id) -> PrintJob:
    """The job as it is now, detached, with the test's transaction ended (on SQLite an open transaction
    holds the write lock the sender needs)."""
    db.session.rollback()
    row = db.session.get(PrintJob, job_id)
    db.session.expunge(row)
    db.session.rollback()
    return row


def drain():
    db.session.rollback()
    return services.drain()


def expected_bytes(data=LOCATION, kind="location", size="100x50"):
    return render_label(kind, data, size=size).encode()


# --- once, and only after commit ----------------------------------------------------------------------


def test_the_exact_job_arrives_once_after_commit(ctx, printer):
    add_printer(printer.url)
    with unit_of_work():
        job_id = services.queue_label("location", LOCATION, station="dock")
        assert db.session.get(PrintJob, job_id).status == JobStatus.QUEUED  # nothing sent before the commit
        assert printer.jobs == []
    assert printer.wait_for(1)
    assert drain().count == 0  # the worker finds nothing left to do
    time.sleep(0.2)
    assert printer.jobs == [expected_bytes()]
    sent = job(job_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at is not None and sent.reference == "A-01-01-1"


def test_copies_send_the_label_once_per_copy(ctx, printer):
    add_printer(printer.url)
    services.queue_label("location", LOCATION, station="dock", copies=3)
    db.session.commit()
    assert printer.wait_for(1)
    assert printer.jobs == [expected_bytes() * 3]


def test_a_transaction_that_rolls_back_sends_nothing(ctx, printer):
    add_printer(printer.url)
    with pytest.raises(RuntimeError), unit_of_work():
        services.queue_label("location", LOCATION, station="dock")
        raise RuntimeError("the use case failed after asking for its label")
    assert db.session.scalar(select(PrintJob.id)) is None
    assert drain().count == 0
    # The next transaction of the same session does not send the forgotten job either.
    services.create_printer("OTHER", "file:///tmp/wms-unused")
    time.sleep(0.2)
    assert printer.jobs == [] and printer.connections == 0


def test_bad_data_fails_in_the_callers_transaction(ctx, printer):
    add_printer(printer.url)
    with pytest.raises(LabelDataError, match="location label needs 'code'"):
        services.queue_label("location", {}, station="dock")
    db.session.rollback()
    assert db.session.scalar(select(PrintJob.id)) is None


def test_the_label_is_rendered_for_the_printers_resolution_and_size(ctx, printer):
    add_printer(printer.url, size="100x150", dpi=300)
    job_id = services.queue_label("location", LOCATION, station="dock")
    assert db.session.get(PrintJob, job_id).zpl == render_label("location", LOCATION, dpi=300, size="100x150")
    with pytest.raises(DomainError, match="holds 100x150 labels but the product label comes in 100x50, 50x25"):
        services.queue_label("product", {"name": "X", "sku": "X"}, station="dock")


def test_a_failed_immediate_send_never_reaches_the_caller(ctx, app, monkeypatch, printer):
    add_printer(printer.url)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sender, "send_now", broken)
    job_id = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()  # does not raise
    assert job(job_id).status == JobStatus.QUEUED
    drain()
    assert printer.wait_for(1)


# --- which printer ------------------------------------------------------------------------------------


def test_printer_choice_from_most_to_least_specific(ctx):
    names = {}
    for name in ("GLOBAL", "GLOBAL-LOT", "DOCK", "DOCK-LOT", "NAMED"):
        names[name] = services.create_printer(name, f"file:///tmp/wms-{name}").id
    services.assign_printer("", "", names["GLOBAL"])
    services.assign_printer("", "lot", names["GLOBAL-LOT"])
    services.assign_printer("dock", "", names["DOCK"])
    services.assign_printer("dock", "lot", names["DOCK-LOT"])

    def chosen(station, kind, name=None):
        return services.choose_printer(station, kind, name).name

    assert chosen("dock", "lot") == "DOCK-LOT"
    assert chosen("DOCK", "location") == "DOCK"
    assert chosen("packing", "lot") == "GLOBAL-LOT"
    assert chosen("packing", "location") == "GLOBAL"
    assert chosen(None, "location") == "GLOBAL"
    assert chosen("dock", "lot", "NAMED") == "NAMED"
    # A printer switched off in the WMS is passed over.
    services.update_printer(names["DOCK-LOT"], name="DOCK-LOT", url="file:///tmp/x", dpi=203,
                            label_size="100x150", place="", active=False)
    assert chosen("dock", "lot") == "DOCK"
    with pytest.raises(DomainError, match="Printer DOCK-LOT is switched off"):
        chosen("dock", "lot", "DOCK-LOT")
    with pytest.raises(NotFound, match="no printer called NOPE"):
        chosen("dock", "lot", "NOPE")


def test_no_printer_at_all_is_a_clear_message(ctx):
    with pytest.raises(DomainError, match="^No printer is set up for the dock: ask a supervisor to add one.$"):
        services.queue_label("location", LOCATION, station="dock")
    services.create_printer("UNASSIGNED", "file:///tmp/x")
    with pytest.raises(DomainError, match="^No printer is set up: ask a supervisor to add one.$"):
        services.queue_label("location", LOCATION)


# --- printer off, printer stalled ---------------------------------------------------------------------


def test_printer_off_then_on_the_job_waits_then_prints_once(ctx, fast_retries):
    port = FakePrinter.free_port()  # nothing listens: a printer that is off
    add_printer(f"tcp://127.0.0.1:{port}")
    job_id = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()
    waiting = job(job_id)
    assert waiting.status == JobStatus.QUEUED and waiting.attempts == 1
    assert "refused the connection" in waiting.last_error
    assert waiting.next_attempt_at > utcnow()
    assert drain().count == 0  # not due yet: backoff

    with FakePrinter(port) as printer:
        time.sleep(0.35)
        result = drain()
        assert result.sent == [job_id]
        assert printer.wait_for(1)
        assert drain().count == 0
        time.sleep(0.2)
        assert printer.jobs == [expected_bytes()]
    done = job(job_id)
    assert (done.status, done.attempts, done.last_error) == ("sent", 2, None)


def test_backoff_doubles_while_the_printer_stays_off(ctx, fast_retries):
    add_printer(f"tcp://127.0.0.1:{FakePrinter.free_port()}")
    job_id = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()
    waits = []
    for _attempt in range(3):
        row = job(job_id)
        waits.append((row.next_attempt_at - utcnow()).total_seconds())
        time.sleep(max(0.0, waits[-1]) + 0.05)
        drain()
    row = job(job_id)
    assert row.attempts == 4 and row.status == JobStatus.QUEUED
    # 0.3 s, 0.6 s, 1.2 s (minus the time the attempt took)
    assert 0.15 < waits[0] <= 0.3 and 0.45 < waits[1] <= 0.6 and 1.05 < waits[2] <= 1.2


def test_a_printer_that_never_answers_times_out_and_the_job_is_retried_with_backoff(ctx, fast_retries):
    # A listener that never accepts, with its backlog full: connecting times out, nothing was sent.
    with silent_printer() as port:
        if port is None:
            pytest.skip("the kernel kept accepting connections: cannot simulate a printer that is silent")
        add_printer(f"tcp://127.0.0.1:{port}")
        job_id = services.queue_label("location", LOCATION, station="dock")
        started = time.monotonic()
        db.session.commit()
        assert time.monotonic() - started < 3
        row = job(job_id)
        assert row.status == JobStatus.QUEUED and row.attempts == 1
        assert "did not answer within 1 s" in row.last_error
        assert timedelta(0) < row.next_attempt_at - utcnow() <= timedelta(seconds=0.3)
    with FakePrinter(port) as printer:
        time.sleep(0.35)
        assert drain().sent == [job_id]
        assert printer.wait_for(1)
        assert printer.jobs == [expected_bytes()]


def test_a_printer_that_stalls_mid_job_fails_the_job_and_it_is_not_resent_by_itself(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_PRINT_TIMEOUT", 0.5)
    # It answers the status query before the label (so the label is sent), then jams and stops reading.
    with FakePrinter(stall_after_status=True, receive_buffer=4096) as printer:
        target = add_printer(printer.url, station=None)
        # Large enough to fill every buffer between us and a printer that stopped reading.
        big = PrintJob(kind="location", reference="BIG", printer_id=target.id, copies=1,
                       zpl="^XA" + "^FO0,0^GB8,8,8^FS" * 1_000_000 + "^XZ", next_attempt_at=utcnow())
        db.session.add(big)
        db.session.flush()
        big_id = big.id
        db.session.commit()
        outcome = services.send_job(big_id)
        failed = job(big_id)
        assert outcome.status == failed.status == JobStatus.FAILED
        assert "stopped taking data for 0.5 s" in failed.last_error
        assert "may have printed it" in failed.last_error
        assert drain().count == 0  # never resent behind a person's back

        printer.resume()  # someone loads labels; the half job comes out of the printer
        monkeypatch.setitem(app.config, "WMS_PRINT_TIMEOUT", 10)  # 17 MB on a busy machine
        services.retry(big_id)  # and, having looked, they ask for it again
        assert printer.wait_for(2, timeout=30)
        again = job(big_id)
        assert failed.payload in printer.jobs  # whole, once (the half job may be recorded before or after)
        assert (again.status, again.attempts) == ("sent", 2)


def test_gives_up_after_the_most_attempts(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_PRINT_MAX_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "WMS_PRINT_BACKOFF_FIRST", 0.01)
    add_printer(f"tcp://127.0.0.1:{FakePrinter.free_port()}")
    job_id = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()
    time.sleep(0.05)
    drain()
    row = job(job_id)
    assert row.status == JobStatus.FAILED and "Gave up after 2 attempts" in row.last_error


def test_a_job_left_sending_by_a_dead_sender_is_failed_not_resent(ctx, no_immediate_send, printer):
    add_printer(printer.url)
    job_id = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()
    row = db.session.get(PrintJob, job_id)
    row.status = JobStatus.SENDING.value
    row.claimed_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert services.recover_stale() == 1
    row = job(job_id)
    assert row.status == JobStatus.FAILED and "stopped while sending" in row.last_error
    assert drain().count == 0 and printer.jobs == []


class SenderDied(BaseException):
    """The process ends while the bytes are on the wire (nothing in the sender catches it)."""


def test_the_claim_is_committed_before_the_printer_is_contacted(ctx, app, monkeypatch, no_immediate_send):
    add_printer(f"tcp://127.0.0.1:{FakePrinter.free_port()}")
    job_id = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()
    seen = []

    def dies_while_sending(url, payload, timeout):
        with uow.separately() as other:  # what any other sender would read now
            seen.append(other.get(PrintJob, job_id).status)
        raise SenderDied()

    monkeypatch.setattr(sender, "send", dies_while_sending)
    with pytest.raises(SenderDied):
        services.send_job(job_id)
    assert seen == [JobStatus.SENDING]
    assert job(job_id).status == JobStatus.SENDING  # left for recover_stale, never sent again by itself
    assert drain().count == 0


def test_inactive_printer_keeps_its_jobs_until_it_is_back(ctx, printer):
    target = add_printer(printer.url)
    with unit_of_work():  # commits the job with its printer off in the WMS
        job_id = services.queue_label("location", LOCATION, station="dock")
        services.update_printer(target.id, name=target.name, url=target.url, dpi=203, label_size="100x50",
                                place="", active=False)
    assert job(job_id).status == JobStatus.QUEUED and printer.jobs == []
    services.update_printer(target.id, name=target.name, url=target.url, dpi=203, label_size="100x50",
                            place="", active=True)
    assert drain().sent == [job_id]
    assert printer.wait_for(1)


# --- desk actions -------------------------------------------------------------------------------------


def test_reprint_is_a_new_job_with_the_same_label(ctx, printer):
    add_printer(printer.url)
    first = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()
    assert printer.wait_for(1)
    second = services.reprint(first)
    assert printer.wait_for(2)
    assert printer.jobs == [expected_bytes()] * 2
    copy = job(second)
    assert (copy.reprint_of_id, copy.status, copy.zpl) == (first, "sent", job(first).zpl)
    with pytest.raises(DomainError, match="only a failed or waiting job can be retried"):
        services.retry(first)


def test_reprint_refuses_a_printer_of_another_size(ctx, printer):
    add_printer(printer.url)
    other = services.create_printer("BIG", "file:///tmp/wms-big", label_size="100x150")
    first = services.queue_label("location", LOCATION, station="dock")
    db.session.commit()
    with pytest.raises(DomainError, match="made for 203 dpi 100x50 labels"):
        services.reprint(first, printer_id=other.id)


# --- two workers --------------------------------------------------------------------------------------


def test_two_workers_draining_the_same_queue_never_send_a_job_twice(app, is_postgres, no_immediate_send):
    if not is_postgres:
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are what is tested: PostgreSQL only")
    with FakePrinter() as printer, app.app_context():
        add_printer(printer.url)
        ids = [services.queue_label("location", {"code": f"A-01-{n:02d}-1"}, station="dock")
               for n in range(60)]
        db.session.commit()
        db.session.remove()
        results, errors = [], []
        start = threading.Barrier(4)

        def worker():
            with app.app_context():
                try:
                    start.wait()
                    results.append(services.drain())
                except Exception as exc:  # pragma: no cover - reported below
                    errors.append(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors
        sent = sorted(job_id for result in results for job_id in result.sent)
        assert sent == ids
        assert sum(1 for result in results if result.sent) >= 2, "the workers did not overlap"
        assert printer.wait_for(60)
        time.sleep(0.2)
        assert len(printer.jobs) == 60
        expected = {expected_bytes({"code": f"A-01-{n:02d}-1"}) for n in range(60)}
        assert set(printer.jobs) == expected
        rows = db.session.scalars(select(PrintJob)).all()
        assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


# --- rules --------------------------------------------------------------------------------------------


def test_backoff_rule():
    assert [rules.backoff(n).total_seconds() for n in range(0, 9)] == [0, 5, 10, 20, 40, 80, 160, 300, 300]


def test_what_may_have_printed():
    from printers.transports import PrinterError

    assert not rules.may_have_printed(PrinterError("Printer 1.2.3.4:9100 refused the connection: ..."))
    assert not rules.may_have_printed(PrinterError("Printer 1.2.3.4:9100 did not answer within 3 s: is it on?"))
    assert not rules.may_have_printed(PrinterError("CUPS refused the job for queue 'z': lpr: no such queue"))
    assert rules.may_have_printed(PrinterError("Printer x stopped taking data for 3 s: is it paused?"))
    assert rules.may_have_printed(PrinterError("Printer x dropped the connection (reset): try again"))
    assert rules.may_have_printed(PrinterError("CUPS did not take the job for queue 'z' within 3 s"))
    assert rules.may_have_printed(RuntimeError("unknown"))
