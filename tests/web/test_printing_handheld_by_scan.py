"""The handheld's print screen takes a scan at every step (issue #10, item 12): the location or product, the
printer by the name on its sticker (Enter = the default printer), the copies (Enter = 1). A bad scan is refused
with the bad sound and queues nothing."""
import re

from printers.zpl import render_label
from tests.factories import BOTTLE_GTIN
from tests.web.test_printing_handheld import (  # noqa: F401  (fixtures)
    HX,
    add_printer,
    background_sender,
    job_rows,
    settled,
    text,
    worker,
    world,
)
from wms.extensions import db
from wms.printing import services
from wms.printing.fakes import FakePrinter
from wms.printing.models import PrintJob

SCREEN = "/hh/print/"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def scan(client, response, code, scan_id=None):
    """Type `code` into the screen's scan input (with its hidden fields) and press Enter."""
    form = re.search(r'<form class="scan".*?</form>', response.get_data(as_text=True), re.S).group(0)
    data = dict(_HIDDEN.findall(form), scan=code)
    if scan_id:
        data["scan_id"] = scan_id
    return client.post(SCREEN, data=data, headers=HX)


def good(response, step: str) -> str:
    assert response.status_code == 200 and response.headers["X-Scan-Result"] == "ok", text(response)
    assert f'data-step="{step}"' in text(response), text(response)
    return text(response)


def copies_of(app) -> list[tuple]:
    with app.app_context():
        rows = [(job.reference, job.printer.name, job.copies) for job in db.session.scalars(
            db.select(PrintJob).order_by(PrintJob.id))]
        db.session.remove()
    return rows


def test_printer_by_its_name_and_copies_typed(worker, app):  # noqa: F811
    with FakePrinter() as other, FakePrinter() as chosen:
        add_printer(app, other.url, name="ZB-1")
        add_printer(app, chosen.url, station="dock", name="Dock-Zebra")
        response = scan(worker, worker.get(SCREEN), "A-01-01-1")
        assert "Scan the printer, or Enter = ZB-1" in good(response, "printer")
        response = scan(worker, response, "dock-zebra")  # the sticker's name, any case
        assert "Printer Dock-Zebra" in good(response, "copies")
        response = scan(worker, response, "3", scan_id="three")
        assert "Label queued for Dock-Zebra." in good(response, "what")  # ready for the next label
        assert chosen.wait_for(1) and other.jobs == []
        assert "Label sent to Dock-Zebra." in text(settled(worker, response))
        assert chosen.jobs == [render_label("location", {"code": "A-01-01-1"}, size="100x50").encode() * 3]
    assert copies_of(app) == [("A-01-01-1", "Dock-Zebra", 3)]


def test_enter_twice_prints_one_copy_on_the_default_printer(worker, app):  # noqa: F811
    with FakePrinter() as printer:
        add_printer(app, printer.url)
        response = scan(worker, worker.get(SCREEN), BOTTLE_GTIN)
        response = scan(worker, response, "")
        assert "Printer ZB-1" in good(response, "copies")
        response = scan(worker, response, "", scan_id="enter")
        good(response, "what")
        again = scan(worker, response, "", scan_id="enter")  # a resend at the first step asks what to print
        assert again.status_code == 422
        assert printer.wait_for(1)
    assert copies_of(app) == [("BOTTLE", "ZB-1", 1)]


def test_bad_scans_at_each_step_queue_nothing(worker, app):  # noqa: F811
    add_printer(app, "file:///tmp/wms-hh-unused")
    with app.app_context():
        services.create_printer("ZB-OFF", "file:///tmp/wms-hh-off", label_size="100x50").active = False
        missing = services.create_printer("ZB-BIG", "file:///tmp/wms-hh-big", label_size="100x150").id + 99
        db.session.commit()
        db.session.remove()
    at_printer = scan(worker, worker.get(SCREEN), "BOTTLE")
    for code, message in (
        ("NOPE-7", "NOPE-7 is not a printer: scan the name on the printer's sticker, or press Enter for ZB-1."),
        ("ZB-BIG", "Printer ZB-BIG holds 100x150 labels but the product label comes in"),
        ("zb-off", "Printer ZB-OFF is switched off in the WMS"),
    ):
        bad = scan(worker, at_printer, code)
        assert bad.status_code == 422 and bad.headers["X-Scan-Result"] == "bad"
        assert message in text(bad) and 'data-step="printer"' in text(bad)
    at_copies = scan(worker, at_printer, "")
    for code in ("0", "101", "two", "-1"):
        bad = scan(worker, at_copies, code)
        assert bad.status_code == 422 and bad.headers["X-Scan-Result"] == "bad"
        assert "Type a whole number of copies from 1 to 100." in text(bad) and 'data-step="copies"' in text(bad)
    stale = worker.post(SCREEN, data={"kind": "product", "ref": "BOTTLE", "printer_id": str(missing),
                                      "scan": "1"}, headers=HX)
    assert stale.status_code == 422 and "This screen is out of date" in text(stale)
    assert job_rows(app) == []
