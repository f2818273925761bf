"""The supervisors' wave screens: build a wave by filters or take the system's proposal, follow progress per
picker, see exceptions, reprint a tote label."""
import html

import pytest
from sqlalchemy import select

from tests.picking_helpers import stocked_world, take
from wms.extensions import db
from wms.picking import picks
from wms.picking import waves as picking_waves
from wms.picking.models import Wave


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def desk(app, auth, users):
    with app.app_context():
        stocked_world()
        ids = {
            "jad1": take([("MED", 2)], carrier="jadlog", promised_days=0),
            "jad2": take([("BOTTLE", 2)], carrier="jadlog", promised_days=2, channel="marketplace"),
            "cor": take([("MED", 1), ("BOTTLE", 1)], carrier="correios", promised_days=1),
        }
        db.session.remove()
    auth.login("supervisor")
    return ids


def waves(app) -> list[Wave]:
    with app.app_context():
        return [(w.code, [wo.order_id for wo in w.orders]) for w in db.session.scalars(select(Wave).order_by(Wave.id))]


def test_the_system_proposes_the_most_urgent_carrier(app, client, desk):
    page = text(client.get("/desk/waves/"))
    assert "2 orders for jadlog" in page
    response = client.post("/desk/waves/propose", data={"order_id": [desk["jad1"], desk["jad2"]]})
    assert response.status_code == 302
    assert waves(app)[0][1] == [desk["jad1"], desk["jad2"]]


def test_build_by_filters_and_refuse_when_nothing_matches(app, client, desk):
    response = client.post("/desk/waves/build", data={"carrier": "correios", "max_orders": "5"})
    assert response.status_code == 302
    assert waves(app)[0][1] == [desk["cor"]]
    again = client.post("/desk/waves/build", data={"carrier": "correios", "max_orders": "5"})
    assert again.status_code == 422 and "No allocated order matches" in text(again)
    too_many = client.post("/desk/waves/build", data={"max_orders": "500"})
    assert too_many.status_code == 422 and "1 to 60 orders" in text(too_many)
    client.post("/desk/waves/build", data={"channel": "marketplace", "max_orders": "5"})
    assert waves(app)[1][1] == [desk["jad2"]]


def test_progress_per_picker_and_exceptions(app, client, desk, users):
    with app.app_context():
        wave = picking_waves.build_wave(order_ids=[desk["cor"], desk["jad1"]], max_orders=2, user_id=None)
        picks.bind_tote(wave.id, "TOTE-1", user_id=None)
        picks.bind_tote(wave.id, "TOTE-2", user_id=None)
        tasks = picking_waves.wave_tasks(wave.id)
        first, second = tasks[0], tasks[1]
        picks.confirm_pick(first.id, quantity=first.quantity, lot_id=first.lot_id,
                           tote_code=first.wave_order.tote.code, user_id=users["worker"])
        picks.skip_task(second.id, user_id=users["worker"])
        wave_id = wave.id
        db.session.remove()
    page = text(client.get(f"/desk/waves/{wave_id}"))
    assert "Tasks done" in page and f"1 / {len(tasks)}" in page
    assert "Skipped 1×" in page
    assert "TOTE-1" in page and "TOTE-2" in page
    assert "Pickers" in page and "worker" in page.lower()
    overview = text(client.get("/desk/waves/"))
    assert wave.code in overview


def test_reprint_a_tote_label_with_and_without_a_printer(app, client, desk, tmp_path):
    with app.app_context():
        wave = picking_waves.build_wave(order_ids=[desk["cor"]], max_orders=1, user_id=None)
        picks.bind_tote(wave.id, "TOTE-7", user_id=None)
        wave_id, wave_order_id = wave.id, wave.orders[0].id
        db.session.remove()
    url = f"/desk/waves/{wave_id}/totes/{wave_order_id}/label"
    refused = client.post(url, follow_redirects=True)
    assert "No printer is set up" in text(refused) or "Printing is not set up" in text(refused)
    printing = pytest.importorskip("wms.printing.services")
    with app.app_context():
        printer = printing.create_printer("Picking", f"file://{tmp_path}")
        printing.assign_printer("picking", None, printer.id)
        db.session.remove()
    done = client.post(url, follow_redirects=True)
    assert "Label of tote TOTE-7 sent" in text(done)
    with app.app_context():
        from wms.printing.models import PrintJob

        job = db.session.scalar(select(PrintJob))
        assert job.kind == "lpn" and "TOTE-7" in job.zpl
