"""Recall and trace through the services (SQLite and PostgreSQL): a recall stops picks and re-allocates, holds
orders that picked or packed the lot, tells the store; the distribution map lists exactly the orders that
shipped the lot, checked against the ledger."""
import csv
import io

import pytest
from sqlalchemy import func, select

from tests.picking_helpers import books_are_right, stocked_world, take
from tests.returns_helpers import pick, ship, shipped_order
from wms import events
from wms.catalog.models import LotStatus
from wms.errors import Conflict, DomainError
from wms.extensions import db
from wms.inventory.models import Move
from wms.orders.models import Order, OrderStatus
from wms.picking import picks, waves
from wms.picking.models import PickTask, PickTaskStatus, Reservation
from wms.recall import services as recall
from wms.recall import trace


@pytest.fixture
def world(ctx):
    return stocked_world()


def recall_soon(world):
    done = recall.recall_lot(world.lots["L-SOON"].id, risk_class="I", reference="ANVISA-RE-123/2026",
                             reason="contaminated", holder="Lab X", user_id=None)
    db.session.commit()
    return done


def test_a_recall_during_an_open_wave_stops_its_picks_and_reallocates(world):
    order_id = take([("MED", 5)])  # FEFO reserves L-SOON
    wave = waves.build_wave(order_ids=[order_id], max_orders=1, user_id=None)
    picks.bind_tote(wave.id, "T-R1", user_id=None)
    db.session.commit()
    recall_soon(world)
    db.session.expire_all()
    lots = {r.lot.code: r.quantity for r in db.session.scalars(select(Reservation))}
    assert lots == {"L-LATE": 5}
    open_tasks = list(db.session.scalars(select(PickTask).where(PickTask.status == PickTaskStatus.OPEN.value)))
    assert open_tasks and all(t.lot.code == "L-LATE" for t in open_tasks)
    assert world.lots["L-SOON"].status == LotStatus.RECALLED
    sent = [e for e in events.pending() if e.kind == "lot.recalled"]
    assert len(sent) == 1 and sent[0].payload["risk_class"] == "I" and sent[0].payload["lot"] == "L-SOON"
    with pytest.raises(Conflict):
        recall_soon(world)
    assert books_are_right()


def test_a_recall_after_picking_and_packing_holds_the_order_with_what_to_take_out(world):
    order_id = take([("MED", 3)])
    pick([order_id])
    db.session.get(Order, order_id).status = OrderStatus.PACKED.value  # as shipping would
    db.session.commit()
    recall_soon(world)
    order = db.session.get(Order, order_id)
    assert order.on_hold and "3 × MED" in order.hold_reason and "L-SOON" in order.hold_reason
    assert books_are_right()


def test_refused_recalls_change_nothing(world):
    for kwargs in ({"risk_class": "IV", "reference": "R", "reason": "x"},
                   {"risk_class": "I", "reference": "", "reason": "x"},
                   {"risk_class": "I", "reference": "R" * 81, "reason": "x"},
                   {"risk_class": "I", "reference": "R", "reason": "\x00"}):
        with pytest.raises(DomainError):
            recall.recall_lot(world.lots["L-SOON"].id, user_id=None, **kwargs)
    assert world.lots["L-SOON"].status == LotStatus.RELEASED


def test_the_distribution_map_lists_exactly_the_orders_that_shipped_the_lot(world):
    shipped = [shipped_order([("MED", n)], customer={"name": f"Cliente {n}", "document": "11.222.333/0001-81"})
               for n in (1, 2)]
    not_shipped = take([("MED", 1)])  # picked, packed, not shipped: held, not on the map
    pick([not_shipped])
    late = take([("MED", 30)])  # takes L-SOON's last 16 and L-LATE
    totes = pick([late])
    ship(late, totes[late])
    recall_soon(world)
    found = trace.trace(world.lots["L-SOON"].id)
    ledger = dict(db.session.execute(
        select(Move.document, func.sum(Move.quantity)).join(Move.to_location)
        .where(Move.lot_id == world.lots["L-SOON"].id, Move.reason == "ship").group_by(Move.document)).all())
    assert {f"ORDER-{r.order_id}": r.quantity for r in found.recipients} == ledger
    assert sorted(r.order_id for r in found.recipients) == sorted(shipped + [late])
    rows = list(csv.reader(io.StringIO(trace.distribution_csv(found).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:10] == ["product", "anvisa_registration", "lot", "expiry", "recipient_name", "cpf_cnpj",
                            "address", "nfe_number", "date", "quantity"]
    assert {row[10] for row in rows[1:]} == {f"ORDER-{i}" for i in shipped + [late]}
    assert rows[1][1] == "1055300010011" and rows[1][4] == "Cliente 1" and "CEP 01310100" in rows[1][6]
    assert found.receipts == [] and found.recalls[0].risk_class == "I"
    assert db.session.get(Order, not_shipped).on_hold
    history = trace.history(world.lots["L-SOON"].id)
    assert history[0]["what"] == "receipt" and any(h["what"] == "ship" for h in history)


def test_the_distribution_map_and_trace_show_each_recipients_nfe(world):
    from wms.shipping import documents

    invoiced = take([("MED", 1)], customer={"name": "Cliente NF", "document": "11.222.333/0001-81"})
    totes = pick([invoiced])
    documents.attach_invoice(invoiced, {
        "access_key": "33150308370779000149550010001100931002410775", "number": "110093", "series": "1",
        "issued_at": "2026-12-01T10:00:00-03:00", "authorization_protocol": "133150000123456",
        "issuer": {"name": "Retaguarda Distribuidora Ltda", "cnpj": "08370779000149", "ie": "123", "uf": "RJ"}})
    ship(invoiced, totes[invoiced])
    without = shipped_order([("MED", 1)])
    found = trace.trace(world.lots["L-SOON"].id)
    assert {r.order_id: r.nfe for r in found.recipients} == {invoiced: "110093", without: None}
    rows = list(csv.reader(io.StringIO(trace.distribution_csv(found).lstrip("\ufeff")), delimiter=";"))
    nfe = {row[10]: row[7] for row in rows[1:]}
    assert nfe == {f"ORDER-{invoiced}": "110093", f"ORDER-{without}": ""}
