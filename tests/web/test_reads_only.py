"""What's here? only reads: on PostgreSQL its request runs in autocommit (no BEGIN, no COMMIT), and a write in a
request marked `reads_only` is refused before it reaches the database (wms/uow.py)."""
import pytest
from sqlalchemy import event, update

from tests.factories import build_world, receive
from wms import uow
from wms.catalog.models import Product
from wms.extensions import db

HX = {"HX-Request": "true"}


@pytest.fixture
def stocked(app, users):
    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-2", 12)
        db.session.remove()


def _autocommit_of_each_statement(app, send) -> list[bool]:
    seen = []

    def note(conn, _cursor, _statement, _parameters, _context, _many):
        seen.append(bool(getattr(conn.connection.dbapi_connection, "autocommit", False)))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.status_code
    return seen


def test_whats_here_runs_outside_a_transaction_on_postgresql(app, auth, client, stocked, is_postgres):
    auth.login("worker")
    client.get("/hh/stock/here")
    seen = _autocommit_of_each_statement(app, lambda: client.post("/hh/stock/here", data={"scan": "A-01-01-2"},
                                                                  headers=HX))
    assert seen and all(seen) is is_postgres  # SQLite keeps its transaction (BEGIN IMMEDIATE semantics)
    assert "BOTTLE" in client.post("/hh/stock/here", data={"scan": "A-01-01-2"}, headers=HX).get_data(as_text=True)


def test_whats_here_on_sqlite_begins_deferred_and_a_move_takes_the_write_lock(app, auth, client, stocked,
                                                                               is_postgres):
    """On SQLite a What's here? reads a snapshot (BEGIN: no write lock, it never queues behind a move); a screen
    that writes still begins IMMEDIATE, so two writers never read the same stock."""
    if is_postgres:
        pytest.skip("SQLite's transactions")
    auth.login("worker")
    begun = []

    def note(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begun.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.post("/hh/stock/here", data={"scan": "A-01-01-2"}, headers=HX).status_code == 200
        here, begun[:] = list(begun), []
        assert client.post("/hh/stock/move", data={"scan": "A-01-01-2"}, headers=HX).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert here == ["BEGIN"]
    assert begun and set(begun) == {"BEGIN IMMEDIATE"}


def test_a_screen_that_writes_keeps_its_transaction(app, auth, client, stocked):
    auth.login("worker")
    client.get("/hh/stock/move")
    seen = _autocommit_of_each_statement(app, lambda: client.post("/hh/stock/move", data={"scan": "A-01-01-2"},
                                                                  headers=HX))
    assert seen and not any(seen)


def test_a_write_in_a_read_only_request_is_refused_and_nothing_changes(app, stocked):
    with app.app_context():
        session = db.session()
        session.info["wms.reads_only"] = True
        try:
            with pytest.raises(uow.WriteInReadOnlyRequest):
                db.session.execute(update(Product).where(Product.sku == "BOTTLE").values(name="changed"))
            product = db.session.query(Product).filter_by(sku="BOTTLE").one()
            product.name = "changed too"
            with pytest.raises(uow.WriteInReadOnlyRequest):
                db.session.flush()
        finally:
            session.info.pop("wms.reads_only", None)
            db.session.rollback()
        assert db.session.query(Product).filter_by(sku="BOTTLE").one().name not in ("changed", "changed too")
        db.session.remove()


def test_the_mark_ends_with_the_request(app, auth, client, stocked):
    """A What's here? request and then a write on the same app context: the write is not refused."""
    auth.login("worker")
    with app.app_context():
        assert client.post("/hh/stock/here", data={"scan": "A-01-01-2"}, headers=HX).status_code == 200
        assert "wms.reads_only" not in db.session().info
        db.session.execute(update(Product).where(Product.sku == "BOTTLE").values(name="Bottle, renamed"))
        db.session.rollback()
