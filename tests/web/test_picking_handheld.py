"""Picking and replenishment on the handheld, through the Flask client, the way the scanner posts: each scan
goes with the hidden fields of the screen it answers. A refused scan answers 422 with the bad sound and the
same step (same hidden state), and changes nothing."""
import html
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, receive
from tests.handheld_client import HX, page, scan, scan_fields, scan_form
from tests.picking_helpers import books_are_right, stocked_world, take
from wms import gs1
from wms.extensions import db
from wms.inventory.models import CountTask, Move, StockItem
from wms.locations import services as locations
from wms.picking import replenishment, waves
from wms.picking.models import PickTask, ReplenishmentTask, Wave


def status_task(response) -> str:
    match = re.search(r'<span class="status-task" id="status-task" hx-swap-oob="true">([^<]*)</span>',
                      response.get_data(as_text=True))
    return html.unescape(match.group(1)).strip() if match else ""


def step(response) -> str:
    match = re.search(r'data-step="([a-z_]+)"', response.get_data(as_text=True))
    return match.group(1) if match else ""


class Handheld:
    """One handheld on a screen: each scan answers the screen shown (`tests.handheld_client.scan`) and must sound
    as `expect`ed; a refused scan leaves the screen as it was."""

    def __init__(self, client, url):
        self.client = client
        self.screen = client.get(url, headers=HX)

    def scan(self, code, scan_id=None, expect=200, sound=None):
        response = scan(self.client, self.screen, code, **({"scan_id": scan_id} if scan_id else {}))
        assert response.status_code == expect, page(response)
        assert response.headers["X-Scan-Result"] == (sound or ("ok" if expect == 200 else "bad"))
        if expect == 200:
            self.screen = response
        else:
            # the same step again, with the same state: nothing was taken from the refused scan
            assert scan_form(response) == scan_form(self.screen)
        return response


@pytest.fixture
def wh(app, users):
    """Two orders waved together; worker logged in on the handheld."""
    with app.app_context():
        world = stocked_world()
        receive(world, "MED", "A-01-01-1", 4, "L-SOON")  # the face holds L-SOON 4 and L-LATE 10
        a = take([("MED", 6)])  # L-SOON: 4 at the face, 2 in reserve
        b = take([("BOTTLE", 3)])
        wave = waves.build_wave(order_ids=[a, b], max_orders=2, user_id=None)
        ids = SimpleNamespace(wave=wave.id, code=wave.code, orders=(a, b),
                              lots={code: (lot.id, lot.expires_on) for code, lot in world.lots.items()},
                              loc={code: loc.id for code, loc in world.loc.items()})
        db.session.remove()
    return ids


@pytest.fixture
def hh(client, wh):
    client.post("/login", data={"username": "worker", "password": "worker"})
    return client


def gs1_med(wh, lot):
    return gs1.element_string(gtin=MEDICINE_GTIN, expires_on=wh.lots[lot][1], lot=lot)


def current_task(app, wave_id) -> PickTask:
    with app.app_context():
        task = waves.next_task(wave_id)
        return SimpleNamespace(id=task.id, location=task.location.code, sku=task.product.sku,
                               lot=task.lot.code if task.lot else None, quantity=task.quantity,
                               tote=task.wave_order.tote.code)


def moves(app, reason="pick") -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == reason))


def test_menu_and_wave_list(hh, wh):
    menu = page(hh.get("/hh/"))
    assert "Pick" in menu and "Replenish" in menu
    assert menu.index("Pick") < menu.index("Replenish")
    screen = page(hh.get("/hh/pick/"))
    assert wh.code in screen
    bad = hh.post("/hh/pick/", data={"scan": "W99999"}, headers=HX)
    assert bad.status_code == 422 and bad.headers["X-Scan-Result"] == "bad"
    good = hh.post("/hh/pick/", data={"scan": wh.code.lower()}, headers=HX)
    assert good.headers["HX-Redirect"] == f"/hh/pick/waves/{wh.wave}"


def test_a_whole_wave_on_the_handheld(app, hh, wh):
    screen = Handheld(hh, f"/hh/pick/waves/{wh.wave}")
    assert step(screen.screen) == "bind"
    screen.scan("A-01-01-1", expect=422)  # a location is not a tote
    screen.scan("TOTE-A")
    screen.scan("TOTE-A", expect=422)  # already bound in this wave
    screen.scan("TOTE-B")
    with app.app_context():
        assert db.session.get(Wave, wh.wave).status == "picking"
    walked = 0
    while step(screen.screen) != "finish":
        task = current_task(app, wh.wave)
        assert step(screen.screen) == "location"
        assert task.location in page(screen.screen)
        screen.scan("A-02-05-1" if task.location != "A-02-05-1" else "A-02-04-1", expect=422)  # wrong bin
        screen.scan(task.location)
        assert step(screen.screen) == "product"
        if task.sku == "MED":
            screen.scan(BOTTLE_GTIN, expect=422)  # the bottle
            screen.scan(gs1_med(wh, "L-OLD"), expect=422)  # expired
            if task.lot == "L-SOON" and task.location == "A-01-01-1":
                screen.scan(MEDICINE_GTIN)  # two lots in this bin: the plain EAN needs the lot next
                assert step(screen.screen) == "lot"
                screen.scan("L-NOPE", expect=422)
                screen.scan("L-SOON")
            else:
                screen.scan(gs1_med(wh, task.lot))
        else:
            screen.scan(BOTTLE_GTIN)
        assert step(screen.screen) == "quantity"
        screen.scan(str(task.quantity + 1), expect=422)
        screen.scan("")  # Enter: all of it
        assert step(screen.screen) == "tote"
        other = "TOTE-B" if task.tote == "TOTE-A" else "TOTE-A"
        before = moves(app)
        screen.scan(other, expect=422)
        assert moves(app) == before
        data = {**scan_fields(screen.screen), "scan": task.tote, "scan_id": f"pick-{task.id}"}
        screen.scan(task.tote, scan_id=f"pick-{task.id}")
        again = hh.post(f"/hh/pick/waves/{wh.wave}", data=data, headers=HX)  # Enter pressed twice
        assert again.status_code == 200 and moves(app) == before + 1
        walked += 1
        # the status bar's progress follows the wave (swapped out of band with each screen)
        assert status_task(screen.screen) == f"{wh.code} · {walked}/3"
    assert walked == 3  # MED L-SOON at the face, MED L-SOON in reserve, BOTTLE at its face
    screen.scan("A-01-01-1", expect=422)  # not a staging location
    screen.scan("STAGE")
    assert "done" in page(screen.screen)
    with app.app_context():
        staged = db.session.scalar(select(func.sum(StockItem.quantity)).where(
            StockItem.location_id == wh.loc["STAGE"]))
        assert staged == 9
        assert books_are_right()


def test_substitute_lot_short_pick_and_skip_on_the_handheld(app, hh, wh):
    screen = Handheld(hh, f"/hh/pick/waves/{wh.wave}")
    screen.scan("TOTE-A")
    screen.scan("TOTE-B")
    first = current_task(app, wh.wave)
    assert (first.location, first.lot) == ("A-01-01-1", "L-SOON")
    # skip the first task: it comes back last
    skipped = hh.post(f"/hh/pick/waves/{wh.wave}/skip", data={"task_id": first.id, "scan_id": "skip-1"},
                      headers=HX)
    assert skipped.status_code == 200 and "comes back" in page(skipped)
    screen.screen = skipped
    while (task := current_task(app, wh.wave)).id != first.id:
        screen.scan(task.location)
        if task.sku == "MED":
            screen.scan(gs1_med(wh, task.lot))
            screen.scan("")
        elif task.location == "A-01-04-1":
            screen.scan(BOTTLE_GTIN)
            screen.scan("1")  # short: only 1 of 3 bottles in the face
            assert "Short pick: only 1 found" in page(screen.screen)
            # accepted, but not the normal path: the attention sound and colour, not the good ones
            screen.scan(task.tote, sound="attention")
            assert '<p class="warn" role="status" id="picked">' in screen.screen.get_data(as_text=True)
            continue
        else:  # the rest of the bottles, allocated again from reserve
            screen.scan(BOTTLE_GTIN)
            screen.scan("")
        screen.scan(task.tote)
    # the skipped task is back: take L-LATE instead of the reserved L-SOON (later expiry: accepted)
    screen.scan(first.location)
    screen.scan(gs1_med(wh, "L-LATE"))
    assert "instead of L-SOON" in page(screen.screen)
    screen.scan("")
    screen.scan(first.tote)
    assert step(screen.screen) == "finish"
    with app.app_context():
        tasks = waves.wave_tasks(wh.wave)
        assert any(t.substituted_lot_id and t.lot.code == "L-LATE" for t in tasks)
        assert any(t.short for t in tasks)
        counts = db.session.scalars(select(CountTask).where(CountTask.reason == "short_pick")).all()
        assert [c.location.code for c in counts] == ["A-01-04-1"]
        assert books_are_right()


def test_zero_found_is_a_short_pick_without_a_tote_scan(app, hh, wh):
    screen = Handheld(hh, f"/hh/pick/waves/{wh.wave}")
    screen.scan("TOTE-A")
    screen.scan("TOTE-B")
    task = current_task(app, wh.wave)
    screen.scan(task.location)
    screen.scan(gs1_med(wh, task.lot) if task.sku == "MED" and task.location != "A-01-01-1" else
                (MEDICINE_GTIN if task.sku == "MED" else BOTTLE_GTIN))
    if step(screen.screen) == "lot":
        screen.scan(task.lot)
    screen.scan("0", scan_id="zero", sound="attention")
    assert "Short pick: 0 of" in page(screen.screen)
    with app.app_context():
        assert db.session.get(PickTask, task.id).short
        assert db.session.scalar(select(func.count()).select_from(CountTask)) == 1
        assert books_are_right()


@pytest.fixture
def single(app, users):
    """A wave of one order (one tote on the cart): BOTTLE × 1 and BOTTLE from a second face × 3."""
    with app.app_context():
        stocked_world()
        order = take([("BOTTLE", 1)])
        wave = waves.build_wave(order_ids=[order], max_orders=1, user_id=None)
        ids = SimpleNamespace(wave=wave.id, code=wave.code)
        db.session.remove()
    return ids


def test_a_one_unit_line_is_two_scans_when_the_picker_holds_the_only_tote(app, client, single):
    """The product scan is the unit, and the wave's only tote cannot be the wrong one: location, product."""
    client.post("/login", data={"username": "worker", "password": "worker"})
    screen = Handheld(client, f"/hh/pick/waves/{single.wave}")
    screen.scan("TOTE-A")
    task = current_task(app, single.wave)
    assert task.quantity == 1
    screen.scan(task.location)
    screen.scan(BOTTLE_GTIN, scan_id="one-scan")
    assert "1 in tote TOTE-A." in page(screen.screen)
    assert step(screen.screen) == "finish" and moves(app) == 1
    with app.app_context():
        assert books_are_right()


def test_product_scans_count_units_and_zero_at_the_product_step_is_none_found(app, hh, wh):
    screen = Handheld(hh, f"/hh/pick/waves/{wh.wave}")
    screen.scan("TOTE-A")
    screen.scan("TOTE-B")
    while (task := current_task(app, wh.wave)).sku != "BOTTLE":
        screen.scan(task.location)
        screen.scan(gs1_med(wh, task.lot) if task.location != "A-01-01-1" else MEDICINE_GTIN)
        if step(screen.screen) == "lot":
            screen.scan(task.lot)
        screen.scan("")
        screen.scan(task.tote)
    assert task.quantity == 3
    screen.scan(task.location)
    screen.scan(BOTTLE_GTIN)
    assert step(screen.screen) == "quantity" and "1 of 3 scanned" in page(screen.screen)
    screen.scan(MEDICINE_GTIN, expect=422)  # another product is not a unit of this one
    screen.scan(BOTTLE_GTIN)
    assert "2 of 3 scanned" in page(screen.screen)
    screen.scan(BOTTLE_GTIN)  # the third: all of them, no Enter
    assert step(screen.screen) == "tote"
    screen.scan(task.tote)
    assert "3 in tote" in page(screen.screen)
    with app.app_context():
        assert books_are_right()


def test_zero_at_the_product_step_is_a_short_pick_of_nothing(app, hh, wh):
    screen = Handheld(hh, f"/hh/pick/waves/{wh.wave}")
    screen.scan("TOTE-A")
    screen.scan("TOTE-B")
    task = current_task(app, wh.wave)
    screen.scan(task.location)
    screen.scan("0", scan_id="none-here", sound="attention")
    assert "Short pick: 0 of" in page(screen.screen)
    with app.app_context():
        assert db.session.get(PickTask, task.id).short
        assert books_are_right()


def test_replenishment_on_the_handheld(app, hh, wh):
    with app.app_context():
        bottle = db.session.scalar(select(PickTask).where(PickTask.location_id == wh.loc["A-01-04-1"])).product_id
        locations.update_location(wh.loc["A-01-04-1"], slot_product_id=bottle, slot_min=6, slot_max=20)
        replenishment.replenish_faces([wh.loc["A-01-04-1"]], user_id=None)
        db.session.commit()
        task = db.session.scalar(select(ReplenishmentTask))
        assert (task.from_location.code, task.quantity) == ("A-02-05-2", 12)
        db.session.remove()
    screen = Handheld(hh, "/hh/pick/replenish")
    assert "needed by " + wh.code in page(screen.screen)
    # a tapped job opens at its first step with the good sound (it used to read the empty scan: "nothing read")
    take_next = hh.post("/hh/pick/replenish", data={"take": task.id, "scan_id": "tap"}, headers=HX)
    assert take_next.status_code == 200 and take_next.headers["X-Scan-Result"] == "ok", page(take_next)
    screen.screen = take_next
    assert step(screen.screen) == "from"
    assert "Nothing was read" not in page(take_next)
    screen.scan("A-01-04-1", expect=422)
    screen.scan("A-02-05-2")
    screen.scan(MEDICINE_GTIN, expect=422)
    screen.scan(BOTTLE_GTIN)
    screen.scan("13", expect=422)
    screen.scan("10")
    assert step(screen.screen) == "to"
    screen.scan("A-01-05-1", expect=422)
    screen.scan("A-01-04-1", scan_id="repl")
    assert "Moved 10" in page(screen.screen)
    assert moves(app, "replenish") == 1
    with app.app_context():
        assert books_are_right()


def test_replenish_list_takes_a_scan(app, hh, wh):
    """The list of jobs has a scan input: Enter takes the first job, scanning a job's FROM location takes that
    job with the worker already there; a place no job starts from is refused on the same list."""
    with app.app_context():
        bottle = db.session.scalar(select(PickTask).where(PickTask.location_id == wh.loc["A-01-04-1"])).product_id
        locations.update_location(wh.loc["A-01-04-1"], slot_product_id=bottle, slot_min=6, slot_max=20)
        replenishment.replenish_faces([wh.loc["A-01-04-1"]], user_id=None)
        db.session.commit()
        db.session.remove()
    screen = Handheld(hh, "/hh/pick/replenish")
    assert step(screen.screen) == "choose"
    screen.scan("A-01-05-1", expect=422)
    assert step(screen.screen) == "choose"
    screen.scan("A-02-05-2")
    assert step(screen.screen) == "product"
    enter = Handheld(hh, "/hh/pick/replenish")
    enter.scan("")
    assert step(enter.screen) == "from"


def test_the_pick_screens_need_a_worker(client, wh):
    response = client.get(f"/hh/pick/waves/{wh.wave}")
    assert response.status_code == 302 and "/hh/login" in response.headers["Location"]
