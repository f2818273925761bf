"""The handheld's pick confirmation under concurrent requests, through the Flask client in real threads: a scan sent
twice at once (Enter pressed twice, a retry) or by two handhelds on the same task is applied once; pickers of
different waves emptying one bin at once each take their unit and the bin never goes negative.

The screen reads the wave, the task and the scan id's receipt once before the service runs (the service does not
read the receipt again): the order's, the task's and the stock items' row locks (PostgreSQL; SQLite's write lock
from BEGIN) are what keep a concurrent resend from being applied twice."""
import threading

from sqlalchemy import func, select

from tests.concurrency import at_once
from tests.factories import BOTTLE_GTIN
from tests.handheld_client import HX, opened, scan, scan_form
from tests.picking_helpers import books_are_right, stocked_world, take
from wms.extensions import db
from wms.inventory.models import Move, StockItem
from wms.picking import waves
from wms.picking.models import PickTask


def _race(app, n: int, send) -> list[int]:
    """`send(i, client)` from `n` logged-in handhelds at once: the status codes (or the exceptions raised)."""
    clients = []
    for _ in range(n):
        client = app.test_client()
        assert client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX).status_code in (
            200, 302)
        clients.append(client)
    answers = at_once(n, lambda i: send(i, clients[i]))
    return [answer if isinstance(answer, Exception) else answer.status_code for answer in answers]


def _picks(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "pick"))


def _at_tote_step(app, client, orders: int):
    """A wave of `orders` one-bottle orders, its totes bound, the first task walked to its tote scan: the screen
    and the tote to scan."""
    with app.app_context():
        stocked_world()
        ids = [take([("BOTTLE", 1)]) for _ in range(orders)]
        wave = waves.build_wave(order_ids=ids, max_orders=orders, user_id=None).id
        db.session.commit()
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    screen = client.get(f"/hh/pick/waves/{wave}", headers=HX)
    for n in range(orders):
        screen = scan(client, screen, f"TC-{wave}-{n}")
    with app.app_context():
        task = waves.next_task(wave)
        location, tote = task.location.code, task.wave_order.tote.code
    screen = scan(client, scan(client, screen, location), BOTTLE_GTIN)
    assert 'data-step="tote"' in screen.get_data(as_text=True)
    return wave, screen, tote


def test_a_tote_scan_sent_from_eight_handhelds_at_once_with_one_scan_id_picks_once(app, client, users):
    wave, screen, tote = _at_tote_step(app, client, 2)
    url, fields = scan_form(screen)
    data = {**fields, "scan": tote, "scan_id": "same-scan"}
    statuses = _race(app, 8, lambda i, c: c.post(url, data=data, headers=HX))
    # the first is applied; every resend answers its stored result (200), also one that raced the first (refused
    # by the task's lock or state, it finds the first's receipt after its rollback): never a second pick
    assert set(statuses) == {200}, statuses
    assert _picks(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PickTask).where(
            PickTask.wave_id == wave, PickTask.status == "done")) == 1
        assert books_are_right()


def test_one_task_confirmed_from_eight_handhelds_at_once_is_picked_once(app, client, users):
    wave, screen, tote = _at_tote_step(app, client, 2)
    url, fields = scan_form(screen)
    statuses = _race(app, 8, lambda i, c: c.post(url, data={**fields, "scan": tote, "scan_id": f"hh-{i}"},
                                                 headers=HX))
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409, 422}, statuses
    assert _picks(app) == 1
    with app.app_context():
        assert books_are_right()


def test_pickers_of_six_waves_emptying_one_bin_at_once_each_take_their_unit(app, users):
    with app.app_context():
        world = stocked_world()
        face = world.loc["A-01-04-1"].id  # BOTTLE × 8: the orders' units are reserved here (pick face first)
        waves_ = [waves.build_wave(order_ids=[take([("BOTTLE", 1)])], max_orders=1, user_id=None).id
                  for _ in range(6)]
        db.session.commit()
        location = waves.next_task(waves_[0]).location.code
        assert all(waves.next_task(w).location_id == face for w in waves_)
    ready = threading.Barrier(6)

    def product_scan(i, client):
        # one tote on the cart: the product scan (the only unit) confirms the pick
        screen = opened(client, client.get(f"/hh/pick/waves/{waves_[i]}", headers=HX))
        screen = scan(client, scan(client, screen, f"TS-{i}"), location)
        ready.wait()  # every picker at the bin, then all scan at once
        return scan(client, screen, BOTTLE_GTIN)

    statuses = _race(app, 6, product_scan)
    assert statuses == [200] * 6, statuses
    assert _picks(app) == 6
    with app.app_context():
        bin_ = db.session.scalar(select(StockItem).where(StockItem.location_id == face, StockItem.lpn_id.is_(None)))
        assert (bin_.quantity, bin_.reserved) == (2, 0)
        assert books_are_right()

