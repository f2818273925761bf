"""No N+1 on the picking handheld: the wave screen lists every slot's tote, and its statements do not grow with
the number of orders in the wave (on SQLite and PostgreSQL)."""
from tests.picking_helpers import stocked_world, take
from tests.web.test_query_counts import HX, statements
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
