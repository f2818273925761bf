"""Orders, allocation, waves, picking, short picks, lot substitution, replenishment and cancellation, through
the services (SQLite and PostgreSQL). After every flow: the ledger equals the stock items, and reservations
equal `StockItem.reserved` and `OrderLine.allocated`."""
import pytest
from sqlalchemy import func, select

from tests.factories import receive
from tests.picking_helpers import books_are_right, payload, reserved_by_item, stocked_world, take
from wms.errors import Conflict, DomainError
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import CountTask, Lpn, Move, StockItem
from wms.locations import layout
from wms.locations import services as locations
from wms.orders import services as orders
from wms.orders.models import Order, OrderStatus
from wms.picking import backorders, picks, queries, replenishment, reservations, waves
from wms.picking.models import PickTask, ReplenishmentTask, Reservation, Wave


@pytest.fixture
def world(ctx):
    return stocked_world()


def order(order_id) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def line(order_id, number=1):
    return order(order_id).lines[number - 1]


def wave_with_totes(order_ids, *totes):
    wave = waves.build_wave(order_ids=order_ids, max_orders=len(order_ids), user_id=None)
    for code in totes or [f"TOTE-{i}" for i in range(1, len(order_ids) + 1)]:
        picks.bind_tote(wave.id, code, user_id=None)
    return db.session.get(Wave, wave.id)


def pick_all(wave_id, **overrides):
    """Pick every task in walking order as told; returns the tasks in the order they were picked."""
    done = []
    while (task := waves.next_task(wave_id)) is not None:
        picks.confirm_pick(task.id, quantity=overrides.get(task.id, task.quantity), lot_id=task.lot_id,
                           tote_code=task.wave_order.tote.code, user_id=None)
        done.append(task.id)
    return done


# --- orders and allocation -----------------------------------------------------------------------------------


def test_a_paid_order_is_allocated_fefo_at_once(world):
    order_id = take([("MED", 25), ("BOTTLE", 5)])
    o = order(order_id)
    assert o.status == OrderStatus.ALLOCATED
    # L-SOON first (all 20, from reserve), then L-LATE from the pick face before reserve; bottles from the face.
    assert reserved_by_item() == {("A-01-02-2", "L-SOON"): 20, ("A-01-01-1", "L-LATE"): 5, ("A-01-04-1", None): 5}
    assert [(ln.allocated, ln.outstanding) for ln in o.lines] == [(25, 0), (5, 0)]
    assert books_are_right()


def test_an_order_awaiting_payment_waits_and_release_allocates_it(world):
    order_id = take([("MED", 3)], payment_status="pending")
    assert order(order_id).status == OrderStatus.AWAITING_PAYMENT
    assert db.session.scalar(select(func.count()).select_from(Reservation)) == 0
    orders.release(order_id)
    assert order(order_id).status == OrderStatus.ALLOCATED
    assert order(order_id).payment_status == "paid"
    orders.release(order_id)  # again: nothing changes
    assert sum(reserved_by_item().values()) == 3
    assert books_are_right()


def test_the_same_order_twice_is_one_order_and_a_reused_id_is_refused(world):
    data = payload([("MED", 2)], channel_order_id="MLB-1")
    first, created = orders.take_order(data)
    again, created_again = orders.take_order(dict(data))
    assert (created, created_again) == (True, False) and first.id == again.id
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    with pytest.raises(Conflict):
        orders.take_order(payload([("MED", 3)], channel_order_id="MLB-1"))
    # the same id on another channel is another order
    orders.take_order(payload([("MED", 2)], channel_order_id="MLB-1", channel="marketplace"))
    assert db.session.scalar(select(func.count()).select_from(Order)) == 2
    assert sum(reserved_by_item().values()) == 4


def test_bad_orders_change_nothing_and_say_which_field(world):
    data = payload([("MED", 2), ("NOPE", 1)])
    data["ship_to"] = dict(data["ship_to"], cep="123")
    data["customer"] = dict(data["customer"], document="111.111.111-11")
    with pytest.raises(orders.OrderRejected) as caught:
        orders.take_order(data)
    assert set(caught.value.details["fields"]) == {"lines[1].sku", "ship_to.cep", "customer.document"}
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_channel_customer_and_product_minimums_the_strictest_wins(world):
    orders.set_channel_rule("marketplace", "medicine", 180, user_id=None)
    market = take([("MED", 5)], channel="marketplace")
    assert reserved_by_item() == {("A-01-01-1", "L-LATE"): 5}  # L-SOON has 30 days left, not 180
    picky = take([("MED", 5)], customer={"name": "Rede Farma", "min_shelf_life_days": 500})
    assert order(picky).status == OrderStatus.BACKORDERED  # no lot has 500 days left
    site = take([("MED", 5)])
    assert order(site).lines[0].allocated == 5
    assert reserved_by_item()[("A-01-02-2", "L-SOON")] == 5  # the site takes the short-dated lot first
    assert order(market).status == OrderStatus.ALLOCATED
    assert books_are_right()


def test_back_orders_are_shown_and_allocated_when_stock_arrives(world):
    first = take([("BOTTLE", 45)])
    second = take([("BOTTLE", 10)])
    assert (line(first).allocated, line(first).outstanding) == (45, 0)
    assert order(second).status == OrderStatus.PARTIALLY_ALLOCATED
    assert (line(second).allocated, line(second).outstanding) == (3, 7)  # never the units the first one holds
    receive(world, "BOTTLE", "A-01-05-2", 30)
    assert backorders.allocate_backorders(user_id=None) == {"orders": 1, "improved": 1}
    assert order(second).status == OrderStatus.ALLOCATED
    assert books_are_right()


def test_blocked_inactive_tote_and_expired_stock_is_never_allocated(world):
    receive(world, "MED", "A-01-03-2", 50, "L-OLD")  # expired
    locations.set_blocked(world.loc["A-01-02-2"].id, True, "rack damaged")  # holds L-SOON
    order_id = take([("MED", 12)])
    assert reserved_by_item() == {("A-01-01-1", "L-LATE"): 10, ("A-02-03-2", "L-LATE"): 2}
    assert order(order_id).status == OrderStatus.ALLOCATED


def test_a_lot_that_is_recalled_gives_its_reservations_back_and_lines_are_allocated_again(world):
    order_id = take([("MED", 25)])
    lot = world.lots["L-SOON"]
    inventory.change_lot_status(lot.id, "recalled", reason="Anvisa alert", user_id=None)
    assert reserved_by_item() == {("A-01-01-1", "L-LATE"): 10, ("A-02-03-2", "L-LATE"): 15}
    assert order(order_id).status == OrderStatus.ALLOCATED
    assert books_are_right()


def test_quarantine_with_segregation_works_after_the_hook_freed_the_units(world):
    take([("MED", 5)])
    result = inventory.change_lot_status(world.lots["L-SOON"].id, "quarantine", reason="temperature",
                                         user_id=None, segregate=True)
    assert result["moved"] == 20
    assert reserved_by_item() == {("A-01-01-1", "L-LATE"): 5}
    assert books_are_right()


def test_reservation_check_finds_a_tampered_figure(world):
    take([("MED", 3)])
    item = db.session.scalar(select(StockItem).where(StockItem.reserved > 0))
    item.reserved += 1
    db.session.flush()
    assert reservations.reservation_mismatches() == [{"stock_item": item.id, "reserved": 4, "reservations": 3}]
    db.session.rollback()


# --- waves and picking ---------------------------------------------------------------------------------------


def test_a_wave_takes_allocated_orders_most_urgent_first_and_walks_in_route_order(world):
    late = take([("BOTTLE", 2)], promised_days=3)
    urgent = take([("MED", 3), ("BOTTLE", 1)], promised_days=0)
    held = take([("MED", 1)], promised_days=0)
    orders.hold(held, "address check", user_id=None)
    take([("MED", 1)], payment_status="pending")
    wave = waves.build_wave(max_orders=2, user_id=None)
    assert [wo.order_id for wo in wave.orders] == [urgent, late]
    assert order(urgent).status == OrderStatus.PICKING
    tasks = waves.wave_tasks(wave.id)
    assert sum(t.quantity for t in tasks) == 6
    assert [t.sequence for t in tasks] == list(range(1, len(tasks) + 1))
    # The walk the tasks give is the planner's: no order of the same stops is shorter.
    ordered = [t.location for t in tasks]
    _order, distance = layout.plan_walk(ordered)
    assert wave.planned_distance_m == pytest.approx(distance, abs=0.1)
    with pytest.raises(DomainError):
        waves.build_wave(order_ids=[urgent], max_orders=1, user_id=None)  # already in a wave


def test_totes_are_bound_one_per_order_and_must_be_empty_and_free(world):
    a, b = take([("MED", 1)]), take([("BOTTLE", 1)])
    wave = waves.build_wave(order_ids=[a, b], max_orders=2, user_id=None)
    with pytest.raises(DomainError):
        picks.bind_tote(wave.id, "A-01-01-1", user_id=None)  # a location is no tote... nor a new code
    pallet = inventory.create_lpn("PALLET-9")
    db.session.commit()
    with pytest.raises(DomainError, match="not a tote"):
        picks.bind_tote(wave.id, pallet.code, user_id=None)
    assert picks.bind_tote(wave.id, "tote-1", user_id=None, scan_id="s1")["slot"] == 1
    assert picks.bind_tote(wave.id, "TOTE-1", user_id=None, scan_id="s1")["slot"] == 1  # a resend
    with pytest.raises(DomainError, match="already in use"):
        picks.bind_tote(wave.id, "TOTE-1", user_id=None)
    assert picks.bind_tote(wave.id, "TOTE-2", user_id=None)["started"] is True
    assert db.session.get(Wave, wave.id).status == "picking"
    assert db.session.scalar(select(Lpn).where(Lpn.code == "TOTE-2")).kind == "tote"


def test_picking_moves_the_reservation_into_the_tote_once(world):
    order_id = take([("MED", 4)])
    wave = wave_with_totes([order_id])
    task = waves.next_task(wave.id)
    first = picks.confirm_pick(task.id, quantity=4, lot_id=task.lot_id, tote_code="TOTE-1", user_id=None,
                               scan_id="scan-1")
    again = picks.confirm_pick(task.id, quantity=4, lot_id=task.lot_id, tote_code="TOTE-1", user_id=None,
                               scan_id="scan-1")
    assert first == again and first["short"] is False
    assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "pick")) == 1
    tote = db.session.scalar(select(Lpn).where(Lpn.code == "TOTE-1"))
    assert [(i.location.code, i.quantity) for i in waves.tote_contents(tote.id)] == [("W1/CARTS", 4)]
    assert reserved_by_item() == {}
    assert (line(order_id).allocated, line(order_id).picked) == (0, 4)
    assert order(order_id).status == OrderStatus.PICKED
    with pytest.raises(Conflict):
        picks.confirm_pick(task.id, quantity=4, lot_id=task.lot_id, tote_code="TOTE-1", user_id=None)
    assert books_are_right()


def test_the_wrong_tote_changes_nothing(world):
    a, b = take([("MED", 1)]), take([("BOTTLE", 1)])
    wave = wave_with_totes([a, b])
    task = waves.next_task(wave.id)
    other = "TOTE-2" if task.wave_order.tote.code == "TOTE-1" else "TOTE-1"
    with pytest.raises(DomainError, match="not the tote"):
        picks.confirm_pick(task.id, quantity=1, lot_id=task.lot_id, tote_code=other, user_id=None)
    db.session.rollback()
    assert db.session.get(PickTask, task.id).status == "open"
    assert books_are_right()


def test_another_lot_of_later_expiry_swaps_the_reservation(world):
    receive(world, "MED", "A-01-02-2", 10, "L-LATE")  # the short-dated lot's bin also holds the later lot
    order_id = take([("MED", 5)])
    wave = wave_with_totes([order_id])
    task = waves.next_task(wave.id)
    assert task.lot.code == "L-SOON"
    late = world.lots["L-LATE"]
    result = picks.confirm_pick(task.id, quantity=5, lot_id=late.id, tote_code="TOTE-1", user_id=None)
    assert result["substituted"] is True
    task = db.session.get(PickTask, task.id)
    assert (task.lot.code, task.substituted_lot.code) == ("L-LATE", "L-SOON")
    pick = db.session.scalar(select(Move).where(Move.reason == "pick"))
    assert (pick.lot_id, pick.quantity) == (late.id, 5)
    assert reserved_by_item() == {}
    assert books_are_right()


def test_a_lot_that_expires_sooner_expired_or_not_there_is_refused(world):
    receive(world, "MED", "A-01-01-1", 5, "L-SOON")  # the face holds both lots
    receive(world, "MED", "A-01-01-1", 5, "L-OLD")  # and an expired one (a mistake to be found)
    orders.set_channel_rule("marketplace", "medicine", 180, user_id=None)
    market = take([("MED", 4)], channel="marketplace")  # L-LATE: L-SOON has only 30 days left
    site = take([("MED", 25)])  # L-SOON: all 20 in reserve, 5 at the face
    wave = wave_with_totes([market, site])
    tasks = waves.wave_tasks(wave.id)
    late_task = next(t for t in tasks if t.lot.code == "L-LATE")
    soon_task = next(t for t in tasks if t.location.code == "A-01-02-2")
    for task, lot, message in ((late_task, "L-SOON", "expires before"), (late_task, "L-OLD", "expired"),
                               (soon_task, "L-OLD", "expired"), (soon_task, "L-LATE", "free")):
        with pytest.raises(DomainError, match=message):
            picks.confirm_pick(task.id, quantity=task.quantity, lot_id=world.lots[lot].id,
                               tote_code=task.wave_order.tote.code, user_id=None)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "pick")) == 0
    assert books_are_right()


def test_a_short_pick_counts_the_bin_and_allocates_the_rest_elsewhere(world):
    order_id = take([("MED", 8)])  # L-SOON at A-01-02-2
    wave = wave_with_totes([order_id])
    task = waves.next_task(wave.id)
    assert task.location.code == "A-01-02-2"
    result = picks.confirm_pick(task.id, quantity=3, lot_id=task.lot_id, tote_code="TOTE-1", user_id=None,
                                scan_id="short-1")
    assert result["short"] and result["picked"] == 3 and result["backordered"] == 0
    count = db.session.scalar(select(CountTask).where(CountTask.reason == "short_pick"))
    assert count.location.code == "A-01-02-2" and count.status == "open"
    # the rest comes from another bin (never the doubtful one), as a new task of the same wave
    new = waves.next_task(wave.id)
    assert (new.location.code, new.quantity, new.lot.code) == ("A-01-01-1", 5, "L-LATE")
    assert (line(order_id).allocated, line(order_id).picked) == (5, 3)
    # the bin in doubt is not allocated again until it is counted
    other = take([("MED", 30)])
    assert ("A-01-02-2", "L-SOON") not in reserved_by_item()
    assert line(other).allocated == 30
    assert books_are_right()


def test_a_short_pick_with_nothing_elsewhere_is_back_ordered(world):
    order_id = take([("BOTTLE", 48)])
    wave = wave_with_totes([order_id])
    tasks = {t.location.code: t for t in waves.wave_tasks(wave.id)}
    face = tasks["A-01-04-1"]
    picks.confirm_pick(face.id, quantity=0, lot_id=None, tote_code=None, user_id=None)
    assert (line(order_id).allocated, line(order_id).picked, line(order_id).outstanding) == (40, 0, 8)
    pick_all(wave.id)
    picks.finish_wave(wave.id, "STAGE", user_id=None)
    assert order(order_id).status == OrderStatus.BACKORDERED
    assert books_are_right()


def test_a_skipped_task_comes_back_after_the_others(world):
    order_id = take([("MED", 25), ("BOTTLE", 2)])
    wave = wave_with_totes([order_id])
    first = waves.next_task(wave.id)
    picks.skip_task(first.id, user_id=None)
    walked = pick_all(wave.id)
    assert walked[-1] == first.id and len(walked) == len(waves.wave_tasks(wave.id))


def test_finishing_a_wave_leaves_the_totes_in_staging(world):
    a, b, c = take([("MED", 3)]), take([("BOTTLE", 2), ("MED", 1)]), take([("MED", 2)])
    wave = wave_with_totes([a, b, c])
    with pytest.raises(DomainError, match="still open"):
        picks.finish_wave(wave.id, "STAGE", user_id=None)
    db.session.rollback()
    pick_all(wave.id)
    with pytest.raises(DomainError, match="not a staging"):
        picks.finish_wave(wave.id, "A-01-01-1", user_id=None)
    db.session.rollback()
    result = picks.finish_wave(wave.id, "STAGE", user_id=None, scan_id="fin")
    assert result == picks.finish_wave(wave.id, "STAGE", user_id=None, scan_id="fin")
    assert result["units"] == 8
    staged = db.session.scalars(select(StockItem).where(StockItem.location_id == world.loc["STAGE"].id,
                                                        StockItem.quantity > 0)).all()
    assert sorted((i.lpn.code, i.product.sku, i.quantity) for i in staged) == [
        ("TOTE-1", "MED", 3), ("TOTE-2", "BOTTLE", 2), ("TOTE-2", "MED", 1), ("TOTE-3", "MED", 2)]
    assert {order(i).status for i in (a, b, c)} == {OrderStatus.PICKED}
    assert db.session.get(Wave, wave.id).status == "done"
    assert books_are_right()


# --- cancelling ----------------------------------------------------------------------------------------------


def test_cancelling_releases_reservations_and_puts_picked_units_back_by_ledger(world):
    order_id = take([("MED", 12), ("BOTTLE", 2)])
    wave = wave_with_totes([order_id])
    task = waves.next_task(wave.id)
    picks.confirm_pick(task.id, quantity=task.quantity, lot_id=task.lot_id, tote_code="TOTE-1", user_id=None)
    picked_from = db.session.get(PickTask, task.id).location.code
    before = inventory.ledger_balance(world.loc[picked_from].id, task.product_id, task.lot_id, None)
    cancelled, returned = orders.cancel(order_id, reason="customer gave up")
    assert cancelled.status == OrderStatus.CANCELLED
    assert returned == [{"sku": task.product.sku, "quantity": task.quantity, "to": picked_from}]
    assert inventory.ledger_balance(world.loc[picked_from].id, task.product_id, task.lot_id, None) == \
        before + task.quantity
    assert reserved_by_item() == {}
    assert {t.status for t in waves.wave_tasks(wave.id)} == {"done", "cancelled"}
    assert orders.cancel(order_id)[1] == []  # again: nothing more
    assert books_are_right()


def test_units_whose_bin_no_longer_takes_them_go_to_returns(world):
    order_id = take([("BOTTLE", 3)])
    wave = wave_with_totes([order_id])
    pick_all(wave.id)
    picks.finish_wave(wave.id, "STAGE", user_id=None)
    locations.set_blocked(world.loc["A-01-04-1"].id, True, "cleaning")
    _order, returned = orders.cancel(order_id)
    assert returned == [{"sku": "BOTTLE", "quantity": 3, "to": "RET"}]
    assert books_are_right()


def test_packed_orders_are_not_cancelled_here(world):
    order_id = take([("BOTTLE", 1)])
    o = order(order_id)
    o.status = OrderStatus.SHIPPED.value
    db.session.commit()
    with pytest.raises(Conflict):
        orders.cancel(order_id)


# --- replenishment -------------------------------------------------------------------------------------------


def test_allocation_below_a_faces_minimum_opens_a_fefo_replenishment(world):
    receive(world, "BOTTLE", "A-01-03-2", 15)  # reserve, nearer... the rule is FEFO first, then nearest
    face = world.loc["A-01-04-1"]
    locations.update_location(face.id, slot_product_id=world.products["BOTTLE"].id, slot_min=5, slot_max=20)
    take([("BOTTLE", 6)])  # the face had 8 free; now 2
    tasks = db.session.scalars(select(ReplenishmentTask)).all()
    assert [(t.from_location.code, t.to_location.code, t.quantity) for t in tasks] == [("A-01-03-2", "A-01-04-1", 12)]
    take([("BOTTLE", 1)])  # still below: no second task while one is open
    assert db.session.scalar(select(func.count()).select_from(ReplenishmentTask)) == 1
    done = replenishment.complete_replenishment(tasks[0].id, quantity=12, user_id=None, scan_id="r1")
    assert done == replenishment.complete_replenishment(tasks[0].id, quantity=12, user_id=None, scan_id="r1")
    assert inventory.ledger_balance(face.id, world.products["BOTTLE"].id, None, None) == 20
    assert books_are_right()


def test_replenishments_a_wave_needs_come_first(world):
    bottle, med = world.products["BOTTLE"].id, world.products["MED"].id
    locations.update_location(world.loc["A-02-01-1"].id, slot_product_id=med, slot_min=5, slot_max=10)
    replenishment.replenish_faces([world.loc["A-02-01-1"].id], user_id=None)
    locations.update_location(world.loc["A-01-04-1"].id, slot_product_id=bottle, slot_min=5, slot_max=20)
    order_id = take([("BOTTLE", 6)])
    wave = wave_with_totes([order_id])
    ranked = queries.open_replenishments()
    assert [(t.to_location.code, needed) for t, needed in ranked] == [("A-01-04-1", wave.code), ("A-02-01-1", None)]


def test_a_lot_blocked_during_a_wave_moves_its_tasks_to_another_lot(world):
    order_id = take([("MED", 12)])  # L-SOON in reserve
    wave = wave_with_totes([order_id])
    old = waves.next_task(wave.id)
    assert old.lot.code == "L-SOON"
    inventory.change_lot_status(world.lots["L-SOON"].id, "blocked", reason="temperature log lost", user_id=None)
    assert db.session.get(PickTask, old.id).status == "cancelled"
    tasks = [t for t in waves.wave_tasks(wave.id) if t.status == "open"]
    assert sorted((t.location.code, t.lot.code, t.quantity) for t in tasks) == [
        ("A-01-01-1", "L-LATE", 10), ("A-02-03-2", "L-LATE", 2)]
    assert sorted(t.sequence for t in tasks) == [1, 2]
    with pytest.raises(Conflict):
        picks.confirm_pick(old.id, quantity=12, lot_id=old.lot_id, tote_code="TOTE-1", user_id=None)
    db.session.rollback()
    pick_all(wave.id)
    assert order(order_id).status == OrderStatus.PICKED
    assert books_are_right()


def test_a_recall_holds_orders_whose_totes_already_hold_the_lot(world):
    """Picked units of a lot recalled afterwards must not be packed: the order is held, saying what to take out."""
    order_id = take([("MED", 3)])
    wave = wave_with_totes([order_id], "TOTE-R")
    pick_all(wave.id)
    picked_lot = db.session.scalar(select(StockItem).join(Lpn, Lpn.id == StockItem.lpn_id)
                                   .where(Lpn.code == "TOTE-R", StockItem.quantity > 0)).lot
    inventory.change_lot_status(picked_lot.id, "recalled", reason="Anvisa recall", user_id=None)
    held = order(order_id)
    assert held.on_hold
    assert f"Lot {picked_lot.code} is recalled: take 3 × MED out of tote TOTE-R." == held.hold_reason
    assert books_are_right()
