"""The blind count needs no tap: a typed number answers the quantity, the location scanned again (or the FINISH
card) finishes, Enter alone takes the first count to do or leaves the quantity question (issue #10, item 12)."""
from sqlalchemy import select

from tests.factories import BOTTLE_GTIN
from tests.handheld_client import page as text
from tests.handheld_client import scan as scan_on
from tests.handheld_client import scan_fields
from tests.web.test_inventory_handheld import (  # noqa: F401  (wh, worker: fixtures)
    COUNT,
    books,
    counted,
    good,
    gs1_code,
    ledger_is_right,
    on_hand,
    refused,
    start_count,
    wh,
    worker,
)
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import CountTask


def test_a_count_done_with_scans_and_typed_numbers_only(app, worker, wh):  # noqa: F811
    response = start_count(worker, "A-01-04-2")
    assert "To finish, scan A-01-04-2 again" in text(response) and ">FINISH</code>" in text(response)
    response = scan_on(worker, response, BOTTLE_GTIN)
    response = scan_on(worker, response, "5")  # a number is how many of the last item, in all
    assert counted(response) == {"BOTTLE": 5} and 'data-step="scan"' in good(response)
    response = scan_on(worker, response, gs1_code(wh, "L-LATE"))
    response = scan_on(worker, response, "731")
    assert counted(response) == {"BOTTLE": 5, "MED L-LATE": 731}
    with app.app_context():
        assert db.session.scalar(select(CountTask)).status == "open"
    done = scan_on(worker, response, "a-01-04-2", scan_id="finish-by-scan")
    body = good(done)
    assert "Count recorded." in body and "No approval needed." in body and 'data-step="start"' in body
    with app.app_context():
        assert db.session.scalar(select(CountTask)).status == "done"
    assert on_hand(app, wh, "A-01-04-2", "BOTTLE") == 5
    assert ledger_is_right(app)


def test_the_finish_card_finishes_and_a_resent_finish_is_answered_once(app, worker, wh):  # noqa: F811
    response = scan_on(worker, start_count(worker, "A-01-02-2"), gs1_code(wh, "L-LATE"))
    first = scan_on(worker, response, "finish", scan_id="card-1")
    again = scan_on(worker, response, "FINISH", scan_id="card-1")
    assert "Count recorded." in good(first) and "Count recorded." in good(again)
    assert on_hand(app, wh, "A-01-02-2", "MED", "L-LATE") == 1  # counted 1 of 8, applied once
    assert ledger_is_right(app)


def test_enter_alone_leaves_the_quantity_question_and_takes_the_first_count(app, worker, wh, users):  # noqa: F811
    with app.app_context():
        inventory.open_count(wh.loc["A-01-02-2"], user_id=users["supervisor"], reason="request")
    start = worker.get(COUNT)
    assert "Enter alone takes the first one." in text(start)
    response = scan_on(worker, start, "")
    assert '<p class="target">A-01-02-2</p>' in good(response)
    response = scan_on(worker, response, gs1_code(wh, "L-LATE"))
    asked = worker.post(COUNT, data={**scan_fields(response), "action": "type_quantity"}, headers={"HX-Request": "1"})
    assert 'data-step="quantity"' in good(asked)
    back = scan_on(worker, asked, "")
    assert 'data-step="scan"' in good(back) and counted(back) == {"MED L-LATE": 1}


def test_a_bad_scan_or_number_at_the_scan_step_changes_nothing(app, worker, wh):  # noqa: F811
    start = start_count(worker, "A-01-04-2")
    before = books(app)
    # a number with nothing scanned yet is no barcode and no quantity
    refused(scan_on(worker, start, "12"), "12 is not a known location, product, LPN or badge.")
    response = scan_on(worker, start, BOTTLE_GTIN)
    state = scan_fields(response)
    for code, message in (
        ("", "Scan the next item, or scan A-01-04-2 again (or FINISH) to finish the count."),
        ("A-01-01-2", "That was a location; scan a product / an LPN"),  # another location does not finish
        ("1000001", "1000001 is not a known location"),  # past the most a count can hold
    ):
        bad = scan_on(worker, response, code)
        refused(bad, message)
        assert scan_fields(bad) == state and counted(bad) == {"BOTTLE": 1}
    assert books(app) == before
