"""A return on a 360×640 handheld in Chromium: one unit restocked where put-away says, one damaged (scrapped),
one unexpected (another lot: flagged, quarantined); then, on the desk, a recall of the lot and its trace checked
against the orders that shipped it."""
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Scanner, hh_login, refused_in_red
from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN
from tests.picking_helpers import books_are_right, stocked_world
from tests.returns_helpers import shipped_order
from wms import gs1
from wms.extensions import db
from wms.returns import rmas
from wms.returns.models import ReturnUnit


@pytest.fixture
def returned(app, users):
    with app.app_context():
        world = stocked_world()
        order_id = shipped_order([("MED", 2), ("BOTTLE", 1)])
        other = shipped_order([("MED", 1)], customer={"name": "Outra Pessoa", "document": "11.222.333/0001-81"})
        rma, _ = rmas.create_rma({"order_id": order_id, "lines": [{"sku": "MED", "quantity": 2, "reason": "defective"},
                                                                   {"sku": "BOTTLE", "quantity": 1, "reason": "regret"}]})
        db.session.commit()
        ids = SimpleNamespace(order=order_id, other=other, rma=rma.id,
                              lots={c: lot.expires_on for c, lot in world.lots.items()})
        db.session.remove()
    return ids


def med(returned, lot):
    return gs1.element_string(gtin=MEDICINE_GTIN, expires_on=returned.lots[lot], lot=lot)


def test_a_return_with_a_restocked_a_damaged_and_an_unexpected_unit(app, handheld, desk, returned):
    page = handheld
    hh_login(page)
    page.goto("/hh/returns/")
    s = Scanner(page)
    s(f"RMA-{returned.rma}")
    expect(page.locator("#progress")).to_contain_text("0 of 3 units received")
    # 1. the bottle: sealed, restocked where put-away says
    s(BOTTLE_GTIN)
    s("1")
    expect(page.locator("[data-step=disposition]")).to_be_visible()
    s("1")
    bin_code = page.inner_text("#suggested").strip()
    s("Q-01", "bad")  # not where put-away says
    s(bin_code)
    expect(page.locator("#screen")).to_contain_text(f"→ Restock {bin_code}")
    # 2. a pack of the shipped lot, damaged: the rules scrap it
    s(med(returned, "L-SOON"))
    s("3", "attention")
    expect(page.locator("#screen")).to_contain_text("Scrap")
    # 3. a pack of another lot: flagged, and quarantined without asking
    s(med(returned, "L-LATE"), "attention")
    expect(page.locator("#flag")).to_contain_text("another lot")
    s("2", "attention")
    expect(page.locator("#screen")).to_contain_text("Quarantine Q-01")
    page.get_by_role("button", name="Finish this return").click()
    expect(page.locator("#screen")).to_contain_text(f"RMA-{returned.rma} received")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with app.app_context():
        units = list(db.session.scalars(select(ReturnUnit).order_by(ReturnUnit.id)))
        assert [(u.flag, u.condition, u.disposition) for u in units] == [
            ("ok", "sealed", "restock"), ("ok", "damaged", "scrap"), ("wrong_lot", "opened", "quarantine")]
        assert units[0].location.code == bin_code
        assert books_are_right()

    # On the desk: recall L-SOON and check the trace against the orders that shipped it.
    desk.goto("/login")
    desk.fill("input[name=username]", "supervisor")
    desk.fill("input[name=password]", "supervisor")
    desk.locator("input[name=password]").press("Enter")
    desk.wait_for_url("**/desk")
    desk.goto("/desk/recalls/")
    form = desk.locator("#recall")
    form.locator("input[name=sku]").fill("MED")
    form.locator("input[name=lot]").fill("L-SOON")
    form.locator("select[name=risk_class]").select_option("I")
    form.locator("input[name=reference]").fill("ANVISA 2026/123")
    form.locator("input[name=reason]").fill("contamination")
    form.get_by_role("button", name="Recall").click()
    expect(desk.locator("#lot-status")).to_have_text("recalled")
    rows = desk.locator("#recipients tbody tr")
    expect(rows).to_have_count(2)
    assert sorted(int(r) for r in rows.evaluate_all("rows => rows.map(r => r.dataset.order)")) == sorted(
        [returned.order, returned.other])
    expect(desk.locator("#recipients")).to_contain_text("11222333000181")
    expect(desk.locator("#lot-returns tbody tr")).to_have_count(1)  # the damaged pack (L-LATE is another lot)


def test_a_refused_lot_is_asked_again_on_the_handheld(app, handheld, returned):
    """A plain GTIN of a lot-tracked product asks the lot; a lot that cannot be taken is refused in red and the
    same lot question stays on screen (not the unit question), so the next scan is the lot again."""
    page = handheld
    hh_login(page)
    page.goto("/hh/returns/")
    s = Scanner(page)
    s(f"RMA-{returned.rma}")
    s(MEDICINE_GTIN, "attention")
    expect(page.locator("[data-step=lot] #need-lot")).to_contain_text("MED is tracked by lot")
    s("L-NEVER", "bad")
    refused_in_red(page, "Lot L-NEVER of MED was never here")
    expect(page.locator("[data-step=lot] #need-lot")).to_contain_text("MED is tracked by lot")
    with app.app_context():
        assert db.session.scalars(select(ReturnUnit)).all() == []
        db.session.remove()
    s("L-SOON")
    expect(page.locator("[data-step=condition]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with app.app_context():
        assert [(u.quantity, u.lot.code) for u in db.session.scalars(select(ReturnUnit))] == [(1, "L-SOON")]
        db.session.remove()
