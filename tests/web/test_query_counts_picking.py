"""No N+1 on the picking handheld: the wave screen lists every slot's tote, and its statements do not grow with
the number of orders in the wave; each picking step (bind a tote, location, product and lot, quantity, the pick
confirmed at the tote, staging) takes at most its figure, as many for six orders as for two (on SQLite and
PostgreSQL)."""
from sqlalchemy import event

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN
from tests.handheld_client import scan
from tests.picking_helpers import stocked_world, take
from tests.web.test_query_counts import HX, statements
from wms import gs1
from wms.extensions import db
from wms.picking import picks, waves


def _wave_with_totes(app, orders: int) -> int:
    """A wave of `orders` one-unit orders, every order but the last with its tote (the screen still asks for a
    tote, and lists the slots with theirs)."""
    with app.app_context():
        ids = [take([("BOTTLE", 1)]) for _ in range(orders)]
        wave = waves.build_wave(order_ids=ids, max_orders=orders, user_id=None)
        db.session.commit()
        for n in range(orders - 1):
            picks.bind_tote(wave.id, f"TQ-{wave.id}-{n}", user_id=None)
        db.session.commit()
        return wave.id


def test_the_wave_screen_takes_as_many_statements_for_eight_orders_as_for_two(app, client, users):
    with app.app_context():
        stocked_world()
        db.session.commit()
    small, large = _wave_with_totes(app, 2), _wave_with_totes(app, 8)
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    statements(client, "GET", f"/hh/pick/waves/{small}", headers=HX)  # warm
    few = statements(client, "GET", f"/hh/pick/waves/{small}", headers=HX)
    many = statements(client, "GET", f"/hh/pick/waves/{large}", headers=HX)
    assert many == few, (few, many)


def test_the_desk_wave_list_takes_as_many_statements_for_six_active_waves_as_for_two(app, client, users):
    with app.app_context():
        stocked_world()
        db.session.commit()
    for _ in range(2):
        _wave_with_totes(app, 2)
    client.post("/login", data={"username": "supervisor", "password": "supervisor"})
    statements(client, "GET", "/desk/waves/")  # warm
    few = statements(client, "GET", "/desk/waves/")
    for _ in range(4):
        _wave_with_totes(app, 2)
    statements(client, "GET", "/desk/waves/")  # the user snapshot may have aged out meanwhile
    assert statements(client, "GET", "/desk/waves/") == few
    body = client.get("/desk/waves/").get_data(as_text=True)
    assert body.count('href="/desk/waves/') >= 6


def test_the_desk_home_lists_the_oldest_waves_in_progress_and_counts_the_rest(app, client, users, monkeypatch):
    """The board showed every active wave (~1,000 rows at warehouse scale): now the oldest WAVES_SHOWN, the rest
    counted with a link to the wave list, in as many statements for five waves as for two."""
    from wms.board import queries as board

    monkeypatch.setattr(board, "WAVES_SHOWN", 3)
    with app.app_context():
        stocked_world()
        db.session.commit()
    first = [_wave_with_totes(app, 2) for _ in range(2)]
    client.post("/login", data={"username": "supervisor", "password": "supervisor"})
    statements(client, "GET", "/desk")  # warm
    few = statements(client, "GET", "/desk")
    body = client.get("/desk").get_data(as_text=True)
    assert "more wave" not in body and all(f'/desk/board/map/waves/{w}"' in body for w in first)
    later = first + [_wave_with_totes(app, 2) for _ in range(3)]
    statements(client, "GET", "/desk")
    assert statements(client, "GET", "/desk") == few + 1  # the count of the rest
    body = client.get("/desk").get_data(as_text=True)
    assert [f'/desk/board/map/waves/{w}"' in body for w in later] == [True, True, True, False, False]
    assert "and 2 more waves in progress" in body


# --------------------------------------------------------------------------------------------- each picking step

# The most statements each step of the handheld's picking may take on PostgreSQL (SQLite adds its BEGIN IMMEDIATE),
# whatever the number of orders and tasks in the wave (issue #16: before, a pick confirmation was 42, binding a tote
# 26, the location step 10, the product step 8, and the staging 52 for three orders, 80 for six).
MOST = {
    "bind a tote": 16,  # a new tote: lookup.identify's 5 statements say the code is nothing else
    "bind the last tote": 17,  # picking starts: the wave's row, and the first task is read
    "location": 3,
    "product": 4,
    "product with its lot": 4,
    "quantity: the next unit scanned": 4,
    "tote: the pick confirmed": 24,
    "staging": 20,
}
# Writes the ORM sends one row a statement on SQLite (no ordered RETURNING there): a ledger move per tote item and
# the stock-sync marks. PostgreSQL inserts each kind in one statement.
_ROW_BY_ROW = ("INSERT INTO moves ", "INSERT INTO stock_sync_marks ")


def _counted(client, send) -> tuple[object, list[str]]:
    seen: list[str] = []
    with client.application.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response, seen


def _walk(app, client, orders: int) -> dict[str, list[list[str]]]:
    """Pick a wave of `orders` orders (MED × 2 with its lot's DataMatrix, unit by unit, and BOTTLE × 1 in turn) on
    the handheld as a picker does; the statements of each step, by step."""
    with app.app_context():
        ids = [take([("MED", 2)]) if n % 2 == 0 else take([("BOTTLE", 1)]) for n in range(orders)]
        wave = waves.build_wave(order_ids=ids, max_orders=orders, user_id=None)
        wave_id = wave.id
        db.session.commit()
    steps: dict[str, list[list[str]]] = {}
    screen = client.get(f"/hh/pick/waves/{wave_id}", headers=HX)

    def step(name: str, code: str):
        nonlocal screen
        screen, seen = _counted(client, lambda: scan(client, screen, code))
        steps.setdefault(name, []).append(seen)

    for n in range(orders):
        step("bind a tote" if n < orders - 1 else "bind the last tote", f"TQ-{wave_id}-{n}")
    while 'data-step="location"' in screen.get_data(as_text=True):
        with app.app_context():
            task = waves.next_task(wave_id)
            where, sku, lot, tote = task.location.code, task.product.sku, task.lot, task.wave_order.tote.code
            datamatrix = lot and "]d2" + gs1.element_string(gtin=MEDICINE_GTIN, expires_on=lot.expires_on,
                                                             lot=lot.code)
        step("location", where)
        if sku == "MED":
            step("product with its lot", datamatrix)
            step("quantity: the next unit scanned", datamatrix)
        else:
            step("product", BOTTLE_GTIN)
        step("tote: the pick confirmed", tote)
    assert 'data-step="finish"' in screen.get_data(as_text=True)
    step("staging", "STAGE")
    assert 'id="finished"' in screen.get_data(as_text=True)
    return steps


def _figure(name: str, seen: list[str], sqlite: bool) -> int:
    """The step's statements as PostgreSQL counts them: without SQLite's BEGIN IMMEDIATE, and the rows SQLite
    inserts one by one counted as PostgreSQL's one statement for each kind."""
    if not sqlite:
        return len(seen)
    if name == "staging":
        return len([s for s in seen if not s.startswith(_ROW_BY_ROW)]) - 1 + len(_ROW_BY_ROW)
    return len(seen) - 1


def test_each_picking_step_takes_as_many_statements_for_six_orders_as_for_two(app, client, users,
                                                                              steady_user_snapshots):
    from wms.auth import loading

    with app.app_context():
        stocked_world()
        sqlite = db.engine.dialect.name == "sqlite"
        db.session.commit()
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    loading.forget_all()
    client.get("/hh/pick/", headers=HX)  # warm: the snapshot, the templates, the translations
    few, many = _walk(app, client, 2), _walk(app, client, 6)
    assert set(few) == set(many) == set(MOST)
    for name, most in MOST.items():
        figures_few = {_figure(name, seen, sqlite) for seen in few[name]}
        figures_many = {_figure(name, seen, sqlite) for seen in many[name]}
        assert figures_many == figures_few, (name, figures_few, figures_many, many[name])
        assert max(figures_many) <= most, (name, figures_many, many[name])
    if sqlite:  # the rows written one by one: a move per tote item, a mark per product
        moves = [s for s in many["staging"][0] if s.startswith("INSERT INTO moves ")]
        assert len(moves) == 6
