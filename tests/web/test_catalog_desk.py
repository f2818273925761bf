"""The catalogue desk: search, create and edit, barcodes, lots with their history, CSV import, roles."""
import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, build_world, gtin13, gtin14
from wms.catalog import services as catalog
from wms.catalog.models import Product
from wms.extensions import db
from wms.inventory import services as inventory


@pytest.fixture
def world(app, users):
    with app.app_context():
        build_world()
        db.session.remove()


def product(app, sku: str) -> Product | None:
    with app.app_context():
        found = catalog.by_sku(sku)
        if found is not None:
            found.barcodes  # noqa: B018  loaded before the session goes
            db.session.expunge(found)
        return found


def product_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Product.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


def skus(page: str) -> list[str]:
    return re.findall(r'<td><a href="/desk/products/\d+">([^<]+)</a></td>', page)


def upload(client, content: bytes, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post("/desk/products/import", data={"file": (BytesIO(content), "products.csv")}, headers=headers,
                       content_type="multipart/form-data")


URLS = [
    ("GET", "/desk/products"), ("GET", "/desk/products/new"), ("POST", "/desk/products/new"),
    ("GET", "/desk/products/{id}"), ("GET", "/desk/products/{id}/edit"), ("POST", "/desk/products/{id}/edit"),
    ("POST", "/desk/products/{id}/barcodes"), ("GET", "/desk/products/import"), ("POST", "/desk/products/import"),
]


def test_a_worker_gets_403_on_every_catalogue_screen(app, auth, client, world):
    auth.login("worker")
    med = product(app, "MED")
    for method, url in URLS:
        response = client.open(url.format(id=med.id), method=method, data={"sku": "NEW", "name": "x", "code": "INT-1"})
        assert response.status_code == 403, (method, url)
    assert product(app, "NEW") is None and len(product(app, "MED").barcodes) == 2


@pytest.mark.parametrize(("query", "found"), [
    ("med", ["MED"]),  # SKU, any case
    ("garrafa", ["BOTTLE"]),  # name
    (MEDICINE_GTIN, ["MED"]),  # the EAN-13 as printed
    ("0" + MEDICINE_GTIN, ["MED"]),  # its GTIN-14 form
    (BOTTLE_GTIN[-4:], ["BOTTLE"]),  # the end of a barcode
    ("%", []),  # LIKE wildcards are taken literally
    ("", ["BOTTLE", "MED"]),
])
def test_search_by_sku_name_or_barcode(auth, client, world, query, found):
    auth.login("supervisor")
    assert skus(text(client.get("/desk/products", query_string={"q": query}))) == found


def test_search_results_are_paged_and_htmx_gets_a_fragment(app, auth, client, users):
    with app.app_context():
        for number in range(1, 121):
            catalog.create_product(sku=f"SKU-{number:03d}", name=f"Product {number}")
        db.session.remove()
    auth.login("supervisor")
    first = text(client.get("/desk/products"))
    assert len(skus(first)) == 50 and "Found: 120" in first and skus(first)[0] == "SKU-001"
    third = text(client.get("/desk/products?page=3", headers={"HX-Request": "true"}))
    assert skus(third) == [f"SKU-{n:03d}" for n in range(101, 121)] and "topnav" not in third
    assert 'aria-current="page">3<' in third


def test_create_a_product_with_its_gtin(app, auth, client, world):
    auth.login("supervisor")
    gtin = gtin13("789100000050")
    response = client.post("/desk/products/new", data={
        "sku": "COS-1", "name": "Creme", "unit": "un", "category": "cosmetic", "anvisa_registration": "2100100030031",
        "lot_tracked": "1", "expiry_tracked": "1", "min_shelf_life_days": "120", "weight_g": "210",
        "length_mm": "60", "width_mm": "40", "height_mm": "150", "photo_url": "", "storage_notes": "Below 30 °C",
        "gtin": gtin})
    assert response.status_code == 302
    made = product(app, "COS-1")
    assert response.headers["Location"] == f"/desk/products/{made.id}"
    assert (made.category, made.min_shelf_life_days, made.weight_g, made.height_mm) == ("cosmetic", 120, 210, 150)
    assert made.lot_tracked and made.expiry_tracked and made.storage_notes == "Below 30 °C"
    assert made.gtin == "0" + gtin
    page = text(client.get(response.headers["Location"]))
    assert "Product COS-1 created." in page and "<svg" in page and "Below 30 °C" in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"gtin": gtin13("789100000051")[:-1] + "0"}, "wrong check digit"),
    ({"gtin": "12345"}, "not a valid GTIN"),
    ({"anvisa_registration": "2100100030031"}, "is for a cosmetic, but the product is a medicine"),
    ({"anvisa_registration": "123"}, "13 digits"),
    ({"sku": "MED"}, "SKU MED already exists"),
    ({"name": ""}, "needs a name"),
    ({"weight_g": "-3"}, "cannot be negative"),
])
def test_create_errors_re_render_the_form_with_status_422(app, auth, client, world, changes, message):
    assert gtin13("789100000051")[-1] != "0"
    auth.login("supervisor")
    before = product_count(app)
    data = {"sku": "MED-2", "name": "Paracetamol 750", "category": "medicine", "unit": "cx",
            "storage_notes": "keep dry", **changes}
    response = client.post("/desk/products/new", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page and 'class="error"' in page
    assert 'value="cx"' in page and "keep dry" in page and 'value="medicine" selected' in page
    assert product_count(app) == before


def test_edit_every_field_and_take_it_out_of_use(app, auth, client, world):
    auth.login("supervisor")
    bottle = product(app, "BOTTLE")
    form = text(client.get(f"/desk/products/{bottle.id}/edit"))
    assert 'value="Garrafa 1 L"' in form and 'name="active" value="1" checked' in form
    response = client.post(f"/desk/products/{bottle.id}/edit", data={
        "sku": "BOTTLE", "name": "Garrafa 1,5 L", "unit": "un", "category": "other", "weight_g": "300",
        "photo_url": "https://example.com/bottle.jpg"})
    assert response.status_code == 302
    saved = product(app, "BOTTLE")
    assert (saved.name, saved.weight_g, saved.active) == ("Garrafa 1,5 L", 300, False)
    page = text(client.get(f"/desk/products/{bottle.id}"))
    assert "Inactive" in page and 'src="https://example.com/bottle.jpg"' in page


def test_edit_error_keeps_what_was_typed(app, auth, client, world):
    auth.login("supervisor")
    bottle = product(app, "BOTTLE")
    response = client.post(f"/desk/products/{bottle.id}/edit", data={"sku": "MED", "name": "Renamed", "active": "1"})
    assert response.status_code == 422
    assert "SKU MED already exists" in text(response) and 'value="Renamed"' in text(response)
    assert product(app, "BOTTLE").name == "Garrafa 1 L"
    assert client.get("/desk/products/999999/edit").status_code == 404


def test_detail_shows_the_ean13_lots_their_history_and_stock_links(app, auth, client, world, users):
    with app.app_context():
        soon = catalog.find_lot(catalog.by_sku("MED").id, "L-SOON")
        inventory.change_lot_status(soon.id, "quarantine", reason="temperature excursion", reference="NC-7",
                                    user_id=users["supervisor"])
        soon_id = soon.id
        db.session.remove()
    auth.login("supervisor")
    page = text(client.get(f"/desk/products/{product(app, 'MED').id}"))
    assert "<svg" in page and f"Barcode of GTIN 0{MEDICINE_GTIN}" in page
    assert f'<a href="/desk/stock/lots/{soon_id}">L-SOON</a>' in page
    assert "temperature excursion (NC-7)" in page and "Released → Quarantine" in page
    assert "expired" in page  # L-OLD
    assert page.index("L-LATE") < page.index("L-SOON") < page.index("L-OLD")  # latest expiry first
    assert "Anvisa controlled" in page and "1055300010011" in page


def test_add_case_and_internal_barcodes(app, auth, client, world):
    auth.login("supervisor")
    bottle = product(app, "BOTTLE")
    case = gtin14("1789100000006")
    response = client.post(f"/desk/products/{bottle.id}/barcodes", data={"kind": "case_gtin", "code": case, "units": "6"})
    assert response.status_code == 302
    client.post(f"/desk/products/{bottle.id}/barcodes", data={"kind": "internal", "code": "GAR-1L"})
    codes = {(b.code, b.kind, b.units) for b in product(app, "BOTTLE").barcodes}
    assert (case, "case_gtin", 6) in codes and ("GAR-1L", "internal", 1) in codes


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "gtin", "code": gtin13("789100000052")[:-1] + "0"}, "wrong check digit"),
    ({"kind": "case_gtin", "code": gtin14("1789100000052"), "units": ""}, "how many units the case holds"),
    ({"kind": "case_gtin", "code": gtin14("1789100000052"), "units": "0"}, "at least one unit"),
    ({"kind": "gtin", "code": "0" + MEDICINE_GTIN}, "already belongs to MED"),
    ({"kind": "pallet", "code": "X"}, "Unknown barcode kind"),
])
def test_barcode_errors_re_render_the_product_with_422(app, auth, client, world, data, message):
    assert gtin13("789100000052")[-1] != "0"
    auth.login("supervisor")
    bottle = product(app, "BOTTLE")
    response = client.post(f"/desk/products/{bottle.id}/barcodes", data=data)
    assert response.status_code == 422
    assert message in text(response) and f'value="{data["code"]}"' in text(response)
    assert len(product(app, "BOTTLE").barcodes) == 1


GOOD = f"sku,name,category,gtin\nNEW-1,Novo um,other,{gtin13('789100000060')}\nNEW-2,Novo dois,,\n".encode()
BAD = f"sku,name,category,gtin\nNEW-1,Novo um,other,{gtin13('789100000060')}\nNEW-2,,,\nMED,Again,,\n".encode()


def test_import_products_good_and_bad(app, auth, client, world):
    auth.login("supervisor")
    before = product_count(app)
    response = upload(client, BAD, htmx=True)
    page = text(response)
    assert response.status_code == 422 and "topnav" not in page
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td></tr>', page)
    assert [line for line, _ in rows] == ["3", "4"] and "SKU MED already exists" in rows[1][1]
    assert product_count(app) == before
    response = upload(client, GOOD, htmx=True)
    assert response.status_code == 200 and "2 products imported." in text(response)
    assert product(app, "NEW-1").gtin == "0" + gtin13("789100000060")
    assert "sku,name" in text(upload(client, b"name\nx\n"))
    response = upload(client, GOOD.replace(b"NEW-", b"OTHER-").replace(gtin13("789100000060").encode(), b""))
    assert response.status_code == 302


def test_import_page_has_the_progress_bar(auth, client, world):
    auth.login("supervisor")
    page = text(client.get("/desk/products/import"))
    assert 'hx-encoding="multipart/form-data"' in page and "<progress" in page and "data-upload-progress" in page  # desk.js moves the bar (no inline script)


def test_the_catalogue_speaks_portuguese(app, auth, client, world):
    auth.login("supervisor")
    client.post("/language", data={"locale": "pt_BR", "next": "/desk"})
    assert "Novo produto" in text(client.get("/desk/products"))
    response = client.post("/desk/products/new", data={"sku": "X-1", "name": "X", "gtin": MEDICINE_GTIN[:-1] + "0"})
    assert response.status_code == 422 and "tem o dígito verificador errado" in text(response)
