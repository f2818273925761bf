"""The locations desk: list and filters, a location's page, block, range, CSV import, layout, roles."""
import re

import pytest
from sqlalchemy import func, select

from tests.factories import build_world
from wms.catalog import services as catalog
from wms.extensions import db
from wms.locations import services as locations
from wms.locations.models import Location, Warehouse


@pytest.fixture
def world(app, users):
    with app.app_context():
        build_world()
        db.session.remove()


def location_id(app, code: str) -> int:
    with app.app_context():
        return locations.by_code(code).id


def location(app, code: str) -> Location | None:
    with app.app_context():
        found = locations.by_code(code)
        if found is not None:
            db.session.expunge(found)
        return found


def location_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Location.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


def flashed(response) -> list[str]:
    return re.findall(r'<p class="flash [a-z]+" role="status">([^<]*)</p>', text(response))


URLS = [
    ("GET", "/desk/locations"), ("GET", "/desk/locations/{id}"), ("POST", "/desk/locations/{id}"),
    ("POST", "/desk/locations/{id}/block"), ("POST", "/desk/locations/{id}/unblock"),
    ("GET", "/desk/locations/new"), ("POST", "/desk/locations/new"),
    ("GET", "/desk/locations/range"), ("POST", "/desk/locations/range"),
    ("GET", "/desk/locations/import"), ("POST", "/desk/locations/import"),
    ("GET", "/desk/locations/layout"), ("POST", "/desk/locations/layout"),
]


def test_a_worker_gets_403_on_every_locations_screen(app, auth, client, world):
    auth.login("worker")
    some = location_id(app, "A-01-01-1")
    for method, url in URLS:
        response = client.open(url.format(id=some), method=method, data={"reason": "x", "code": "Z-1", "kind": "reserve"})
        assert response.status_code == 403, (method, url)
    assert location(app, "Z-1") is None and not location(app, "A-01-01-1").blocked


def test_navigation_lists_locations_then_products(auth, client, world):
    auth.login("supervisor")
    page = text(client.get("/desk"))
    assert page.index('href="/desk/locations"') < page.index('href="/desk/products"')


def test_the_list_pages_20000_bins_server_side(app, auth, client, users):
    with app.app_context():
        locations.create_warehouse("W1", "Big")
        locations.create_range("A", (1, 20), (1, 50), (1, 5), positions="AB")  # 10,000
        locations.create_range("B", (1, 20), (1, 50), (1, 5), positions="AB")  # 20,000
        db.session.remove()
    auth.login("supervisor")
    first = text(client.get("/desk/locations"))
    assert len(re.findall(r'href="/desk/locations/\d+"', first)) == 50
    assert "Found: 20000" in first and "A-01-05-5-B" in first and "A-01-06-1-A" not in first
    last = text(client.get("/desk/locations?page=400"))
    assert "B-20-50-5-B" in last and 'aria-current="page">400<' in last


def test_filters_by_prefix_zone_type_and_blocked(app, auth, client, world):
    with app.app_context():
        locations.set_blocked(locations.by_code("A-02-03-2").id, True, "broken beam")
        db.session.remove()
    auth.login("supervisor")
    page = text(client.get("/desk/locations?prefix=a-02-0"))
    codes = set(re.findall(r">(A-\d\d-\d\d-\d)<", page))
    assert codes and all(code.startswith("A-02-0") for code in codes)
    page = text(client.get("/desk/locations?kind=pick_face&zone=A"))
    codes = set(re.findall(r">(A-\d\d-\d\d-\d)<", page))
    assert len(codes) == 10 and all(code.endswith("-1") for code in codes)
    page = text(client.get("/desk/locations?blocked=yes"))
    assert re.findall(r">(A-\d\d-\d\d-\d)<", page) == ["A-02-03-2"] and "broken beam" in page
    assert "A-02-03-2" not in text(client.get("/desk/locations?blocked=no&prefix=A-02-03"))
    page = text(client.get("/desk/locations?prefix=100%25_"))  # LIKE wildcards are taken literally
    assert "No locations match" in page
    assert "SUPPLIER" not in text(client.get("/desk/locations?prefix=W1"))  # virtual places are not bins


def test_htmx_gets_the_results_fragment_and_history_restore_the_page(auth, client, world):
    auth.login("supervisor")
    fragment = text(client.get("/desk/locations?prefix=A-01", headers={"HX-Request": "true"}))
    assert "<table" in fragment and "topnav" not in fragment
    restored = text(client.get("/desk/locations?prefix=A-01",
                               headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}))
    assert "topnav" in restored


def test_detail_shows_the_code_128_barcode_and_walk_point(app, auth, client, world):
    auth.login("supervisor")
    page = text(client.get(f"/desk/locations/{location_id(app, 'A-02-03-2')}"))
    assert "<svg" in page and "<?xml" not in page and "A-02-03-2" in page
    assert "aisle 2, 2.5 m from the front cross-aisle" in page
    assert client.get("/desk/locations/999999").status_code == 404


def test_edit_a_location_with_a_pick_face_slot(app, auth, client, world):
    auth.login("supervisor")
    face = location_id(app, "A-01-01-1")
    response = client.post(f"/desk/locations/{face}", data={
        "kind": "pick_face", "capacity_units": "60", "mixing": "one_product", "active": "1",
        "slot_sku": "BOTTLE", "slot_min": "10", "slot_max": "60"})
    assert response.status_code == 302 and response.headers["Location"] == f"/desk/locations/{face}"
    saved = location(app, "A-01-01-1")
    assert (saved.capacity_units, saved.mixing, saved.slot_min, saved.slot_max) == (60, "one_product", 10, 60)
    page = text(client.get(f"/desk/locations/{face}"))
    assert "Location saved." in page and 'value="BOTTLE"' in page
    response = client.post(f"/desk/locations/{face}", data={"kind": "pick_face", "capacity_units": "", "mixing": "mixed"})
    saved = location(app, "A-01-01-1")
    assert (saved.capacity_units, saved.active, saved.slot_product_id) == (None, False, None)


@pytest.mark.parametrize(("data", "message"), [
    ({"slot_sku": "NOPE", "slot_min": "1", "slot_max": "2"}, "No product has the SKU NOPE"),
    ({"slot_sku": "BOTTLE", "slot_min": "9", "slot_max": "2"}, "slot minimum"),
    ({"capacity_units": "lots"}, "Capacity must be a whole number"),
    ({"kind": "supplier"}, "made by the system"),
])
def test_edit_errors_re_render_the_form_with_what_was_typed(app, auth, client, world, data, message):
    auth.login("supervisor")
    face = location_id(app, "A-01-01-1")
    form = {"kind": "pick_face", "capacity_units": "77", "mixing": "one_lot", "active": "1", **data}
    response = client.post(f"/desk/locations/{face}", data=form)
    assert response.status_code == 422
    page = text(response)
    assert message in page and "<svg" in page
    if "capacity_units" not in data:
        assert 'value="77"' in page
    saved = location(app, "A-01-01-1")
    assert saved.capacity_units is None and saved.kind == "pick_face" and saved.mixing == "mixed"


def test_block_with_a_reason_then_unblock(app, auth, client, world):
    auth.login("supervisor")
    bin_id = location_id(app, "A-01-02-2")
    response = client.post(f"/desk/locations/{bin_id}/block", data={"reason": " "})
    assert response.status_code == 422 and "Say why the location is blocked" in text(response)
    assert not location(app, "A-01-02-2").blocked
    response = client.post(f"/desk/locations/{bin_id}/block", data={"reason": "count in progress"})
    assert response.status_code == 302
    assert "is blocked" in flashed(client.get(response.headers["Location"]))[0]
    assert location(app, "A-01-02-2").blocked_reason == "count in progress"
    client.post(f"/desk/locations/{bin_id}/unblock")
    assert not location(app, "A-01-02-2").blocked


def test_create_one_location(app, auth, client, world):
    auth.login("supervisor")
    response = client.post("/desk/locations/new", data={"code": "dock-09", "kind": "receiving", "zone": "",
                                                         "capacity_units": "", "mixing": "mixed"})
    assert response.status_code == 302
    assert location(app, "DOCK-09").kind == "receiving"
    response = client.post("/desk/locations/new", data={"code": "DOCK-09", "kind": "receiving"})
    assert response.status_code == 422 and "DOCK-09 already exists" in text(response)
    assert 'value="DOCK-09"' in text(response)


RANGE = {"zone": "C", "aisle_from": "1", "aisle_to": "2", "bay_from": "1", "bay_to": "4", "level_from": "1",
         "level_to": "3", "positions": "", "kind": "reserve", "mixing": "mixed", "capacity_units": ""}


def test_range_preview_counts_before_anything_is_created(app, auth, client, world):
    auth.login("supervisor")
    before = location_count(app)
    response = client.post("/desk/locations/range", data={**RANGE, "action": "preview"}, headers={"HX-Request": "true"})
    page = text(response)
    assert response.status_code == 200 and "topnav" not in page
    assert "This creates 24 locations, from C-01-01-1 to C-02-04-3." in page
    assert 'name="expected_count" value="24"' in page and "Create 24 locations" in page
    # without JavaScript the same preview comes in the whole page
    page = text(client.post("/desk/locations/range", data={**RANGE, "action": "preview"}))
    assert "topnav" in page and "This creates 24 locations" in page
    assert location_count(app) == before


def test_range_preview_names_existing_bins_and_offers_no_create(auth, client, world):
    auth.login("supervisor")
    data = {**RANGE, "zone": "A", "action": "preview"}
    page = text(client.post("/desk/locations/range", data=data, headers={"HX-Request": "true"}))
    assert "16 of these 24 locations already exist" in page and "A-01-01-1" in page
    assert "expected_count" not in page


def test_create_the_previewed_range_with_pick_face_levels(app, auth, client, world):
    auth.login("supervisor")
    data = {**RANGE, "action": "create", "expected_count": "24", "pick_face_levels": ["1"], "capacity_units": "80"}
    response = client.post("/desk/locations/range", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/desk/locations?prefix=C-"
    page = client.get(response.headers["Location"])
    assert flashed(page) == ["24 locations created, C-01-01-1 to C-02-04-3."]
    assert location(app, "C-01-01-1").kind == "pick_face"
    assert location(app, "C-02-04-3").kind == "reserve" and location(app, "C-02-04-3").capacity_units == 80


def test_a_range_changed_after_its_preview_is_not_created(app, auth, client, world):
    auth.login("supervisor")
    before = location_count(app)
    response = client.post("/desk/locations/range", data={**RANGE, "level_to": "9", "action": "create",
                                                          "expected_count": "24"})
    assert response.status_code == 422 and "changed since its preview" in text(response)
    assert "This creates 72 locations" not in text(response)
    assert location_count(app) == before


@pytest.mark.parametrize(("changes", "message"), [
    ({"aisle_from": "x"}, "Aisles must be a whole number"),
    ({"bay_from": ""}, "Bays: give the first one"),
    ({"level_to": "12"}, "Levels go from 1 up to 9"),
    ({"zone": "TOO-LONG"}, "1 to 4 letters or digits"),
])
def test_range_input_errors(auth, client, world, changes, message):
    auth.login("supervisor")
    response = client.post("/desk/locations/range", data={**RANGE, **changes, "action": "preview"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422 and message in text(response)


GOOD_CSV = b"code,kind,zone,capacity_units,mixing\nDOCK-05,receiving,,,\nD-01-01-1,pick_face,D,40,one_product\n"
BAD_CSV = b"code,kind,zone,capacity_units,mixing\nDOCK-05,receiving,,,\nD-01-01-1,shelf,D,40,one_product\nDOCK-01,receiving,,,\n"


def upload(client, content: bytes, url="/desk/locations/import", htmx=False, filename="bins.csv"):
    from io import BytesIO

    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data={"file": (BytesIO(content), filename)}, headers=headers,
                       content_type="multipart/form-data")


def test_import_a_good_csv_redirects_with_the_count(app, auth, client, world):
    auth.login("supervisor")
    response = upload(client, GOOD_CSV)
    assert response.status_code == 302
    assert flashed(client.get(response.headers["Location"])) == ["2 locations imported."]
    assert location(app, "D-01-01-1").capacity_units == 40


def test_import_a_bad_csv_lists_line_numbers_and_creates_nothing(app, auth, client, users):
    with app.app_context():
        locations.create_warehouse("W1", "W")
        locations.create_location("DOCK-01", "receiving")
        db.session.remove()
    auth.login("supervisor")
    before = location_count(app)
    response = upload(client, BAD_CSV, htmx=True)
    page = text(response)
    assert response.status_code == 422 and "topnav" not in page
    assert "Nothing was imported. Lines with a problem: 2." in page
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td></tr>', page)
    assert rows == [("3", "Unknown location type shelf."), ("4", "Location DOCK-01 already exists.")]
    assert location_count(app) == before
    # without htmx the whole page comes back with the same report
    page = text(upload(client, BAD_CSV))
    assert "topnav" in page and "Unknown location type shelf." in page


def test_import_upload_problems(app, auth, client, world):
    auth.login("supervisor")
    response = client.post("/desk/locations/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file" in text(response)
    assert "code,kind" in text(upload(client, b"codigo;tipo\nX;reserve\n"))
    assert "The file is empty" in text(upload(client, b"  \n"))
    # a CSV saved by Excel in Windows-1252 still reads
    response = upload(client, "code,kind,zone\nQ-CAMARA-1,quarantine,CÂMARA\n".encode("cp1252"))
    assert response.status_code == 302 and location(app, "Q-CAMARA-1").zone_id is not None
    with app.app_context():
        assert locations.by_code("Q-CAMARA-1").zone.code == "CÂMARA"


def test_the_upload_form_posts_multipart_with_htmx_and_shows_progress(auth, client, world):
    auth.login("supervisor")
    page = text(client.get("/desk/locations/import"))
    assert 'hx-encoding="multipart/form-data"' in page and 'enctype="multipart/form-data"' in page
    assert "data-upload-progress" in page and "<progress" in page


def test_a_supervisor_sees_the_layout_but_only_an_admin_saves_it(app, auth, client, world):
    auth.login("supervisor")
    page = text(client.get("/desk/locations/layout"))
    assert "Only an admin can change the layout." in page and 'value="5"' in page
    assert client.post("/desk/locations/layout", data={"aisle_length_m": "30"}).status_code == 403
    auth.logout()
    auth.login("admin")
    data = {"aisle_length_m": "30", "aisle_pitch_m": "3,5", "bay_width_m": "1.2", "depot_x_m": "0",
            "cross_aisles_m": ["15", "", "7.5"]}
    response = client.post("/desk/locations/layout", data=data)
    assert response.status_code == 302
    assert flashed(client.get("/desk/locations/layout")) == ["Warehouse layout saved."]
    with app.app_context():
        warehouse = db.session.scalar(select(Warehouse))
        assert (warehouse.aisle_length_m, warehouse.aisle_pitch_m, warehouse.cross_aisles_m) == (30, 3.5, [7.5, 15])


@pytest.mark.parametrize(("changes", "message"), [
    ({"cross_aisles_m": ["30"]}, "between 0 and the aisle length (30 m), not at 30 m"),
    ({"aisle_pitch_m": "0"}, "Aisle pitch must be more than 0 metres"),
    ({"bay_width_m": "wide"}, "Bay width must be a number of metres"),
])
def test_layout_errors_keep_what_was_typed(app, auth, client, world, changes, message):
    auth.login("admin")
    data = {"aisle_length_m": "30", "aisle_pitch_m": "3", "bay_width_m": "1", "depot_x_m": "0", **changes}
    response = client.post("/desk/locations/layout", data=data)
    assert response.status_code == 422
    assert message in text(response) and 'value="30"' in text(response)
    with app.app_context():
        assert db.session.scalar(select(Warehouse.aisle_length_m)) == 5


def test_slot_product_is_shown_in_the_list(app, auth, client, world):
    with app.app_context():
        face = locations.by_code("A-01-01-1")
        locations.update_location(face.id, slot_product_id=catalog.by_sku("MED").id, slot_min=5, slot_max=50)
        db.session.remove()
    auth.login("supervisor")
    assert "MED (5–50)" in text(client.get("/desk/locations?prefix=A-01-01-1"))


def test_a_code_no_barcode_can_carry_is_said_not_crashed(app, auth, client, world):
    with app.app_context():  # made before codes were checked, straight in the table
        warehouse = db.session.scalar(select(Warehouse))
        db.session.add(Location(warehouse_id=warehouse.id, code="CÂMARA-1", kind="quarantine"))
        db.session.commit()
        legacy = locations.by_code("CÂMARA-1").id
        db.session.remove()
    auth.login("supervisor")
    response = client.get(f"/desk/locations/{legacy}")
    assert response.status_code == 200 and "cannot be printed as a Code 128 barcode" in text(response)


def test_the_screens_speak_portuguese(app, auth, client, world):
    auth.login("supervisor")
    client.post("/language", data={"locale": "pt_BR", "next": "/desk"})
    page = text(client.get("/desk/locations"))
    assert "Endereços" in page and "Criar uma faixa" in page and "Picking" in page and "Pulmão" in page
    response = client.post("/desk/locations/range", data={**RANGE, "zone": "", "action": "preview"},
                           headers={"HX-Request": "true"})
    assert "Uma zona tem de 1 a 4 letras ou dígitos." in text(response)
