"""A picker's wave on a 360×640 handheld in Chromium: three orders into three totes, with a wrong-lot scan, a
substitute lot and a short pick, then the totes left in staging. The books are checked at the end."""
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Scanner, hh_login, wait_feedback
from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, receive
from tests.picking_helpers import books_are_right, stocked_world, take
from wms import gs1
from wms.extensions import db
from wms.inventory.models import CountTask, StockItem
from wms.locations import services as locations
from wms.picking import replenishment, waves
from wms.picking.models import PickTask


@pytest.fixture
def wave(app, users):
    with app.app_context():
        world = stocked_world()
        receive(world, "MED", "A-01-02-2", 6, "L-LATE")  # the reserve bin of L-SOON holds a later lot too
        orders = [take([("MED", 3)]), take([("MED", 2)]), take([("BOTTLE", 5)])]
        built = waves.build_wave(order_ids=orders, max_orders=3, user_id=None)
        ids = SimpleNamespace(id=built.id, code=built.code, orders=orders,
                              lots={c: (lot.id, lot.expires_on) for c, lot in world.lots.items()},
                              stage=world.loc["STAGE"].id)
        db.session.remove()
    return ids


def gs1_med(wave, lot):
    return gs1.element_string(gtin=MEDICINE_GTIN, expires_on=wave.lots[lot][1], lot=lot)



def next_task(app, wave_id):
    with app.app_context():
        task = waves.next_task(wave_id)
        if task is None:
            return None
        return SimpleNamespace(id=task.id, location=task.location.code, sku=task.product.sku,
                               lot=task.lot.code if task.lot else None, quantity=task.quantity,
                               tote=task.wave_order.tote.code, order=task.wave_order.order_id)


def test_a_wave_of_three_orders_with_a_wrong_lot_a_substitute_and_a_short_pick(app, handheld, wave):
    page = handheld
    hh_login(page)
    page.goto("/hh/pick/")
    expect(page.locator("#waves")).to_contain_text(wave.code)
    page.click(f"text={wave.code}")
    page.wait_for_url(f"**/hh/pick/waves/{wave.id}")
    expect(page.locator("h1")).to_contain_text("Scan an empty tote for slot 1")
    step = Scanner(page)
    for tote in ("TOTE-1", "TOTE-2", "TOTE-3"):
        step(tote)
    expect(page.locator("h1")).to_contain_text("Go to and scan the location")

    substituted = wrong_lot = short = False
    while (task := next_task(app, wave.id)) is not None:
        expect(page.locator("#task-location")).to_have_text(task.location)
        expect(page.locator("#task")).to_contain_text(task.sku)
        step(task.location)
        if task.sku == "MED" and not substituted:
            step(gs1_med(wave, "L-LATE"))  # another lot, later expiry: the reservation is swapped
            expect(page.locator("#task")).to_contain_text("instead of L-SOON")
            substituted = True
        elif task.sku == "MED":
            step(gs1_med(wave, "L-OLD"), "bad")  # expired: refused, nothing changes
            expect(page.locator(".error")).to_contain_text("expired")
            expect(page.locator("h1")).to_contain_text("Scan the product")
            wrong_lot = True
            step(gs1_med(wave, task.lot))
        else:
            step(MEDICINE_GTIN, "bad")  # the wrong product
            expect(page.locator(".error")).to_contain_text("Wrong product")
            step(BOTTLE_GTIN)
        was_short = task.sku == "BOTTLE" and not short
        if was_short:
            step("2")  # only 2 of 5 in the face: a short pick
            expect(page.locator("#screen")).to_contain_text("Short pick: only 2 found")
            short = True
        else:
            step("")  # Enter: the whole quantity
        wrong_tote = "TOTE-1" if task.tote != "TOTE-1" else "TOTE-2"
        step(wrong_tote, "bad")
        expect(page.locator(".error")).to_contain_text(f"scan tote {task.tote}")
        # a short pick is accepted but not the normal path: the attention sound and colour, not green
        step(task.tote, "attention" if was_short else "ok")
        expect(page.locator("#picked")).to_be_visible()
        expect(page.locator("#picked")).to_have_class("warn" if was_short else "ok")
        # the status bar's progress follows the wave
        with app.app_context():
            done = db.session.query(PickTask).filter(PickTask.wave_id == wave.id, PickTask.status != "open",
                                                     PickTask.status != "cancelled").count()
            total = db.session.query(PickTask).filter(PickTask.wave_id == wave.id,
                                                      PickTask.status != "cancelled").count()
        expect(page.locator("#status-task")).to_have_text(f"{wave.code} · {done}/{total}")
        assert done > 0
    assert substituted and wrong_lot and short

    expect(page.locator("h1")).to_contain_text("take the totes to staging")
    step("STAGE")
    expect(page.locator("#finished")).to_contain_text("10 units in 3 totes at STAGE")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with app.app_context():
        tasks = db.session.query(PickTask).filter(PickTask.wave_id == wave.id).all()
        assert sum(t.picked for t in tasks) == 10
        assert any(t.substituted_lot_id for t in tasks) and any(t.short for t in tasks)
        assert [c.location.code for c in db.session.query(CountTask).all()] == ["A-01-04-1"]
        staged = db.session.query(StockItem).filter(StockItem.location_id == wave.stage, StockItem.quantity > 0).all()
        assert sorted((i.lpn.code, i.product.sku, i.quantity) for i in staged) == [
            ("TOTE-1", "MED", 3), ("TOTE-2", "MED", 2), ("TOTE-3", "BOTTLE", 5)]
        assert books_are_right()


@pytest.fixture
def one_order(app, users):
    """A wave of one order: BOTTLE × 1, a line of one unit. And an open replenishment of the BOTTLE face."""
    with app.app_context():
        world = stocked_world()
        built = waves.build_wave(order_ids=[take([("BOTTLE", 1)])], max_orders=1, user_id=None)
        locations.update_location(world.loc["A-01-04-1"].id, slot_product_id=world.products["BOTTLE"].id,
                                  slot_min=20, slot_max=30)
        replenishment.replenish_faces([world.loc["A-01-04-1"].id], user_id=None)
        db.session.commit()
        ids = SimpleNamespace(id=built.id, code=built.code)
        db.session.remove()
    return ids


def test_a_one_unit_line_takes_two_scans(app, handheld, one_order):
    """Location and product: the product scan is the unit, and the wave's only tote needs no scan."""
    page = handheld
    hh_login(page)
    page.goto(f"/hh/pick/waves/{one_order.id}")
    step = Scanner(page)
    step("TOTE-1")
    task = next_task(app, one_order.id)
    expect(page.locator("#status-task")).to_have_text(f"{one_order.code} · 0/1")
    step(task.location)
    step(BOTTLE_GTIN)
    expect(page.locator("#picked")).to_contain_text("1 in tote TOTE-1")
    expect(page.locator("#status-task")).to_have_text(f"{one_order.code} · 1/1")
    expect(page.locator("h1")).to_contain_text("take the totes to staging")
    assert page.evaluate("window.wmsFeedback") == ["ok", "ok", "ok"]


def test_a_replenishment_job_starts_with_a_tap(app, handheld, one_order):
    page = handheld
    hh_login(page)
    page.goto("/hh/pick/replenish")
    job = page.get_by_role("button", name=re.compile(r"A-01-04-1 ← A-02-05-2"))
    before = page.evaluate("window.wmsFeedback.length")
    job.tap()
    assert wait_feedback(page, before + 1) == "ok", page.inner_text("#screen")
    expect(page.locator("h1")).to_contain_text("Scan FROM: A-02-05-2")
    expect(page.locator(".error")).to_have_count(0)
    step = Scanner(page)
    step("A-02-05-2")
    expect(page.locator("h1")).to_contain_text("Scan the product")
