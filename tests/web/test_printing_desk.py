"""The desk's printer screens through the Flask client, with a real TCP listener as the printer."""
import html
import re

import pytest
from sqlalchemy import select

from printers.zpl import render_label
from tests.factories import build_world
from tests.printing_helpers import background_sender, settled  # noqa: F401  (an autouse fixture)
from wms.extensions import db
from wms.printing import services
from wms.printing.fakes import FakePrinter
from wms.printing.models import Printer, PrinterAssignment, PrintJob


@pytest.fixture
def desk(app, auth, printer):
    """A supervisor logged in, the test warehouse, and ZB-DOCK (the fake printer, 100x50) as the default."""
    with app.app_context():
        build_world()
        zebra = services.create_printer("ZB-DOCK", printer.url, label_size="100x50", place="dock")
        services.assign_printer("", "", zebra.id)
        db.session.remove()
    auth.login("supervisor")
    return auth.client


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def jobs(app):
    with app.app_context():
        rows = db.session.scalars(select(PrintJob).order_by(PrintJob.id)).all()
        result = [(row.id, row.kind, row.reference, row.status, row.printer.name) for row in rows]
        db.session.remove()
    return result


def test_only_supervisors_reach_the_printer_screens(client, auth, users):
    auth.login("worker")
    for url in ("/desk/printing/", "/desk/printing/jobs", "/desk/printing/labels"):
        assert client.get(url).status_code == 403
    assert client.post("/desk/printing/printers", data={"name": "X"}).status_code == 403


def test_printers_page_is_in_the_navigation(desk):
    page = text(desk.get("/desk"))
    assert 'href="/desk/printing/"' in page and ">Printers<" in page
    page = text(desk.get("/desk/printing/"))
    assert "ZB-DOCK" in page and "every station" in page and "Test print" in page


def test_add_a_printer_and_refuse_bad_ones(desk, app):
    response = desk.post("/desk/printing/printers", data={
        "name": "ZB-PACK-3", "url": "cups://zebra_pack3", "dpi": "300", "label_size": "100x150", "place": "pack 3"})
    assert response.status_code == 302
    page = text(desk.get("/desk/printing/"))
    assert "Printer ZB-PACK-3 added." in page and "cups://zebra_pack3" in page
    response = desk.post("/desk/printing/printers", data={
        "name": "ZB-X", "url": "10.0.0.5:9100", "dpi": "203", "label_size": "100x150"})
    assert response.status_code == 422
    assert "is not a printer address. Use tcp://host:9100" in text(response)
    assert 'value="ZB-X"' in text(response)  # the form comes back filled in
    response = desk.post("/desk/printing/printers", data={
        "name": "ZB-DOCK", "url": "tcp://10.0.0.5:9100", "dpi": "203", "label_size": "100x150"})
    assert response.status_code == 422 and "There is already a printer called ZB-DOCK." in text(response)
    with app.app_context():
        assert db.session.scalar(select(Printer.dpi).where(Printer.name == "ZB-PACK-3")) == 300
        assert db.session.scalar(select(Printer.id).where(Printer.name == "ZB-X")) is None


def test_edit_and_switch_off_a_printer(desk, app):
    with app.app_context():
        printer_id = db.session.scalar(select(Printer.id))
    page = text(desk.get(f"/desk/printing/printers/{printer_id}"))
    assert 'value="ZB-DOCK"' in page
    response = desk.post(f"/desk/printing/printers/{printer_id}", data={
        "name": "ZB-DOCK-1", "url": "tcp://127.0.0.1:9", "dpi": "203", "label_size": "100x50", "place": "dock",
        "active": "0"})
    assert response.status_code == 302
    with app.app_context():
        printer = db.session.get(Printer, printer_id)
        assert (printer.name, printer.active, printer.url) == ("ZB-DOCK-1", False, "tcp://127.0.0.1:9")
    response = desk.post(f"/desk/printing/printers/{printer_id}", data={
        "name": "", "url": "tcp://127.0.0.1:9", "dpi": "203", "label_size": "100x50", "active": "1"})
    assert response.status_code == 422 and "Give the printer a name" in text(response)
    assert desk.get("/desk/printing/printers/999").status_code == 404


def test_test_print_reaches_the_printer(desk, app, printer):
    with app.app_context():
        printer_id = db.session.scalar(select(Printer.id))
    response = desk.post(f"/desk/printing/printers/{printer_id}/test")
    assert response.status_code == 302 and "/desk/printing/jobs/" in response.headers["Location"]
    assert printer.wait_for(1)
    assert "Label sent to ZB-DOCK." in text(settled(desk, desk.get(response.headers["Location"])))
    assert printer.jobs == [render_label("location", {"code": "TEST-PRINT"}, size="100x50").encode()]


def test_test_print_on_a_printer_that_is_off_says_so_and_keeps_the_job(desk, app):
    with app.app_context():
        off = services.create_printer("ZB-OFF", f"tcp://127.0.0.1:{FakePrinter.free_port()}", label_size="100x50")
        off_id = off.id
        db.session.remove()
    response = desk.post(f"/desk/printing/printers/{off_id}/test", follow_redirects=True)
    page = text(settled(desk, response))
    assert "Printer ZB-OFF did not take the label:" in page and "refused the connection" in page
    assert "The label is kept and prints when the printer is back." in page
    assert jobs(app)[-1][3:] == ("queued", "ZB-OFF")


def test_default_printers_per_station_and_kind(desk, app):
    with app.app_context():
        printer_id = db.session.scalar(select(Printer.id))
    response = desk.post("/desk/printing/assignments", data={"station": "Packing", "kind": "lot",
                                                             "printer_id": printer_id})
    assert response.status_code == 302
    page = text(desk.get("/desk/printing/"))
    assert "Default printer saved." in page and 'data-assignment="packing/lot"' in page
    response = desk.post("/desk/printing/assignments", data={"station": "pack station 3", "kind": "",
                                                             "printer_id": printer_id})
    assert response.status_code == 422 and "A station is a short word" in text(response)
    with app.app_context():
        assignment_id = db.session.scalar(select(PrinterAssignment.id).where(PrinterAssignment.station == "packing"))
    desk.post(f"/desk/printing/assignments/{assignment_id}/delete")
    assert 'data-assignment="packing/lot"' not in text(desk.get("/desk/printing/"))


def test_print_a_label_with_its_preview_first(desk, app, printer):
    page = text(desk.get("/desk/printing/labels?kind=location&ref=A-01-01-1"))
    assert "This is the label ZB-DOCK will print (203 dpi, 100x50 mm)." in page
    assert '/desk/printing/labels/preview.svg?kind=location&ref=A-01-01-1&printer=ZB-DOCK' in page
    svg = desk.get("/desk/printing/labels/preview.svg?kind=location&ref=A-01-01-1&printer=ZB-DOCK")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).startswith("<svg") and "A-01-01-1" in svg.get_data(as_text=True)
    assert printer.jobs == []  # a preview prints nothing

    response = desk.post("/desk/printing/labels", data={"kind": "location", "ref": "A-01-01-1",
                                                        "printer": "ZB-DOCK", "copies": "2"})
    assert response.status_code == 302 and "/desk/printing/jobs/" in response.headers["Location"]
    assert printer.wait_for(1)
    assert "Label sent to ZB-DOCK." in text(settled(desk, desk.get(response.headers["Location"])))
    assert printer.jobs == [render_label("location", {"code": "A-01-01-1"}, size="100x50").encode() * 2]


def test_preview_of_what_cannot_be_printed_says_why(desk, app):
    response = desk.get("/desk/printing/labels?kind=location&ref=NOWHERE")
    assert response.status_code == 404 and "Location NOWHERE is not known here." in text(response)
    response = desk.get("/desk/printing/labels?kind=lot&ref=MED/L-SOON")
    assert response.status_code == 200  # MED has a GTIN and the lot an expiry
    with app.app_context():
        services.create_printer("ZB-BIG", "file:///tmp/wms-big", label_size="100x150")
        db.session.remove()
    response = desk.get("/desk/printing/labels?kind=product&ref=MED&printer=ZB-BIG")
    assert response.status_code == 422
    assert "Printer ZB-BIG holds 100x150 labels but the product label comes in 100x50, 50x25" in text(response)
    response = desk.get("/desk/printing/labels/preview.svg?kind=lpn&ref=NOPE")
    assert response.status_code == 404 and response.mimetype == "text/plain"


def test_job_list_filters_and_job_page(desk, app, printer):
    with app.app_context():
        for code in ("A-01-01-1", "A-01-02-1", "A-02-01-1"):
            services.print_record("location", code)
        services.print_record("product", "BOTTLE")
        db.session.remove()
    assert printer.wait_for(4)
    page = text(desk.get("/desk/printing/jobs"))
    assert all(code in page for code in ("A-01-01-1", "A-01-02-1", "A-02-01-1", "BOTTLE"))
    page = text(desk.get("/desk/printing/jobs?kind=product"))
    assert "BOTTLE" in page and "A-01-01-1" not in page
    page = text(desk.get("/desk/printing/jobs?q=A-01"))
    assert "A-01-02-1" in page and "A-02-01-1" not in page
    page = text(desk.get("/desk/printing/jobs?status=failed"))
    assert "No print jobs." in page
    job_id = jobs(app)[0][0]
    page = text(desk.get(f"/desk/printing/jobs/{job_id}"))
    assert f"Print job #{job_id}" in page and "^XA^CI28" in page
    assert f'src="/desk/printing/jobs/{job_id}/label.svg"' in page
    svg = desk.get(f"/desk/printing/jobs/{job_id}/label.svg")
    assert svg.mimetype == "image/svg+xml" and "A-01-01-1" in svg.get_data(as_text=True)
    assert desk.get("/desk/printing/jobs/9999").status_code == 404


def test_job_list_pages(desk, app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_PRINT_IMMEDIATE", False)
    with app.app_context():
        for n in range(55):
            services.queue_label("location", {"code": f"X-{n:03d}"})
        db.session.commit()
        db.session.remove()
    page = text(desk.get("/desk/printing/jobs"))
    assert "Page 1 of 2" in page and "X-054" in page and "X-000" not in page
    page = text(desk.get("/desk/printing/jobs?page=2"))
    assert "X-000" in page and "X-054" not in page


def test_reprint_and_retry(desk, app, printer):
    with app.app_context():
        first = services.print_record("location", "A-01-01-1")
        db.session.remove()
    assert printer.wait_for(1)
    response = desk.post(f"/desk/printing/jobs/{first}/reprint", data={})
    assert response.status_code == 302
    assert printer.wait_for(2)
    assert "Label sent to ZB-DOCK." in text(settled(desk, desk.get(response.headers["Location"])))
    assert printer.jobs[0] == printer.jobs[1]
    # A job that may have printed waits for a person: retry sends it again.
    with app.app_context():
        row = db.session.get(PrintJob, first)
        row.status, row.last_error = "failed", "Printer x stopped taking data for 3 s"
        db.session.commit()
    page = text(desk.get(f"/desk/printing/jobs/{first}"))
    assert "Retry: I checked the printer" in page and "stopped taking data" in page
    page = text(settled(desk, desk.post(f"/desk/printing/jobs/{first}/retry", follow_redirects=True)))
    assert "Label sent to ZB-DOCK." in page
    assert printer.wait_for(3)
    page = text(desk.post(f"/desk/printing/jobs/{first}/retry", follow_redirects=True))
    assert re.search(r"Job \d+ is sent: only a failed or waiting job can be retried", page)
