"""A supervisor at a 1280×800 desk: a range of bins with its preview, a CSV import with a bad line, a product."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.factories import gtin13
from wms.catalog import services as catalog
from wms.extensions import db
from wms.locations import services as locations
from wms.locations.models import Location


@pytest.fixture
def supervisor_desk(app, desk, users):
    with app.app_context():
        locations.create_warehouse("W1", "Test warehouse")
        locations.create_location("DOCK-01", "receiving")
        db.session.remove()
    page = desk
    page.goto("/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "supervisor")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")
    return page


def location_codes(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Location.code).where(~Location.code.startswith("W1/"))))


def test_create_a_range_after_its_preview(app, supervisor_desk):
    page = supervisor_desk
    page.click("nav.topnav >> text=Setup")  # master data lives under the Setup menu
    page.click("nav.topnav >> text=Locations")
    page.wait_for_url("**/desk/locations")
    page.click("text=Create a range")
    page.fill("input[name=zone]", "R")
    page.fill("input[name=aisle_from]", "1")
    page.fill("input[name=aisle_to]", "2")
    page.fill("input[name=bay_from]", "1")
    page.fill("input[name=bay_to]", "3")
    page.fill("input[name=level_from]", "1")
    page.fill("input[name=level_to]", "2")
    page.check("input[name=pick_face_levels][value='1']")
    page.click("button[value=preview]")
    expect(page.locator("#range-count")).to_have_text("This creates 12 locations, from R-01-01-1 to R-02-03-2.")
    assert location_codes(app) == {"DOCK-01"}  # a preview makes nothing
    # changing the range updates the preview before anything is created
    page.fill("input[name=level_to]", "3")
    expect(page.locator("#range-count")).to_contain_text("This creates 18 locations")
    page.click("button[value=create]")
    page.wait_for_url(re.compile(r".*/desk/locations\?prefix=R-$"))
    expect(page.locator(".flash")).to_have_text("18 locations created, R-01-01-1 to R-02-03-3.")
    expect(page.locator("#results tbody tr")).to_have_count(18)
    expect(page.locator("#results tbody tr").first).to_contain_text("Pick face")
    assert len(location_codes(app)) == 19
    # the filter narrows the list as one types
    page.fill("input[name=prefix]", "R-02-03")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_import_a_csv_with_a_bad_line_then_the_fixed_file(app, supervisor_desk):
    page = supervisor_desk
    page.goto("/desk/locations/import")
    bad = b"code,kind,zone,capacity_units\nS-01-01-1,pick_face,S,40\nS-01-01-2,shelf,S,\nDOCK-01,receiving,,\n"
    page.set_input_files("input[name=file]", files=[{"name": "bins.csv", "mimeType": "text/csv", "buffer": bad}])
    page.click("button:has-text('Import')")
    rows = page.locator("table.import-errors tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("3")
    expect(rows.nth(0)).to_contain_text("Unknown location type shelf.")
    expect(rows.nth(1)).to_contain_text("Location DOCK-01 already exists.")
    expect(page.locator("#import-result .error").first).to_contain_text("Nothing was imported")
    assert page.locator("progress").evaluate("bar => bar.value") == 100
    assert location_codes(app) == {"DOCK-01"}

    fixed = b"code,kind,zone,capacity_units\nS-01-01-1,pick_face,S,40\nS-01-01-2,reserve,S,\nDOCK-02,receiving,,\n"
    page.set_input_files("input[name=file]", files=[{"name": "bins.csv", "mimeType": "text/csv", "buffer": fixed}])
    page.click("button:has-text('Import')")
    expect(page.locator("#import-result .ok")).to_have_text("3 locations imported.")
    assert location_codes(app) == {"DOCK-01", "DOCK-02", "S-01-01-1", "S-01-01-2"}


def test_create_a_product_with_a_bad_gtin_then_a_good_one(app, supervisor_desk):
    page = supervisor_desk
    good = gtin13("789100000070")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    page.click("nav.topnav >> text=Setup")
    page.click("nav.topnav >> text=Products")
    page.click("text=New product")
    page.fill("input[name=sku]", "MED-PARA-750")
    page.fill("input[name=name]", "Paracetamol 750 mg")
    page.select_option("select[name=category]", "medicine")
    page.fill("input[name=anvisa_registration]", "1055300090091")
    page.check("input[name=expiry_tracked]")
    page.fill("input[name=min_shelf_life_days]", "90")
    page.fill("input[name=gtin]", bad)
    page.click("button:has-text('Create')")
    expect(page.locator(".error")).to_contain_text(f"{bad} has a wrong check digit")
    expect(page.locator("input[name=name]")).to_have_value("Paracetamol 750 mg")  # nothing typed is lost
    with app.app_context():
        assert catalog.by_sku("MED-PARA-750") is None
    page.fill("input[name=gtin]", good)
    page.click("button:has-text('Create')")
    page.wait_for_url(re.compile(r".*/desk/products/\d+$"))
    expect(page.locator(".flash")).to_have_text("Product MED-PARA-750 created.")
    expect(page.locator(".barcode svg")).to_be_visible()
    with app.app_context():
        made = catalog.by_sku("MED-PARA-750")
        assert made.gtin == "0" + good and made.lot_tracked
    # the search finds it by the EAN-13 on the box
    page.click("nav.topnav >> text=Setup")
    page.click("nav.topnav >> text=Products")
    page.fill("input[name=q]", good)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody tr")).to_contain_text("MED-PARA-750")
