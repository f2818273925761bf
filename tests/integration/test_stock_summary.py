"""The stock summary (wms.inventory.summary) equals the stock items after every kind of change, whatever path
wrote them (ORM, set-based UPDATE, raw DELETE), before and after its deltas are folded in; location changes move
its units; lot status and expiry are applied when reading; `wms check` catches a wrong summary; the stock pages
show the same figures from the summary as an aggregate over the items."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.factories import build_world, receive
from tests.picking_helpers import stocked_world, take
from tests.returns_helpers import pick, ship
from wms import clock
from wms.catalog import services as catalog
from wms.extensions import db
from wms.inventory import availability, lots, queries, summary
from wms.inventory import services as inventory
from wms.inventory.models import StockItem
from wms.inventory.summary import StockSummaryDelta, StockSummaryKind, StockSummaryLot, StockSummaryProduct
from wms.locations import services as locations
from wms.orders.models import Order
from wms.picking import batch_allocation


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(StockSummaryDelta))


def right() -> bool:
    """summary == items with the deltas pending, and again once they are folded in."""
    db.session.commit()
    assert summary.drift() == []
    summary.compact()
    db.session.commit()
    assert pending() == 0
    assert summary.drift() == []
    return True


def product_row(product_id):
    return db.session.get(StockSummaryProduct, product_id)


def test_receipts_moves_adjustments_and_a_raw_delete_keep_the_summary_right(ctx):
    world = build_world()
    receive(world, "MED", "DOCK", 30, "L-LATE")
    receive(world, "BOTTLE", "A-01-01-1", 12)
    assert pending() > 0 and right()
    med, bottle = world.products["MED"], world.products["BOTTLE"]
    assert (product_row(med.id).on_hand, product_row(med.id).sellable) == (30, 0)  # on the dock: not sellable
    assert (product_row(bottle.id).on_hand, product_row(bottle.id).sellable, product_row(bottle.id).items) == (12, 12, 1)
    inventory.move_stock(product_id=med.id, lot_id=world.lots["L-LATE"].id, source_id=world.loc["DOCK"].id,
                         target_id=world.loc["A-01-02-1"].id, quantity=20, user_id=None)
    assert right()
    assert (product_row(med.id).on_hand, product_row(med.id).sellable, product_row(med.id).items) == (30, 20, 2)
    inventory.adjust_stock(location_id=world.loc["A-01-01-1"].id, product_id=bottle.id, lot_id=None, delta=-2,
                           reason="damaged", user_id=None)
    assert right() and product_row(bottle.id).on_hand == 10
    # the last units leave the dock: the item stays with 0 and counts no more
    inventory.move_stock(product_id=med.id, lot_id=world.lots["L-LATE"].id, source_id=world.loc["DOCK"].id,
                         target_id=world.loc["A-01-02-1"].id, quantity=10, user_id=None)
    assert right() and product_row(med.id).items == 1
    # whatever deletes an item (here raw SQL) takes its units off
    db.session.execute(text("DELETE FROM stock_items WHERE product_id = :p"), {"p": bottle.id})
    assert right() and (product_row(bottle.id).on_hand, product_row(bottle.id).items) == (0, 0)


def test_reserving_picking_into_totes_shipping_and_batch_allocation_keep_it_right(ctx):
    world = stocked_world()
    order_id = take([("MED", 5), ("BOTTLE", 3)])  # paid: allocated at once (reserved)
    assert right()
    med = world.products["MED"]
    assert product_row(med.id).reserved == 5
    totes = pick([order_id])  # units into the order's tote (not sellable), then to staging
    assert right()
    assert product_row(med.id).reserved == 0 and product_row(med.id).on_hand == 130
    ship(order_id, totes[order_id])
    db.session.commit()
    assert right() and product_row(med.id).on_hand == 125
    # batch allocation reserves with one UPDATE … FROM (VALUES …) per batch
    ids = [take([("MED", 4)], payment_status="pending"), take([("BOTTLE", 2)], payment_status="pending")]
    for order in db.session.scalars(select(Order).where(Order.id.in_(ids))):
        order.status, order.payment_status = "released", "paid"
    db.session.commit()
    batch_allocation.allocate_orders(ids)
    assert right()
    assert product_row(med.id).reserved == 4


def test_blocking_deactivating_or_changing_a_location_moves_its_units(ctx):
    world = build_world()
    receive(world, "MED", "A-01-01-1", 10, "L-LATE")  # left pending on purpose: placed by the facts of now
    med, bin_id = world.products["MED"], world.loc["A-01-01-1"].id
    locations.set_blocked(bin_id, True, reason="broken beam")
    assert right() and product_row(med.id).sellable == 0
    locations.set_blocked(bin_id, False)
    assert right() and product_row(med.id).sellable == 10
    summary.compact()
    locations.update_location(bin_id, active=False)  # folded units move this time
    assert right() and product_row(med.id).sellable == 0
    locations.update_location(bin_id, active=True, kind="staging")
    assert right() and product_row(med.id).sellable == 0
    assert db.session.get(StockSummaryLot, (world.lots["L-LATE"].id, med.id)).on_hand == 10
    assert db.session.get(StockSummaryKind, ("staging", med.id)).on_hand == 10
    locations.update_location(bin_id, kind="reserve")
    assert right() and product_row(med.id).sellable == 10
    # the kind level: the units left staging for reserve, sellable there
    staging, reserve = (db.session.get(StockSummaryKind, (kind, med.id)) for kind in ("staging", "reserve"))
    assert (staging.on_hand, staging.items, reserve.on_hand, reserve.items, reserve.sellable) == (0, 0, 10, 1, 10)


def test_a_recalled_or_expired_lot_is_taken_off_available_when_reading(ctx):
    world = build_world()
    receive(world, "MED", "A-01-01-1", 10, "L-LATE")
    receive(world, "MED", "A-01-02-1", 4, "L-OLD")  # expired 5 days ago
    receive(world, "BOTTLE", "A-01-03-1", 6)
    assert right()
    figures = queries.stock_page("product", queries.StockFilter(), 1)
    assert (figures.on_hand, figures.available) == (20, 16)
    lots.change_lot_status(world.lots["L-LATE"].id, "recalled", reason="Anvisa", user_id=None)
    db.session.commit()
    assert right()  # nothing stored changed for the status: the summary is still right
    figures = queries.stock_page("product", queries.StockFilter(), 1)
    assert (figures.on_hand, figures.available) == (20, 6)
    assert {r.sku: r.available for r in figures.rows} == {"BOTTLE": 6, "MED": 0}


def pending_by_place() -> dict:
    """The pending deltas' units on hand and items, summed by the place they carry (kind, open)."""
    rows = db.session.execute(select(StockSummaryDelta.kind, StockSummaryDelta.open, func.sum(StockSummaryDelta.on_hand),
                                     func.sum(StockSummaryDelta.items))
                              .group_by(StockSummaryDelta.kind, StockSummaryDelta.open)).all()
    return {(kind, bool(open_)): (int(on_hand), int(items)) for kind, open_, on_hand, items in rows
            if on_hand or items}


def kind_pages() -> dict:
    """Every kind-filtered stock page's count, totals and rows (page 1), by view and kind."""
    pages = {}
    for kind in ("pick_face", "reserve", "staging"):
        filters = queries.StockFilter.from_args({"kind": kind})
        for view in ("product", "lot", "location"):
            page = queries.stock_page(view, filters, 1)
            pages[view, kind] = ((page.page.total, page.on_hand, page.reserved, page.available),
                                 [(r.product_id, getattr(r, "lot_id", None), r.on_hand, r.available)
                                  for r in page.rows])
    return pages


def test_a_delta_carries_its_place_and_a_later_change_of_the_place_moves_it(ctx):
    """Each delta says where its units lie (location kind, open) as of when it was written, so nothing reads the
    locations to place it; a location's change after it moves all the location's units, the pending ones too. The
    kind pages read with the deltas pending show what they show once folded."""
    world = build_world()
    receive(world, "MED", "A-01-01-2", 10, "L-LATE")  # a reserve bin
    summary.compact()
    db.session.commit()
    med, face = world.products["MED"], world.loc["A-01-01-1"].id  # level 1: a pick face
    inventory.move_stock(product_id=med.id, lot_id=world.lots["L-LATE"].id, source_id=world.loc["A-01-01-2"].id,
                         target_id=face, quantity=4, user_id=None)
    db.session.commit()
    assert pending_by_place() == {("reserve", True): (-4, 0), ("pick_face", True): (4, 1)}
    locations.set_blocked(face, True, reason="broken beam")  # its units leave the open places, pending or not
    db.session.commit()
    assert pending_by_place() == {("reserve", True): (-4, 0), ("pick_face", False): (4, 1)}
    locations.update_location(face, kind="staging")
    db.session.commit()
    assert pending_by_place() == {("reserve", True): (-4, 0), ("staging", False): (4, 1)}
    waiting = kind_pages()
    assert waiting["product", "staging"][0] == (1, 4, 0, 0) and waiting["product", "reserve"][0] == (1, 6, 0, 6)
    assert right()  # folds them
    assert kind_pages() == waiting


@pytest.mark.parametrize("level", list(summary.LEVELS))
def test_wms_check_finds_a_wrong_summary_and_rebuild_repairs_it(app, runner, level):
    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-01-1", 10, "L-LATE")
        assert right()
        db.session.execute(text(f"UPDATE {level} SET on_hand = on_hand + 1"))
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1, result.output
    assert f"stock summary {level} " in result.output
    assert "1 stock summary mismatches" in result.output
    assert runner.invoke(args=["rebuild-summary"]).exit_code == 0
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output


def test_the_worker_folds_the_deltas(app):
    from wms import worker

    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-1", 3)
        assert pending() > 0
        assert worker.run_once().summary_folded > 0
        assert pending() == 0 and summary.drift() == []


# ---------------------------------------------------------------------------------------------- the pages

def seeded_world():
    """Several products, lots of every status and expiry, places of every kind, a blocked bin, a tote."""
    world = stocked_world()
    today = clock.today()
    med = world.products["MED"]
    for code, status, days in (("L-Q", "quarantine", 200), ("L-X", "recalled", 90)):
        world.lots[code] = catalog.lot_in_transaction(med, code, expires_on=today + timedelta(days=days),
                                                      status=status)
    world.products["SCREW"] = catalog.create_product(sku="SCREW", name="Parafuso", lot_tracked=True)
    world.lots["S-1"] = catalog.lot_in_transaction(world.products["SCREW"], "S-1")  # a lot with no expiry
    db.session.commit()
    receive(world, "MED", "A-02-01-1", 6, "L-Q")
    receive(world, "SCREW", "A-02-02-1", 9, "S-1")
    receive(world, "MED", "A-02-02-2", 2, "L-X")
    receive(world, "MED", "A-02-04-1", 5, "L-OLD")
    receive(world, "MED", "Q-01", 3, "L-LATE")
    receive(world, "BOTTLE", "DOCK", 11)
    receive(world, "BOTTLE", "A-01-05-1", 4, lpn=inventory.create_lpn("TOTE-9", kind="tote"))
    locations.set_blocked(world.loc["A-02-05-2"].id, True, reason="inspection")
    take([("MED", 7), ("BOTTLE", 5)])
    db.session.commit()
    return world


def from_items(view: str, filters) -> tuple[dict, tuple]:
    """The page's figures aggregated straight from the stock items (the way the pages read before the summary)."""
    keys = [StockItem.product_id] + ([StockItem.lot_id] if view == "lot" else [])
    rows = db.session.execute(queries.filtered_items(
        filters, *keys, func.sum(StockItem.quantity), func.sum(StockItem.reserved), availability.available_sum(),
        func.count(func.distinct(StockItem.location_id)), for_availability=True).group_by(*keys)).all()
    groups = {tuple(r[:len(keys)]): tuple(int(x) for x in r[len(keys):]) for r in rows}
    totals = tuple(sum(g[i] for g in groups.values()) for i in range(3))  # on hand, reserved, available
    return groups, totals


def shown(view: str, filters) -> tuple[dict, tuple, int]:
    page = queries.stock_page(view, filters, 1)
    groups = {((r.product_id, r.lot_id) if view == "lot" else (r.product_id,)):
              (r.on_hand, r.reserved, r.available, r.places) for r in page.rows} if view != "location" else {}
    return groups, (page.on_hand, page.reserved, page.available), page.page.total


FILTERS = [{}, {"kind": "pick_face"}, {"kind": "reserve"}, {"status": "quarantine"}, {"q": "MED"}, {"lot": "L-"},
           {"zone": "A"}, {"available": "1"}]


@pytest.mark.parametrize("settled", [True, False], ids=["settled", "deltas-pending"])
def test_the_pages_show_what_the_items_add_up_to(ctx, settled):
    seeded_world()
    if settled:
        summary.compact()
        db.session.commit()
    else:  # the pages add the pending deltas themselves (they never fold)
        assert pending() > 0
    for args in FILTERS:
        filters = queries.StockFilter.from_args(args)
        for view in ("product", "lot"):
            groups, totals = from_items(view, filters)
            assert shown(view, filters) == (groups, totals, len(groups)), (view, args)
        _, totals = from_items("product", filters)
        items = db.session.scalar(queries.filtered_items(filters, func.count(), for_availability=True))
        assert shown("location", filters)[1:] == (totals, items), args
    assert (pending() > 0) is not settled  # reading folded nothing


# ---------------------------------------------------------------------------------------------- concurrency

def test_opposite_moves_of_one_lot_folding_and_blocking_at_once_never_deadlock(app, is_postgres):
    """Moves of the same lot from sellable to not (S→N) and back (N→S) at once, over two pairs of bins whose items
    are written in id order S1, N1 and N2, S2 — the summary's keys in opposite orders, which would deadlock if
    each change updated its summary row —, a folder and a supervisor blocking and unblocking a fifth bin of the
    lot: no deadlock, no error, and the summary right."""
    if not is_postgres:
        pytest.skip("row locks and concurrent transactions: PostgreSQL (SQLite runs one writer at a time)")
    import threading

    from wms.uow import unit_of_work

    with app.app_context():
        world = build_world()
        for code in ("A-01-01-1", "STAGE", "PACK", "A-01-02-1", "A-02-01-1"):  # item ids in this order
            receive(world, "MED", code, 500, "L-LATE")
        ids = dict(product_id=world.products["MED"].id, lot_id=world.lots["L-LATE"].id)
        s1, n1, n2, s2, other = (world.loc[c].id for c in ("A-01-01-1", "STAGE", "PACK", "A-01-02-1", "A-02-01-1"))
        db.session.remove()
    errors, rounds, stop = [], 25, threading.Event()
    barrier = threading.Barrier(6)

    def mover(source, target):
        with app.app_context():
            barrier.wait()
            try:
                for _ in range(rounds):
                    inventory.move_stock(**ids, source_id=source, target_id=target, quantity=3, user_id=None)
            except Exception as exc:  # noqa: BLE001 - any error fails the test
                errors.append(repr(exc))
            finally:
                db.session.remove()

    def background(work):
        with app.app_context():
            barrier.wait()
            try:
                while not stop.is_set():
                    work()
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            finally:
                db.session.remove()

    def fold():
        with unit_of_work():
            summary.compact()

    flips = iter(range(10**9))

    def block():
        locations.set_blocked(other, next(flips) % 2 == 0, reason="inspection")

    movers = [threading.Thread(target=mover, args=pair) for pair in ((s1, n1), (n2, s2), (n1, s1), (s2, n2))]
    helpers = [threading.Thread(target=background, args=(work,)) for work in (fold, block)]
    for t in movers + helpers:
        t.start()
    for t in movers:
        t.join(timeout=120)
    stop.set()
    for t in helpers:
        t.join(timeout=60)
    assert errors == []
    with app.app_context():
        assert summary.drift() == [] and inventory.stock_mismatches() == []
        summary.compact()
        db.session.commit()
        assert summary.drift() == []
        assert db.session.get(StockSummaryProduct, ids["product_id"]).on_hand == 2500


@pytest.mark.parametrize("location_first", [False, True], ids=["move-first", "location-change-first"])
def test_a_move_and_a_change_of_its_place_at_once_keep_the_summary_right(app, is_postgres, location_first):
    """A move into a bin writes its delta with the bin's kind as it reads it; a supervisor changing that bin's kind
    at the same moment moves the bin's units as it sees them. Whichever starts first, the other waits for it
    (the item triggers take the place lock shared, a location's change exclusive), so the units are counted once,
    under the bin's new kind. Without the lock, the move's delta kept the old kind that nothing moved."""
    if not is_postgres:
        pytest.skip("concurrent transactions: PostgreSQL (SQLite runs one writer at a time)")
    import threading

    from wms.uow import unit_of_work

    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-01-2", 10, "L-LATE")
        ids = dict(product_id=world.products["MED"].id, lot_id=world.lots["L-LATE"].id,
                   source_id=world.loc["A-01-01-2"].id, target_id=world.loc["A-01-01-1"].id)
        db.session.remove()
    started, errors = threading.Event(), []

    def first():  # holds its transaction open until the other has had time to run into the lock
        with app.app_context():
            try:
                with unit_of_work():
                    if location_first:
                        locations.update_location(ids["target_id"], kind="staging")
                    else:
                        inventory.move_stock(**ids, quantity=4, user_id=None)
                    started.set()
                    threading.Event().wait(0.5)  # not an assertion: the test holds however long the other waits
            except Exception as exc:  # noqa: BLE001 - any error fails the test
                errors.append(repr(exc))
            finally:
                started.set()
                db.session.remove()

    def second():
        started.wait(30)
        with app.app_context():
            try:
                if location_first:
                    inventory.move_stock(**ids, quantity=4, user_id=None)
                else:
                    locations.update_location(ids["target_id"], kind="staging")
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with app.app_context():
        assert summary.drift() == []
        staging = queries.stock_page("product", queries.StockFilter.from_args({"kind": "staging"}), 1)
        assert (staging.on_hand, staging.available) == (4, 0)
        summary.compact()
        db.session.commit()
        assert summary.drift() == []


@pytest.mark.parametrize("kind", [None, "pick_face", "reserve", "staging"])
@pytest.mark.parametrize("folded", [True, False], ids=["folded", "deltas-pending"])
def test_the_walks_give_the_aggregates_rows_in_its_order(ctx, monkeypatch, kind, folded):
    """No filter or a location kind alone: the index walks (by product: SKU; by lot: dated lots by expiry, then the
    undated rows — a lot with no expiry, stock with no lot — by SKU; a page may hold both) give the same rows, in
    the same order, and the same totals as the aggregate over the summary's rows; small pages at every offset,
    deep ones found by the day they start on, with the deltas folded or pending."""
    from wms.inventory import summary_walks

    world = seeded_world()
    summary.compact()
    db.session.commit()
    if not folded:  # changes after the fold: a lot emptied out of pick faces, one emptied everywhere, new stock
        med, screw = world.products["MED"], world.products["SCREW"]
        inventory.move_stock(product_id=screw.id, lot_id=world.lots["S-1"].id, source_id=world.loc["A-02-02-1"].id,
                             target_id=world.loc["STAGE"].id, quantity=9, user_id=None)
        inventory.adjust_stock(location_id=world.loc["A-02-04-1"].id, product_id=med.id,
                               lot_id=world.lots["L-OLD"].id, delta=-5, reason="damaged", user_id=None)
        receive(world, "BOTTLE", "A-02-04-1", 3)
        receive(world, "MED", "A-02-01-2", 7, "L-SOON")
        db.session.commit()
        assert pending() > 0
    filters = queries.StockFilter.from_args({"kind": kind} if kind else {})
    walk = summary_walks.Walk(kind=kind, pending=not folded)
    assert queries._walk(filters) == walk
    expected = {}
    with monkeypatch.context() as patch:
        patch.setattr(queries, "_walk", lambda filters: None)  # the aggregate
        for view in ("product", "lot", "location"):
            page = queries.stock_page(view, filters, 1)
            expected[view] = ((page.page.total, page.on_hand, page.reserved, page.available),
                              [(r.product_id, getattr(r, "lot_id", None), r.on_hand, r.available, r.places)
                               for r in page.rows] if view != "location" else [])
    for view in ("product", "lot", "location"):
        page = queries.stock_page(view, filters, 1)
        assert (page.page.total, page.on_hand, page.reserved, page.available) == expected[view][0], view
    total, undated = db.session.execute(summary_walks.walk_totals(walk, "lot")).one()[:2]
    assert total == len(expected["lot"][1]) and (kind is not None or 0 < undated < total)
    monkeypatch.setattr(summary_walks, "DEEP", 1)
    walked, dated = [], total - undated
    # a deep page's count is its days' lots plus the undated (here page 2 asked: past the last, page 1 shown)
    assert sum(lots for _day, lots in db.session.execute(summary_walks.dated_days(walk))) == dated
    page = queries.stock_page("lot", filters, 2)
    assert ((page.page.total, page.on_hand, page.reserved, page.available),
            [(r.product_id, r.lot_id, r.on_hand, r.available, r.places) for r in page.rows]) == expected["lot"]
    for offset in range(0, total, 3):
        start = (summary_walks.start_of(db.session.execute(summary_walks.dated_days(walk)).all(), offset)
                 if offset < dated else None)
        for query in summary_walks.lot_page(walk, 3, offset, dated, start):
            walked += [(r.product_id, r.lot_id, r.on_hand, r.available) for r in db.session.execute(query)]
    assert walked == [row[:4] for row in expected["lot"][1]]
    walked = [(r.product_id, None, r.on_hand, r.available) for offset in range(0, len(expected["product"][1]), 2)
              for r in db.session.execute(summary_walks.product_page(walk, 2, offset))]
    assert walked == [row[:4] for row in expected["product"][1]]
    assert (pending() > 0) is not folded


def test_start_of_finds_the_day_a_deep_page_begins():
    from wms.inventory.summary_walks import start_of

    days = [("d1", 3), ("d2", 1), ("d3", 5)]
    assert [start_of(days, offset) for offset in (0, 2, 3, 4, 8)] == [
        ("d1", 0), ("d1", 2), ("d2", 0), ("d3", 0), ("d3", 4)]
    assert start_of(days, 9) == (None, 9) and start_of([], 0) == (None, 0)


# ---------------------------------------------------------------------------------------------- who folds

READ_PAGES = ["/desk", "/desk/stock/", "/desk/stock/?by=lot", "/desk/stock/?by=location", "/desk/stock/?kind=reserve",
              "/desk/stock/?by=lot&kind=pick_face", "/desk/stock/?status=quarantine", "/desk/stock/expiry"]


def test_the_desk_pages_read_the_pending_deltas_and_fold_nothing(app, client, auth):
    """A GET writes nothing: the deltas wait for `wms worker` (or `wms run`'s folding thread) and the pages add them
    themselves. Before, the stock pages folded them inside the GET's unit of work."""
    with app.app_context():
        seeded_world()
        waiting = pending()
        ids = set(db.session.scalars(select(StockSummaryDelta.id)))
        db.session.remove()
    assert waiting > 0
    auth.login()
    for path in READ_PAGES:
        assert client.get(path).status_code == 200, path
    with app.app_context():
        assert set(db.session.scalars(select(StockSummaryDelta.id))) == ids
        assert db.session.scalar(select(func.count()).select_from(StockSummaryProduct)) == 0  # nothing folded


def test_the_folding_thread_folds_until_it_is_stopped(app):
    """`wms run`'s thread: the worker's loop with the pass that only folds, in the app's context of its own."""
    import threading
    import time

    from wms import worker

    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-1", 3)
        bottle = world.products["BOTTLE"].id
        assert pending() > 0
        db.session.remove()
    stop = threading.Event()
    loop = {"app": app, "interval": 0.05, "stop": stop, "one_pass": worker.fold_once, "due_in": None}
    folder = threading.Thread(target=worker.run, kwargs=loop, daemon=True)
    folder.start()
    with app.app_context():
        deadline = time.monotonic() + 20
        while pending() and time.monotonic() < deadline:
            db.session.remove()
            stop.wait(0.05)
        assert pending() == 0 and summary.drift() == []
        assert product_row(bottle).on_hand == 3
        db.session.remove()
    stop.set()
    folder.join(timeout=10)
    assert not folder.is_alive()


def test_wms_run_folds_the_summary_while_it_serves(app, runner, users, monkeypatch):
    """`wms run` (the demo, no worker) starts the folding thread beside the server and stops it with the server."""
    import threading
    import time

    import waitress

    from wms import worker

    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-1", 3)
        db.session.remove()
    seen = {}

    def serve(app_, **_options):  # stands for the server: waits, as while serving, until the thread has folded
        with app_.app_context():
            deadline = time.monotonic() + 20
            while pending() and time.monotonic() < deadline:
                db.session.remove()
                time.sleep(0.05)
            seen["folded"] = pending() == 0
            seen["threads"] = {t.name for t in threading.enumerate()}
            db.session.remove()

    monkeypatch.setattr(waitress, "serve", serve)
    loops, real_run = [], worker.run

    def run(**loop):  # the thread runs the worker's own loop
        loops.append(loop)
        real_run(**loop)

    monkeypatch.setattr(worker, "run", run)
    result = runner.invoke(args=["run", "--fold-every", "0.05"])
    assert result.exit_code == 0, result.output
    assert seen["folded"] and "stock-summary-fold" in seen["threads"]
    assert [(loop["one_pass"], loop["due_in"], loop["interval"]) for loop in loops] == [(worker.fold_once, None, 0.05)]


def test_the_pass_of_wms_run_only_folds_and_a_failed_fold_is_tried_again_at_the_next_pass(app, monkeypatch):
    """The worker's loop with `fold_once` (as `wms run`'s thread runs it): a fold that fails is reported and the
    loop goes on; the next pass folds. Nothing else the worker does is done (a queued label is not sent)."""
    import threading

    from wms import worker
    from wms.printing import sender

    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-1", 3)
        bottle = world.products["BOTTLE"].id
        assert pending() > 0
        db.session.remove()
    real_fold, folds = summary.fold_pending, []

    def fold_pending():  # the first fold fails (a database that went away for a moment)
        folds.append(1)
        if len(folds) == 1:
            raise RuntimeError("connection lost")
        return real_fold()

    def drain():
        raise AssertionError("the demo's fold pass must not drain the print queue")

    monkeypatch.setattr(summary, "fold_pending", fold_pending)
    monkeypatch.setattr(sender, "drain", drain)
    stop, passes, lines = threading.Event(), [], []

    def one_pass():  # fold_once, counted; the second pass is the last
        passes.append(worker.fold_once())
        if len(passes) == 2:
            stop.set()
        return passes[-1]

    worker.run(app=app, interval=0.01, stop=stop, one_pass=one_pass, due_in=None, echo=lines.append)
    assert [p.errors for p in passes] == [["stock summary: RuntimeError: connection lost"], []]
    assert passes[1].summary_folded > 0
    assert lines[-1] == "error in stock summary: RuntimeError: connection lost" and len(lines) == 2
    with app.app_context():
        assert pending() == 0 and summary.drift() == []
        assert product_row(bottle).on_hand == 3


def test_lot_in_stock_is_right_with_deltas_pending(ctx):
    """The tiles and the expiry page ask "has this lot stock?": from the folded lot rows, corrected by the lots with
    pending deltas (a lot emptied since the fold is out, a lot stocked since is in)."""
    from wms.catalog.models import Lot

    world = seeded_world()
    summary.compact()
    db.session.commit()
    med = world.products["MED"]
    inventory.adjust_stock(location_id=world.loc["A-02-04-1"].id, product_id=med.id, lot_id=world.lots["L-OLD"].id,
                           delta=-5, reason="damaged", user_id=None)  # L-OLD emptied
    world.lots["L-NEW"] = catalog.lot_in_transaction(med, "L-NEW", expires_on=clock.today() + timedelta(days=50))
    receive(world, "MED", "A-02-01-2", 7, "L-NEW")
    db.session.commit()
    truth = set(db.session.scalars(select(StockItem.lot_id).where(StockItem.quantity > 0, StockItem.lot_id.is_not(None))))
    assert world.lots["L-OLD"].id not in truth and world.lots["L-NEW"].id in truth
    for waiting in (1, None, summary.MANY):  # corrected by the pending lots; as the pages ask; from the items
        assert set(db.session.scalars(select(Lot.id).where(summary.lot_in_stock(Lot.id, waiting)))) == truth
    summary.compact()
    db.session.commit()
    assert set(db.session.scalars(select(Lot.id).where(summary.lot_in_stock(Lot.id, 0)))) == truth
