"""No N+1: the number of SQL statements of each handheld request type and each desk list page does not grow with
the number of rows it shows (counted with SQLAlchemy's `before_cursor_execute`), on SQLite and PostgreSQL."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from tests.factories import BOTTLE_GTIN, build_world, receive
from tests.picking_helpers import take
from wms import clock, gs1
from wms.catalog import services as catalog
from wms.extensions import db
from wms.locations import services as locations

HX = {"HX-Request": "true"}
pytestmark = pytest.mark.usefixtures("steady_user_snapshots")


@pytest.fixture
def grow(app, users):
    """A small warehouse, and a function that makes every list longer: 8 more products in A-01-01-2, BOTTLE and
    MED L-LATE in 20 more bins, 3 more lots expiring soon in two bins each, 5 more orders (each call)."""
    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-01-2", 30, "L-LATE")
        receive(world, "MED", "A-01-01-2", 4, "L-SOON")  # expires within the expiry page's 30 days
        receive(world, "BOTTLE", "A-01-01-2", 12)
        take([("BOTTLE", 2)])
        state = SimpleNamespace(calls=0, warehouse_id=world.warehouse.id)
        db.session.remove()

    def more():
        with app.app_context():
            state.calls += 1
            world = _world(state.warehouse_id)
            for n in range(8):
                sku = f"X{state.calls}-{n}"
                world.products[sku] = catalog.create_product(sku=sku, name=f"Extra {sku}")
                receive(world, sku, "A-01-01-2", 3)
            for place in locations.create_range(f"B{state.calls}", (1, 2), (1, 5), (1, 2),
                                                warehouse=world.warehouse):
                world.loc[place.code] = place
                receive(world, "BOTTLE", place.code, 1)
                receive(world, "MED", place.code, 2, "L-LATE")
            for n in range(3):  # more lots on the expiry page, each in two places
                code = f"LS{state.calls}{n}"
                world.lots[code] = catalog.lot_in_transaction(world.products["MED"], code,
                                                              expires_on=clock.today() + timedelta(days=n + 2))
                db.session.commit()
                receive(world, "MED", "A-01-03-2", 2, code)
                receive(world, "MED", "A-02-03-2", 2, code)
            for _ in range(5):
                take([("BOTTLE", 1), ("MED", 1)])
            db.session.remove()

    return more


def _world(warehouse_id):
    from sqlalchemy import select

    from tests.factories import World
    from wms.catalog.models import Lot, Product
    from wms.locations.models import Location, Warehouse

    world = World(warehouse=db.session.get(Warehouse, warehouse_id))
    world.loc.update({loc.code: loc for loc in db.session.scalars(select(Location))})
    world.products.update({p.sku: p for p in db.session.scalars(select(Product))})
    world.lots.update({lot.code: lot for lot in db.session.scalars(select(Lot))})
    return world


def statements(client, method: str, path: str, begin: bool = True, **kwargs) -> int:
    """Statements the request sends; `begin=False` leaves out SQLite's BEGIN (PostgreSQL's is not a statement)."""
    count = 0

    def counter(*args):
        nonlocal count
        if begin or not args[2].startswith("BEGIN"):
            count += 1

    with client.application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.open(path, method=method, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return count


def _gs1_late(app) -> str:
    from sqlalchemy import select

    from wms.catalog.models import Lot

    with app.app_context():
        lot = db.session.scalar(select(Lot).where(Lot.code == "L-LATE"))
        from tests.factories import MEDICINE_GTIN

        return "]d2" + gs1.element_string(gtin=MEDICINE_GTIN, expires_on=lot.expires_on, lot="L-LATE")


HANDHELD = {
    "what's here: a location": ("POST", "/hh/stock/here", lambda app: {"scan": "A-01-01-2"}),
    "what's here: a product": ("POST", "/hh/stock/here", lambda app: {"scan": BOTTLE_GTIN}),
    "what's here: a GS1 lot": ("POST", "/hh/stock/here", lambda app: {"scan": _gs1_late(app)}),
    "move: the source location": ("POST", "/hh/stock/move", lambda app: {"scan": "A-01-01-2"}),
    "menu": ("GET", "/hh/", None),
    "picking: the wave list": ("GET", "/hh/pick/", None),
}


@pytest.mark.parametrize("name", list(HANDHELD))
def test_a_handheld_request_takes_as_many_statements_for_many_rows_as_for_few(app, client, grow, name):
    method, path, form = HANDHELD[name]
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)

    def run():
        kwargs = {"headers": HX}
        if form is not None:
            kwargs["data"] = form(app)
        return statements(client, method, path, **kwargs)

    run()  # warm: caches of the first request (translations, templates) are not what is measured
    few = run()
    grow()
    grow()
    assert run() == few


@pytest.mark.parametrize("name", [n for n in HANDHELD if n.startswith("what's here")])
def test_what_is_here_reads_the_scanned_thing_and_its_stock_in_two_statements(app, client, grow, name):
    """A bin, a GTIN or a GS1 lot: one statement for what was scanned (a lot with its barcode and product), one
    for its stock with the totals. The lot's product is not read again when the page names it."""
    method, path, form = HANDHELD[name]
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    statements(client, method, path, headers=HX, data=form(app))  # warm: the login's user is read once
    assert statements(client, method, path, headers=HX, data=form(app), begin=False) == 2


DESK = ["/desk", "/desk/stock/", "/desk/stock/?by=location", "/desk/stock/?by=lot", "/desk/stock/?q=BOTTLE",
        "/desk/stock/expiry", "/desk/stock/adjustments", "/desk/stock/counts", "/desk/locations",
        "/desk/products", "/desk/orders/", "/desk/waves/", "/desk/receiving/"]


@pytest.mark.parametrize("path", DESK)
def test_a_desk_list_takes_as_many_statements_for_many_rows_as_for_few(client, grow, path):
    client.post("/login", data={"username": "supervisor", "password": "supervisor"})
    statements(client, "GET", path)
    few = statements(client, "GET", path)
    grow()
    grow()
    assert statements(client, "GET", path) == few


def _texts(client, path: str) -> list[str]:
    seen: list[str] = []
    with client.application.app_context():
        engine = db.engine

    def keep(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(path, headers=HX).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def test_the_logged_in_user_is_not_read_again_on_every_request(client, users):
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    client.get("/hh/", headers=HX)
    assert not [s for s in _texts(client, "/hh/") if "FROM users" in s]


def test_a_user_switched_off_is_logged_out_at_the_next_request(app, client, users):
    from sqlalchemy import select

    from wms.auth.models import User

    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    assert client.get("/hh/").status_code == 200
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "worker")).active = False
        db.session.commit()
    response = client.get("/hh/")
    assert response.status_code == 302 and "/hh/login" in response.headers["Location"]
