"""The stock model's laws, through the services: ledger, conservation, no negatives, idempotent scans."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import build_world, on_hand, receive
from wms import clock
from wms.auth import services as auth
from wms.catalog.models import LotStatus
from wms.errors import Conflict, DomainError
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Adjustment, CountTask, Move, StockItem
from wms.locations import services as locations
from wms.locations.models import LocationKind


@pytest.fixture
def world(ctx):
    return build_world()


@pytest.fixture
def worker_id(ctx):
    return auth.create_user("w", role="worker", pin="1111").id


@pytest.fixture
def supervisor_id(ctx):
    return auth.create_user("s", role="supervisor", password="s").id


def _move(world, sku, lot, source, target, qty, user_id=None, scan_id=None):
    return inventory.move_stock(
        product_id=world.products[sku].id, lot_id=world.lots[lot].id if lot else None,
        source_id=world.loc[source].id, target_id=world.loc[target].id, quantity=qty, user_id=user_id,
        scan_id=scan_id,
    )


def test_a_move_changes_both_items_and_writes_one_ledger_entry(world, worker_id):
    receive(world, "MED", "A-01-01-2", 50, "L-LATE")
    result = _move(world, "MED", "L-LATE", "A-01-01-2", "A-01-01-1", 20, worker_id)
    assert result["quantity"] == 20 and result["source"] == "A-01-01-2" and result["target"] == "A-01-01-1"
    assert on_hand(world, "MED", "A-01-01-2", "L-LATE") == 30
    assert on_hand(world, "MED", "A-01-01-1", "L-LATE") == 20
    move = db.session.get(Move, result["move_id"])
    assert (move.reason, move.user_id, move.quantity) == ("move", worker_id, 20)
    assert inventory.stock_mismatches() == []


def test_cannot_move_more_than_is_there_and_nothing_changes(world):
    receive(world, "MED", "A-01-01-2", 5, "L-LATE")
    moves_before = db.session.scalar(select(func.count()).select_from(Move))
    with pytest.raises(DomainError, match="Only 5 of MED"):
        _move(world, "MED", "L-LATE", "A-01-01-2", "A-01-01-1", 6)
    db.session.rollback()
    assert on_hand(world, "MED", "A-01-01-2", "L-LATE") == 5
    assert on_hand(world, "MED", "A-01-01-1", "L-LATE") == 0
    assert db.session.scalar(select(func.count()).select_from(Move)) == moves_before


def test_reserved_units_cannot_be_moved_away(world):
    receive(world, "MED", "A-01-01-2", 10, "L-LATE")
    item = db.session.scalar(select(StockItem).where(StockItem.quantity == 10))
    item.reserved = 8
    db.session.commit()
    with pytest.raises(Conflict, match="reserved"):
        _move(world, "MED", "L-LATE", "A-01-01-2", "A-01-01-1", 3)
    db.session.rollback()
    _move(world, "MED", "L-LATE", "A-01-01-2", "A-01-01-1", 2)


def test_expired_lot_is_refused_in_a_pick_face_and_told_where_to_go(world):
    receive(world, "MED", "DOCK", 10, "L-OLD")
    with pytest.raises(DomainError, match="expired on .*put it in Q-01"):
        _move(world, "MED", "L-OLD", "DOCK", "A-01-01-1", 10)
    db.session.rollback()
    _move(world, "MED", "L-OLD", "DOCK", "Q-01", 10)
    assert on_hand(world, "MED", "Q-01", "L-OLD") == 10


def test_quarantined_lot_is_refused_in_picking_locations(world, supervisor_id):
    receive(world, "MED", "DOCK", 10, "L-LATE")
    inventory.change_lot_status(world.lots["L-LATE"].id, "quarantine", reason="QA", user_id=supervisor_id)
    with pytest.raises(DomainError, match="is quarantine"):
        _move(world, "MED", "L-LATE", "DOCK", "A-01-02-2", 1)


def test_blocked_location_mixing_and_capacity(world):
    receive(world, "MED", "DOCK", 30, "L-LATE")
    receive(world, "BOTTLE", "DOCK", 30)
    locations.set_blocked(world.loc["A-02-01-1"].id, True, "broken shelf")
    with pytest.raises(DomainError, match="blocked"):
        _move(world, "MED", "L-LATE", "DOCK", "A-02-01-1", 1)
    db.session.rollback()
    locations.update_location(world.loc["A-02-02-1"].id, mixing="one_product", capacity_units=12)
    _move(world, "MED", "L-LATE", "DOCK", "A-02-02-1", 10)
    with pytest.raises(DomainError, match="one product only"):
        _move(world, "BOTTLE", None, "DOCK", "A-02-02-1", 1)
    db.session.rollback()
    with pytest.raises(DomainError, match="room for 2 more"):
        _move(world, "MED", "L-LATE", "DOCK", "A-02-02-1", 3)


def test_lot_tracked_product_needs_a_lot(world):
    receive(world, "BOTTLE", "DOCK", 3)
    with pytest.raises(DomainError, match="tracked by lot"):
        _move(world, "MED", None, "DOCK", "A-01-01-1", 1)


def test_a_resent_scan_is_answered_not_applied_twice(world, worker_id):
    receive(world, "MED", "A-01-01-2", 50, "L-LATE")
    first = _move(world, "MED", "L-LATE", "A-01-01-2", "A-01-01-1", 5, worker_id, scan_id="scan-1")
    again = _move(world, "MED", "L-LATE", "A-01-01-2", "A-01-01-1", 5, worker_id, scan_id="scan-1")
    assert first == again
    assert on_hand(world, "MED", "A-01-01-1", "L-LATE") == 5


def test_moving_an_lpn_moves_everything_on_it(world, worker_id):
    pallet = inventory.create_lpn("PAL-1")
    receive(world, "MED", "DOCK", 24, "L-LATE", lpn=pallet)
    receive(world, "BOTTLE", "DOCK", 6, lpn=pallet)
    result = inventory.move_lpn(lpn_id=pallet.id, target_id=world.loc["A-02-03-2"].id, user_id=worker_id)
    assert result == {"lpn": "PAL-1", "target": "A-02-03-2", "units": 30, "items": 2}
    assert on_hand(world, "MED", "A-02-03-2", "L-LATE", lpn_id=pallet.id) == 24
    assert on_hand(world, "MED", "DOCK", "L-LATE", lpn_id=pallet.id) == 0
    assert db.session.get(type(pallet), pallet.id).location_id == world.loc["A-02-03-2"].id
    assert inventory.stock_mismatches() == []


def test_small_adjustment_applies_large_one_waits_for_a_supervisor(world, worker_id, supervisor_id):
    receive(world, "BOTTLE", "A-02-01-1", 40)
    small = inventory.adjust_stock(location_id=world.loc["A-02-01-1"].id, product_id=world.products["BOTTLE"].id,
                                   lot_id=None, delta=-2, reason="damaged", user_id=worker_id)
    assert small["status"] == "approved"
    assert on_hand(world, "BOTTLE", "A-02-01-1") == 38
    large = inventory.adjust_stock(location_id=world.loc["A-02-01-1"].id, product_id=world.products["BOTTLE"].id,
                                   lot_id=None, delta=-30, reason="lost", user_id=worker_id)
    assert large["status"] == "pending"
    assert on_hand(world, "BOTTLE", "A-02-01-1") == 38
    with pytest.raises(DomainError, match="Only a supervisor"):
        inventory.decide_adjustment(large["adjustment_id"], approve=True, user_id=worker_id)
    db.session.rollback()
    inventory.decide_adjustment(large["adjustment_id"], approve=True, user_id=supervisor_id, note="lost in a fire")
    assert on_hand(world, "BOTTLE", "A-02-01-1") == 8
    with pytest.raises(Conflict):
        inventory.decide_adjustment(large["adjustment_id"], approve=False, user_id=supervisor_id)
    virtual = world.virtual(LocationKind.ADJUSTMENT)
    assert db.session.scalar(select(func.sum(Move.quantity)).where(Move.to_location_id == virtual.id)) == 32


def test_adjustment_needs_a_known_reason(world, worker_id):
    with pytest.raises(DomainError, match="Choose a reason"):
        inventory.adjust_stock(location_id=world.loc["A-02-01-1"].id, product_id=world.products["BOTTLE"].id,
                               lot_id=None, delta=1, reason="because", user_id=worker_id)


def test_quarantine_with_segregation_moves_stock_out_of_picking(world, supervisor_id):
    receive(world, "MED", "A-01-01-1", 12, "L-SOON")
    receive(world, "MED", "A-01-02-2", 30, "L-SOON")
    receive(world, "MED", "DOCK", 5, "L-SOON")
    result = inventory.change_lot_status(world.lots["L-SOON"].id, "recalled", reason="Anvisa recall 123",
                                         reference="RE 123/2026", user_id=supervisor_id, segregate=True)
    assert result == {"lot": "L-SOON", "status": "recalled", "moved": 42}
    assert on_hand(world, "MED", "Q-01", "L-SOON") == 42
    assert on_hand(world, "MED", "DOCK", "L-SOON") == 5  # not in a picking location: left where it is
    lot = world.lots["L-SOON"]
    db.session.refresh(lot)
    assert [(h.from_status, h.to_status, h.reason) for h in lot.history] == [
        ("released", "recalled", "Anvisa recall 123")]
    with pytest.raises(DomainError, match="cannot become released"):
        inventory.change_lot_status(lot.id, "released", reason="oops", user_id=supervisor_id)


def test_lot_status_change_needs_a_reason(world, supervisor_id):
    with pytest.raises(DomainError, match="Say why"):
        inventory.change_lot_status(world.lots["L-SOON"].id, "blocked", reason=" ", user_id=supervisor_id)
    db.session.rollback()
    assert db.session.get(type(world.lots["L-SOON"]), world.lots["L-SOON"].id).status == LotStatus.RELEASED


def test_blind_count_small_variance_adjusts_large_waits(world, worker_id, supervisor_id):
    receive(world, "MED", "A-01-03-2", 20, "L-LATE")
    receive(world, "BOTTLE", "A-01-03-2", 40)
    task = inventory.open_count(world.loc["A-01-03-2"].id, user_id=supervisor_id)
    assert inventory.open_count(world.loc["A-01-03-2"].id, user_id=worker_id).id == task.id
    med, bottle = world.products["MED"].id, world.products["BOTTLE"].id
    result = inventory.submit_count(task.id, {(med, world.lots["L-LATE"].id, None): 18, (bottle, None, None): 0},
                                    user_id=worker_id, scan_id="count-1")
    assert result["status"] == "counted" and result["variances"] == 2 and result["pending"] == 1
    assert on_hand(world, "MED", "A-01-03-2", "L-LATE") == 18  # -2: within the threshold, applied
    assert on_hand(world, "BOTTLE", "A-01-03-2") == 40  # -40: waits
    assert inventory.submit_count(task.id, {}, user_id=worker_id, scan_id="count-1") == result
    pending = db.session.scalar(select(Adjustment).where(Adjustment.status == "pending"))
    inventory.decide_adjustment(pending.id, approve=True, user_id=supervisor_id, note="shelf empty")
    assert on_hand(world, "BOTTLE", "A-01-03-2") == 0
    assert db.session.get(CountTask, task.id).status == "done"
    assert inventory.stock_mismatches() == []


def test_count_finding_unknown_stock_adds_it(world, worker_id):
    task = inventory.open_count(world.loc["A-02-04-2"].id, user_id=worker_id)
    inventory.submit_count(task.id, {(world.products["BOTTLE"].id, None, None): 3}, user_id=worker_id)
    assert on_hand(world, "BOTTLE", "A-02-04-2") == 3


def test_conservation_every_unit_is_somewhere(world, worker_id, supervisor_id):
    receive(world, "MED", "A-01-01-2", 50, "L-LATE")
    _move(world, "MED", "L-LATE", "A-01-01-2", "A-01-01-1", 20, worker_id)
    inventory.adjust_stock(location_id=world.loc["A-01-01-1"].id, product_id=world.products["MED"].id,
                           lot_id=world.lots["L-LATE"].id, delta=-3, reason="damaged", user_id=supervisor_id)
    totals = {}
    for move in db.session.scalars(select(Move)):
        totals[move.from_location_id] = totals.get(move.from_location_id, 0) - move.quantity
        totals[move.to_location_id] = totals.get(move.to_location_id, 0) + move.quantity
    assert sum(totals.values()) == 0
    physical = db.session.scalar(select(func.sum(StockItem.quantity)))
    virtual = sum(v for k, v in totals.items() if db.session.get(type(world.loc["DOCK"]), k).is_virtual)
    assert physical + virtual == 0 and physical == 47


def test_lot_expiry_conflict_is_refused(world):
    from wms.catalog import services as catalog

    with pytest.raises(DomainError, match="expires on"):
        catalog.lot_in_transaction(world.products["MED"], "L-LATE", expires_on=clock.today() + timedelta(days=1))
