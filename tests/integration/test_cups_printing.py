"""The cups:// path against the real CUPS server on this machine (Debian's cups), whose raw queue points at a
fake printer listening on 127.0.0.1.

The queue is made with `lpadmin -p NAME -E -v socket://127.0.0.1:PORT` and no `-m`: a queue without a
driver is raw. `-m raw` still works on CUPS 2.4 but prints "Raw queues are deprecated" and later CUPS
versions refuse it; without -m the queue is raw today and stays so. Jobs go in with `lpr -P NAME -o raw`
(printers.transports), which hands the bytes to the socket backend unfiltered.
"""
import os
import shutil
import subprocess
import time

import pytest
from sqlalchemy import select

from printers.zpl import render_label
from wms.extensions import db
from wms.printing import services
from wms.printing.fakes import FakePrinter
from wms.printing.models import PrintJob


def _run(*command, check=True):
    return subprocess.run(command, capture_output=True, text=True, timeout=20, check=check)


def _scheduler_running() -> bool:
    return "is running" in _run("lpstat", "-r", check=False).stdout


@pytest.fixture(scope="module")
def cups():
    """A running CUPS scheduler: the machine's, or one started here (and stopped again) when none runs."""
    missing = [tool for tool in ("lpadmin", "lpr", "lpstat", "cupsd") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"CUPS is not installed ({', '.join(missing)} missing): apt-get install cups cups-client cups-bsd")
    started = None
    if not _scheduler_running():
        if os.geteuid() != 0:
            pytest.skip("the CUPS scheduler is not running and only root can start cupsd here")
        started = subprocess.Popen(["cupsd", "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if _scheduler_running():
                break
            time.sleep(0.1)
        else:
            started.terminate()
            pytest.skip("cupsd was started but the scheduler did not come up within 10 s")
    yield
    if started is not None:
        started.terminate()
        started.wait(10)


@pytest.fixture
def raw_queue(cups):
    """A raw CUPS queue whose device is a fake printer on 127.0.0.1."""
    name = f"wms_test_{os.getpid()}"
    with FakePrinter() as printer:
        result = _run("lpadmin", "-p", name, "-E", "-v", f"socket://127.0.0.1:{printer.port}", check=False)
        if result.returncode != 0:
            pytest.fail(f"lpadmin could not make a raw queue: {result.stderr.strip()}")
        try:
            yield name, printer
        finally:
            _run("lpadmin", "-x", name, check=False)


def test_a_label_through_a_cups_raw_queue_arrives_byte_for_byte(ctx, raw_queue):
    queue, printer = raw_queue
    zebra = services.create_printer("ZB-CUPS", f"cups://{queue}", label_size="100x50")
    services.assign_printer("packing", "", zebra.id)
    data = {"name": "Café ^XA~ 📦", "sku": "CAF-500", "gtin": "7891234567895"}
    job_id = services.queue_label("product", data, station="packing")
    db.session.commit()
    assert printer.wait_for(1, timeout=30), "CUPS did not pass the job on to the printer"
    time.sleep(0.3)
    assert printer.jobs == [render_label("product", data, size="100x50").encode()]
    assert db.session.scalar(select(PrintJob.status).where(PrintJob.id == job_id)) == "sent"


def test_a_missing_cups_queue_keeps_the_job_for_a_retry(ctx, cups):
    zebra = services.create_printer("ZB-NOWHERE", f"cups://wms_no_such_queue_{os.getpid()}", label_size="100x50")
    services.assign_printer("", "", zebra.id)
    job_id = services.queue_label("location", {"code": "A-01-01-1"})
    db.session.commit()
    db.session.rollback()
    job = db.session.get(PrintJob, job_id)
    assert job.status == "queued" and job.attempts == 1
    assert "CUPS refused the job for queue" in job.last_error


def test_a_stopped_cups_queue_keeps_the_job_waiting_with_the_reason(ctx, raw_queue):
    """Issue 11 item 14: the queue's state is read from CUPS (lpstat): a stopped queue does not take the label
    as printed; the job waits with CUPS's reason and goes out once the queue is started again."""
    queue, printer = raw_queue
    _run("cupsdisable", "-r", "out of labels", queue)
    zebra = services.create_printer("ZB-CUPS", f"cups://{queue}", label_size="100x50")
    services.assign_printer("packing", "", zebra.id)
    job_id = services.queue_label("location", {"code": "A-01-01-1"}, station="packing")
    db.session.commit()
    db.session.rollback()
    job = db.session.get(PrintJob, job_id)
    assert job.status == "queued" and "is stopped (out of labels)" in job.last_error
    assert printer.jobs == []
    _run("cupsenable", queue)
    services.retry(job_id)
    assert printer.wait_for(1, timeout=30)
    db.session.rollback()
    assert db.session.scalar(select(PrintJob.status).where(PrintJob.id == job_id)) == "sent"
