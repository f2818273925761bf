"""Another worker commits while a stock decision is being made: between the screen's read of a row and the
service's lock of it (`read_then_wait`), or while the other holds that lock (`behind_a_lock`). The lock reads the
row afresh, so the decision is made on the row as it is once locked: a count finished on another handheld is not
recorded again, a bin blocked meanwhile takes nothing, a lot recalled meanwhile stays out of picking, a lot is
recalled once, the last two approvals of a count close it, the same scan sent twice at once moves once, and a
move that loses a deadlock answers 409. PostgreSQL only: SQLite holds its write lock from the first read, so
nothing commits in between.
"""
import pytest
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, build_world, receive
from tests.handheld_client import HX, page, press, scan
from tests.interleave import behind_a_lock, read_then_wait
from wms import events, gs1
from wms.catalog.models import Lot
from wms.errors import Conflict
from wms.extensions import db
from wms.inventory import adjustments, counts, handheld_count, lookup
from wms.inventory import services as inventory
from wms.inventory.models import Adjustment, CountLine, CountTask, Move, StockItem
from wms.locations import services as locations
from wms.recall import services as recall
from wms.recall.models import Recall


@pytest.fixture
def racing(app, users, is_postgres) -> dict:
    """W1 (tests/factories.py) with MED L-LATE × 8 and BOTTLE × 12 in A-01-02-2. PostgreSQL only."""
    if not is_postgres:
        pytest.skip("SQLite takes its write lock at the first read: nothing commits between the read and the lock")
    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-02-2", 8, "L-LATE")
        receive(world, "BOTTLE", "A-01-02-2", 12)
        ids = {"bin": world.loc["A-01-02-2"].id, "med": world.products["MED"].id,
               "bottle": world.products["BOTTLE"].id, "late": world.lots["L-LATE"].id,
               "late_expires": world.lots["L-LATE"].expires_on, "target": world.loc["A-02-05-2"].id}
        db.session.remove()
    return ids


def _on_hand(app, location_id: int) -> dict:
    with app.app_context():
        found = dict(db.session.execute(select(StockItem.product_id, func.sum(StockItem.quantity)).where(
            StockItem.location_id == location_id).group_by(StockItem.product_id)).all())
        db.session.remove()
    return found


def _books_are_right(app) -> bool:
    with app.app_context():
        right = inventory.stock_mismatches() == []
        db.session.remove()
    return right


def test_a_count_finished_on_another_handheld_after_the_screen_read_it_is_not_recorded_again(app, client, racing,
                                                                                          monkeypatch):
    """Two workers counted the same bin; the other finishes first (8, as the books say). This one's Finish read the
    task open; once locked it is done: refused (409), nothing counted twice, no adjustment from the stale count."""
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    screen = scan(client, client.get("/hh/stock/count"), "A-01-02-2")
    screen = scan(client, screen, gs1.element_string(gtin=MEDICINE_GTIN, expires_on=racing["late_expires"],
                                                     lot="L-LATE"))
    with app.app_context():
        task_id = db.session.scalar(select(CountTask.id))
    response, done = read_then_wait(
        app, monkeypatch, handheld_count, "form_rows",
        lambda: press(client, screen, choice={"action": "finish"}, scan_id="here"),
        lambda: counts.submit_count(task_id, {(racing["med"], racing["late"], None): 8,
                                              (racing["bottle"], None, None): 12}, user_id=None, scan_id="there"))
    assert done["status"] == "done" and done["variances"] == 0
    assert response.status_code == 409, page(response)
    assert "This count was already submitted." in page(response)
    assert _on_hand(app, racing["bin"]) == {racing["med"]: 8, racing["bottle"]: 12}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CountLine)) == 2  # the other's two lines only
        assert db.session.scalar(select(func.count()).select_from(Adjustment)) == 0
        assert db.session.get(CountTask, task_id).status == "done"
    assert _books_are_right(app)


def test_the_last_two_approvals_of_a_count_at_once_close_it(app, racing, users):
    """A count left two large variances for a supervisor; two supervisors approve one each at the same moment.
    Whoever decides second sees the other's decision (the count's row is locked) and closes the count."""
    with app.app_context():
        adjustments.set_adjustment_threshold(0, user_id=None)
        task_id = counts.open_count(racing["bin"], user_id=None).id
        counts.submit_count(task_id, {(racing["med"], racing["late"], None): 6, (racing["bottle"], None, None): 10},
                            user_id=users["worker"])
        db.session.commit()
        first, second = db.session.scalars(select(Adjustment.id).order_by(Adjustment.id)).all()
        assert db.session.get(CountTask, task_id).status == "counted"
        db.session.remove()
    approved, also = behind_a_lock(
        app, lambda: adjustments.decide_adjustment(first, approve=True, user_id=users["supervisor"],
                                                   note="Recounted: 6").status,
        lambda: adjustments.decide_adjustment(second, approve=True, user_id=users["supervisor"],
                                              note="Recounted: 10").status)
    assert (approved, also) == ("approved", "approved")
    with app.app_context():
        assert db.session.get(CountTask, task_id).status == "done"
    assert _on_hand(app, racing["bin"]) == {racing["med"]: 6, racing["bottle"]: 10}
    assert _books_are_right(app)


def test_units_moved_to_a_bin_blocked_after_the_screen_read_it_are_refused(app, client, racing, monkeypatch):
    """A bin with a capacity is locked for the move's check: the check sees the bin as locked, blocked by the
    supervisor after the worker's handheld read it, not as the screen read it."""
    with app.app_context():
        locations.update_location(racing["target"], capacity_units=100)
        db.session.commit()
        db.session.remove()
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    screen = scan(client, client.get("/hh/stock/move"), "A-01-02-2")
    screen = scan(client, screen, BOTTLE_GTIN)
    screen = scan(client, screen, "2")
    assert 'data-step="to"' in page(screen), page(screen)
    response, _blocked = read_then_wait(
        app, monkeypatch, lookup, "identify",
        lambda: scan(client, screen, "A-02-05-2"),
        lambda: locations.set_blocked(racing["target"], True, "Spill in the aisle"))
    assert response.status_code == 422, page(response)
    assert "Location A-02-05-2 is blocked: choose another one." in page(response)
    assert _on_hand(app, racing["target"]) == {}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "move")) == 0


def test_units_of_a_lot_recalled_after_the_screen_read_it_do_not_go_into_a_pick_face(app, client, racing,
                                                                                      monkeypatch):
    """The move judges the lot as it is once it holds it (FOR SHARE): recalled by a supervisor after the worker's
    handheld read it, its units stay out of picking instead of landing in a pick face."""
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    screen = scan(client, client.get("/hh/stock/move"), "A-01-02-2")
    screen = scan(client, screen, gs1.element_string(gtin=MEDICINE_GTIN, expires_on=racing["late_expires"],
                                                     lot="L-LATE"))
    screen = scan(client, screen, "2")
    assert 'data-step="to"' in page(screen), page(screen)
    response, recalled = read_then_wait(
        app, monkeypatch, lookup, "identify",
        lambda: scan(client, screen, "A-02-05-1"),
        lambda: recall.recall_lot(racing["late"], risk_class="I", reference="ANVISA-RE-9/2026",
                                  reason="Contamination", user_id=None).id)
    assert isinstance(recalled, int), recalled
    assert response.status_code == 422, page(response)
    assert "Lot L-LATE is recalled: put it in Q-01, not in a picking location." in page(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "move")) == 0
    assert _on_hand(app, racing["bin"]) == {racing["med"]: 8, racing["bottle"]: 12}


def test_a_lot_recalled_twice_at_once_is_recalled_once(app, racing):
    """Two supervisors recall the same lot at once: the second waits for the lot's lock, then sees it recalled
    (409) instead of recalling it a second time (a second recall, history line and message to the store)."""
    recalling = dict(risk_class="I", reference="ANVISA-RE-123/2026", reason="Contamination", user_id=None)
    done, again = behind_a_lock(app, lambda: recall.recall_lot(racing["late"], **recalling).id,
                                lambda: recall.recall_lot(racing["late"], **recalling))
    assert isinstance(done, int), done
    assert isinstance(again, Conflict), again
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Recall)) == 1
        lot = db.session.get(Lot, racing["late"])
        assert lot.status == "recalled" and [h.to_status for h in lot.history] == ["recalled"]
        assert [e.kind for e in events.pending()].count("lot.recalled") == 1


def test_the_same_move_sent_twice_at_once_moves_once_and_both_hear_its_result(app, racing):
    """A handheld resends its last scan (the answer was lost) while the first is still being applied: the second
    finds no receipt yet, waits for the first's locks, and must then answer the first's result instead of moving
    the units a second time (or failing on the receipt's key once the first has committed)."""
    move = dict(product_id=racing["bottle"], lot_id=None, source_id=racing["bin"], target_id=racing["target"],
                quantity=2, user_id=None, scan_id="resent-move")
    first, second = behind_a_lock(app, lambda: inventory.move_stock(**move), lambda: inventory.move_stock(**move))
    assert isinstance(first, dict), first
    assert second == first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "move")) == 1
    assert _on_hand(app, racing["bin"]) == {racing["med"]: 8, racing["bottle"]: 10}
    assert _on_hand(app, racing["target"]) == {racing["bottle"]: 2}
    assert _books_are_right(app)


def test_the_same_move_of_every_unit_sent_twice_at_once_answers_the_first_instead_of_refusing(app, racing):
    """The first took every unit of the bin: the resend, once it holds the locks, finds none left and the rules
    refuse it, but it was the same scan, so it answers the first's result (the handheld shows "Moved …")."""
    move = dict(product_id=racing["bottle"], lot_id=None, source_id=racing["bin"], target_id=racing["target"],
                quantity=12, user_id=None, scan_id="resent-move-all")
    first, second = behind_a_lock(app, lambda: inventory.move_stock(**move), lambda: inventory.move_stock(**move))
    assert isinstance(first, dict), first
    assert second == first
    assert _on_hand(app, racing["target"]) == {racing["bottle"]: 12}
    assert _books_are_right(app)


def test_a_move_that_loses_a_real_deadlock_is_answered_409_and_the_other_worker_goes_on(app, client, racing):
    """A real lock cycle on PostgreSQL: another worker holds the target's stock item and then wants the source's,
    which the move holds while it waits for the target. PostgreSQL fails one of the two — the move, which waited
    first (the other worker looks for deadlocks only after 10 s): the handheld hears 409, nothing of the move is
    kept, and the other worker's transaction commits."""
    import threading

    from sqlalchemy import text

    from tests.interleave import WAIT_SECONDS, until_someone_waits_for_a_lock
    from wms.inventory import ledger
    from wms.inventory.models import item_key
    from wms.uow import unit_of_work

    with app.app_context():  # one unit at the target first: its stock item exists (a later id than the source's)
        inventory.move_stock(product_id=racing["bottle"], lot_id=None, source_id=racing["bin"],
                             target_id=racing["target"], quantity=1, user_id=None)
        db.session.remove()
    source, target = (item_key(place, racing["bottle"], None, None) for place in (racing["bin"], racing["target"]))
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    screen = scan(client, scan(client, scan(client, client.get("/hh/stock/move"), "A-01-02-2"), BOTTLE_GTIN), "2")
    assert 'data-step="to"' in page(screen), page(screen)
    holding, outcome = threading.Event(), {}

    def other_worker():
        try:
            with app.app_context():
                try:
                    with unit_of_work():
                        db.session.execute(text("SET LOCAL deadlock_timeout = '10s'"))
                        ledger.lock_items([target])
                        holding.set()
                        until_someone_waits_for_a_lock(app, finished=lambda: "move" in outcome)
                        ledger.lock_items([source])  # the cycle: the move holds it and waits for the target
                    outcome["other"] = "committed"
                finally:
                    db.session.remove()
        except Exception as exc:  # noqa: BLE001 - judged below
            outcome["other"] = exc
        finally:
            holding.set()

    def the_move():
        assert holding.wait(WAIT_SECONDS)
        outcome["move"] = scan(client, screen, "A-02-05-2")

    threads = [threading.Thread(target=other_worker), threading.Thread(target=the_move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * WAIT_SECONDS)
    assert outcome.get("other") == "committed", outcome
    response = outcome["move"]
    assert response.status_code == 409, page(response)
    assert "Someone changed this at the same time: look again and retry." in page(response)
    assert _on_hand(app, racing["target"]) == {racing["bottle"]: 1}
    assert _books_are_right(app)
