"""A supervisor at the stock desk, in a real browser at 1280×800."""
import csv
import io
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.factories import build_world, receive
from wms.catalog import services as catalog
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import StockItem, item_key
from wms.locations import services as locations


@pytest.fixture
def stock(app, users):
    """MED lot L-SOON: 40 in pick face A-01-01-1 and 10 in A-01-02-1; BOTTLE: 25 in A-02-03-1."""
    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-01-1", 40, "L-SOON")
        receive(world, "MED", "A-01-02-1", 10, "L-SOON")
        receive(world, "BOTTLE", "A-02-03-1", 25)
        ids = {"lot": world.lots["L-SOON"].id, "med": world.products["MED"].id,
               "A-01-01-1": world.loc["A-01-01-1"].id}
        db.session.remove()
    return ids


def units_at(app, code: str, sku: str = "MED", lot: str | None = "L-SOON") -> int:
    with app.app_context():
        product = catalog.by_sku(sku)
        lot_id = catalog.find_lot(product.id, lot).id if lot else None
        item = db.session.scalar(select(StockItem).where(
            StockItem.key == item_key(locations.by_code(code).id, product.id, lot_id, None)))
        return item.quantity if item else 0


def desk_login(page, username: str = "supervisor") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")


def test_quarantine_a_lot_and_see_its_stock_moved_out_of_picking(desk, app, stock):
    page = desk
    desk_login(page)
    page.locator(".topnav").get_by_role("link", name="Stock", exact=True).click()
    page.get_by_role("link", name="By location").click()
    page.fill("input[name=lot]", "L-SOON")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#stock tbody tr")).to_have_count(2)
    page.locator("#stock").get_by_role("link", name="L-SOON").first.click()
    page.wait_for_url(f"**/desk/stock/lots/{stock['lot']}")
    expect(page.locator("h1")).to_contain_text("Lot L-SOON")

    form = page.locator("#status-form")
    form.locator("select[name=status]").select_option("quarantine")
    form.locator("input[name=reason]").fill("Temperature excursion in aisle 1")
    form.locator("input[name=reference]").fill("NC-2026-042")
    segregate = form.get_by_label("Move stock out of picking locations to quarantine")
    segregate.check()
    form.get_by_role("button", name="Change the status").click()

    expect(page.locator(".flash.success")).to_contain_text(
        "Lot L-SOON is now quarantine. 50 units were moved out of picking locations to quarantine.")
    expect(page.locator("h1 .status-pill")).to_have_text("quarantine")
    rows = page.locator("#lot-stock tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Q-01")
    expect(rows.first).to_contain_text("50")
    expect(page.locator("#history tbody tr").first).to_contain_text("NC-2026-042")
    assert units_at(app, "A-01-01-1") == 0 and units_at(app, "Q-01") == 50

    page.get_by_role("link", name="Ledger of this lot").click()
    expect(page.locator("#ledger tbody tr")).to_have_count(4)  # two receipts, two moves to quarantine
    expect(page.locator("#ledger tbody tr").first).to_contain_text("Q-01")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_approve_a_variance_from_a_workers_blind_count(desk, app, users, stock):
    with app.app_context():
        task = inventory.open_count(stock["A-01-01-1"], user_id=users["supervisor"])
        task_id = task.id
        result = inventory.submit_count(task_id, {(stock["med"], stock["lot"], None): 25}, user_id=users["worker"])
        assert result["pending"] == 1  # 15 missing is more than the threshold of 10
    page = desk
    desk_login(page)
    page.locator(".topnav").get_by_role("link", name="Counts & adjustments").click()
    pending = page.locator("#pending tbody tr")
    expect(pending).to_have_count(1)
    expect(pending.first).to_contain_text("A-01-01-1")
    expect(pending.first).to_contain_text("−15")
    page.get_by_role("link", name="Count tasks").click()
    page.get_by_role("link", name="counted").click()
    page.get_by_role("link", name=f"#{task_id}").click()
    page.wait_for_url(f"**/desk/stock/counts/{task_id}")
    expect(page.locator("#count-status")).to_have_text("counted")
    line = page.locator("#lines tbody tr").first
    expect(line).to_contain_text("40")
    expect(line).to_contain_text("25")
    row = page.locator("#pending tbody tr").first
    row.locator("input[name=note]").fill("recounted: 15 missing")  # above the threshold: a note is required
    row.get_by_role("button", name="Approve").click()
    swapped = page.locator("#pending tbody tr").first
    expect(swapped.locator(".status-pill")).to_have_text("approved")
    expect(swapped.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.locator("#count-status")).to_have_text("done")  # the last decision closed the count
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert units_at(app, "A-01-01-1") == 25

    page.get_by_role("link", name="Adjustments", exact=True).click()
    expect(page.locator("#pending")).to_contain_text("No adjustment is waiting for approval.")
    expect(page.locator("#recent tbody tr").first).to_contain_text("approved")


def test_export_the_filtered_stock_as_csv(desk, app, stock):
    page = desk
    desk_login(page)
    page.goto("/desk/stock/?by=location")
    page.fill("input[name=q]", "dipirona")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#stock tbody tr")).to_have_count(2)
    expect(page.locator("[data-total=on_hand]")).to_have_text("50")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert re.fullmatch(r"stock-location-\d{4}-\d\d-\d\d\.csv", download.suggested_filename)
    with open(download.path(), "rb") as f:
        data = f.read()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Location", "Type", "Zone", "SKU"]
    assert [(row[0], row[3], row[5], row[9]) for row in rows[1:]] == [
        ("A-01-01-1", "MED", "L-SOON", "40"), ("A-01-02-1", "MED", "L-SOON", "10")]
