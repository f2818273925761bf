"""Two workers on one returned unit: one inspects it between the other's screen reading the unit and the service
locking it. The lock reads the unit afresh, so the second sees it inspected (409) and the unit leaves the returns
dock once. PostgreSQL only: SQLite holds its write lock from the first read, so nothing commits in between."""
import pytest
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN
from tests.interleave import behind_a_lock, read_then_wait
from tests.picking_helpers import books_are_right, stocked_world
from tests.returns_helpers import shipped_order
from wms.errors import Conflict
from wms.extensions import db
from wms.inventory.models import Move, StockItem
from wms.locations import services as locations
from wms.returns import dock, rmas
from wms.returns import handheld as returns_handheld
from wms.returns.models import Rma

HX = {"HX-Request": "true"}


def _two_bottles_to_return(app) -> int:
    """A shipped order of two bottles and its return (nothing received yet): the return's id."""
    with app.app_context():
        stocked_world()
        order_id = shipped_order([("BOTTLE", 2)])
        rma, _created = rmas.create_rma({"order_id": order_id,
                                         "lines": [{"sku": "BOTTLE", "quantity": 2, "reason": "regret"}]})
        db.session.commit()
        return rma.id


def test_a_unit_inspected_after_the_screen_read_it_is_not_sent_on_twice(app, client, users, is_postgres,
                                                                        monkeypatch):
    if not is_postgres:
        pytest.skip("SQLite takes its write lock at the first read: nothing commits between the read and the lock")
    rma_id = _two_bottles_to_return(app)
    with app.app_context():
        # two bottles back on the returns dock: the dock holds more than the one unit being inspected
        unit_id = dock.receive_unit(rma_id, BOTTLE_GTIN, user_id=None)["unit_id"]
        dock.receive_unit(rma_id, BOTTLE_GTIN, user_id=None)
        db.session.remove()
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    response, done = read_then_wait(
        app, monkeypatch, returns_handheld, "_unit",
        lambda: client.post(f"/hh/returns/unit/{unit_id}", data={"step": "condition", "scan": "3",
                                                                  "scan_id": "here"}, headers=HX),
        lambda: dock.inspect_unit(unit_id, condition="damaged", user_id=None, scan_id="there"))
    assert done["disposition"] == "scrap"
    assert response.status_code == 409, response.get_data(as_text=True)
    assert "This unit was inspected already: scrap." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "return_scrap")) == 1
        returns_dock = locations.by_code("RET").id
        assert db.session.scalar(select(func.sum(StockItem.quantity)).where(
            StockItem.location_id == returns_dock)) == 1  # the other bottle still waits
        assert books_are_right()


def test_a_return_cancelled_while_its_first_unit_is_scanned_is_not_cancelled(app, users, is_postgres):
    """The desk cancels while the dock takes in the first unit: the cancel waits for the return's lock and then
    sees the unit (409), rather than cancelling a return whose goods are on the dock."""
    if not is_postgres:
        pytest.skip("SQLite serialises the two from their first statement")
    rma_id = _two_bottles_to_return(app)
    received, cancelled = behind_a_lock(app, lambda: dock.receive_unit(rma_id, BOTTLE_GTIN, user_id=None),
                                        lambda: rmas.cancel_rma(rma_id, user_id=None))
    assert received["flag"] == "ok"
    assert isinstance(cancelled, Conflict), cancelled
    with app.app_context():
        assert db.session.get(Rma, rma_id).status == "receiving"
        assert books_are_right()
