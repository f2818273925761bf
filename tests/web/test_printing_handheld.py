"""Printing from the handheld: POST /hh/print/label queues the label and answers at once ("Label queued");
the answer polls the job's state, which says how it went, with the bad sound for a printer problem. The label
is sent by the background sender thread, off the request path, as in production."""
import html
import time

import pytest
from sqlalchemy import select

from printers.zpl import render_label
from tests.factories import build_world
from tests.printing_helpers import background_sender, settled  # noqa: F401  (an autouse fixture)
from wms.extensions import db
from wms.printing import sender, services
from wms.printing.fakes import FakePrinter
from wms.printing.models import PrintJob

HX = {"HX-Request": "true"}
URL = "/hh/print/label"


@pytest.fixture
def world(app, users):
    with app.app_context():
        build_world()
        db.session.remove()


@pytest.fixture
def worker(client, auth, world):
    auth.login("worker")
    return client


def add_printer(app, url, station="", kind="", size="100x50", name="ZB-1"):
    with app.app_context():
        printer = services.create_printer(name, url, label_size=size)
        services.assign_printer(station, kind, printer.id)
        db.session.remove()


def job_rows(app):
    with app.app_context():
        rows = [(row.kind, row.reference, row.status, row.user_id is not None)
                for row in db.session.scalars(select(PrintJob).order_by(PrintJob.id))]
        db.session.remove()
    return rows


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_worker_prints_a_location_label(worker, app):
    with FakePrinter() as printer:
        add_printer(app, printer.url)
        response = worker.post(URL, data={"kind": "location", "ref": "A-01-01-1", "scan_id": "s1"}, headers=HX)
        assert response.status_code == 200 and response.headers["X-Scan-Result"] == "ok"
        assert "Label queued for ZB-1." in text(response)
        assert printer.wait_for(1)
        state = settled(worker, response)
        assert "Label sent to ZB-1." in text(state) and "X-Scan-Result" not in state.headers  # one good sound
        assert printer.jobs == [render_label("location", {"code": "A-01-01-1"}, size="100x50").encode()]
    assert job_rows(app) == [("location", "A-01-01-1", "sent", True)]


def test_worker_prints_a_product_label_at_a_station(worker, app):
    with FakePrinter() as printer:
        add_printer(app, "file:///tmp/wms-not-this-one", name="OTHER")
        add_printer(app, printer.url, station="picking", kind="product", name="ZB-PICK")
        response = worker.post(URL, data={"kind": "product", "ref": "BOTTLE", "station": "picking"}, headers=HX)
        assert "Label queued for ZB-PICK." in text(response)
        assert printer.wait_for(1)
        assert "Label sent to ZB-PICK." in text(settled(worker, response))
        assert b"Garrafa 1 L" in printer.jobs[0]


def test_a_resent_tap_prints_once(worker, app):
    with FakePrinter() as printer:
        add_printer(app, printer.url)
        for _ in range(2):
            response = worker.post(URL, data={"kind": "location", "ref": "DOCK", "scan_id": "same"}, headers=HX)
            assert printer.wait_for(1)
            assert "Label sent to ZB-1." in text(settled(worker, response))
        assert len(job_rows(app)) == 1 and len(printer.jobs) == 1


def test_a_slow_printer_does_not_hold_up_the_answer(worker, app, monkeypatch):
    """The label is sent after the answer, by the background sender: the printer's time is not the worker's."""
    from printers import transports

    def slow(url, payload, *, timeout):
        time.sleep(1.5)
        transports.send(url, payload, timeout=timeout)

    monkeypatch.setattr(sender, "send", slow)
    with FakePrinter() as printer:
        add_printer(app, printer.url)
        started = time.monotonic()
        response = worker.post(URL, data={"kind": "location", "ref": "DOCK", "scan_id": "slow"}, headers=HX)
        assert time.monotonic() - started < 1.0
        assert response.headers["X-Scan-Result"] == "ok" and "Label queued for ZB-1." in text(response)
        assert printer.jobs == []
        assert printer.wait_for(1)
        assert "Label sent to ZB-1." in text(settled(worker, response))
        assert len(printer.jobs) == 1


def test_printer_off_says_so_and_keeps_the_job(worker, app):
    port = FakePrinter.free_port()
    add_printer(app, f"tcp://127.0.0.1:{port}")
    response = worker.post(URL, data={"kind": "location", "ref": "A-01-01-1"}, headers=HX)
    assert "Label queued for ZB-1." in text(response)
    response = settled(worker, response)
    assert response.status_code == 200 and response.headers["X-Scan-Result"] == "bad"
    message = text(response)
    assert "Printer ZB-1 did not take the label:" in message and "refused the connection" in message
    assert "The label is kept and prints when the printer is back." in message
    assert job_rows(app) == [("location", "A-01-01-1", "queued", True)]
    # The printer comes back: the worker's next pass prints it, once.
    with FakePrinter(port) as printer, app.app_context():
        db.session.execute(PrintJob.__table__.update().values(next_attempt_at=PrintJob.created_at))
        db.session.commit()
        assert services.drain().count == 1
        assert printer.wait_for(1)
        db.session.remove()
    assert job_rows(app)[0][2] == "sent"


def test_no_printer_set_up_is_a_clear_message(worker, app):
    response = worker.post(URL, data={"kind": "location", "ref": "A-01-01-1", "station": "dock"}, headers=HX)
    assert response.status_code == 422 and response.headers["X-Scan-Result"] == "bad"
    assert "No printer is set up for the dock: ask a supervisor to add one." in text(response)
    assert job_rows(app) == []


def test_unknown_code_and_kind(worker, app):
    add_printer(app, "file:///tmp/wms-hh-unused")
    response = worker.post(URL, data={"kind": "location", "ref": "Z-99"}, headers=HX)
    assert response.status_code == 404 and "Location Z-99 is not known here." in text(response)
    response = worker.post(URL, data={"kind": "lpn", "ref": "X"}, headers=HX)
    assert response.status_code == 422 and "location and product labels" in text(response)
    assert job_rows(app) == []


def test_needs_a_login(client, world):
    response = client.post(URL, data={"kind": "location", "ref": "DOCK"}, headers=HX)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/hh/login"


def test_the_print_button_macro(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        macros = app.jinja_env.get_template("_partials/macros.html").module
        page = str(macros.print_button("location", "A-01-01-1"))
        with_station = str(macros.print_button("product", "<SKU>", station="dock"))
    assert 'hx-post="/hh/print/label"' in page and 'hx-target="#print-result-location"' in page
    assert 'name="ref" value="A-01-01-1"' in page and 'id="print-result-location"' in page
    assert "Print location label" in page and 'name="station"' not in page
    assert 'name="station" value="dock"' in with_station and "Print product label" in with_station
    assert 'value="&lt;SKU&gt;"' in with_station


def test_print_screen_scans_a_location_or_product_and_offers_its_label(worker, app):
    from tests.factories import BOTTLE_GTIN

    assert "Print a label" in text(worker.get("/hh/"))
    page = text(worker.get("/hh/print/"))
    assert "Scan a location or product" in page
    response = worker.post("/hh/print/", data={"scan": "A-01-01-1"}, headers=HX)
    assert response.headers["X-Scan-Result"] == "ok"
    assert 'data-kind="location"' in text(response) and 'name="ref" value="A-01-01-1"' in text(response)
    response = worker.post("/hh/print/", data={"scan": BOTTLE_GTIN}, headers=HX)
    assert 'data-kind="product"' in text(response) and 'name="ref" value="BOTTLE"' in text(response)
    response = worker.post("/hh/print/", data={"scan": "NOTHING-HERE"}, headers=HX)
    assert response.status_code == 422 and response.headers["X-Scan-Result"] == "bad"
