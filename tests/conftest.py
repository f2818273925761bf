"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL when
WMS_TEST_DATABASE_URL is set), emptied after every test.

Unit tests of pure rules (tests/unit) use none of this.
"""
import os
import threading
from contextlib import contextmanager

import pytest
from flask_babel import force_locale
from hypothesis import settings
from sqlalchemy import text

from wms import create_app
from wms.extensions import db

# Property tests check behaviour, never time: no per-example deadline (a loaded CI machine is not a failure).
settings.register_profile("wms", deadline=None)
settings.load_profile("wms")

PG_URL = os.environ.get("WMS_TEST_DATABASE_URL", "")


def refuse_unless_test_database(url: str) -> None:
    """The suite empties the database it is given (DROP SCHEMA public CASCADE): only one whose name says it is
    for tests (ends in `_test`) is accepted, so a production URL pasted by mistake is never wiped."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    if not name.endswith("_test"):
        raise pytest.UsageError(
            f"WMS_TEST_DATABASE_URL names database {name!r}: the tests wipe it, so its name must end in _test.")


def _database_url(tmp_path_factory) -> str:
    if PG_URL:
        refuse_unless_test_database(PG_URL)
        url = PG_URL
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def make_app(url: str, instance: str, **extra):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "WMS_PASSWORD_HASH": "pbkdf2:sha256:1000",  # fast in tests; production uses scrypt
        "WMS_LABEL_DIR": os.path.join(instance, "labels"),
        "SERVER_NAME": None,
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = str(tmp_path_factory.mktemp("instance"))
    app = make_app(database_url, instance)
    with app.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from wms.cli import upgrade_database

        upgrade_database()
    return app


def _table_names():
    """Dependency order, the stock summary last: deleting stock items writes its deltas (triggers)."""
    derived = ["stock_summary_deltas", "stock_summary"]
    return [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in derived] + derived


def empty_database() -> None:
    """Delete every row (the schema stays). Needs an app context.

    It runs after every test (~1,800 a run), so it asks first which tables hold rows (one statement) and deletes
    only from those, and restarts only the sequences that were used: on PostgreSQL ~25 ms a test instead of ~140
    (DELETE from all 74 tables and ALTER SEQUENCE of every sequence)."""
    from wms.auth import loading

    db.session.remove()
    loading.forget_all()  # ids start again at 1: a user kept from the last test is not this test's
    names = _table_names()
    derived = set(names[-2:])  # the stock summary's: deleting stock items writes deltas (triggers)
    holding = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")"
                                 for name in names if name not in derived)
    # DELETE in dependency order is much faster than TRUNCATE for the few rows a test leaves.
    with db.engine.begin() as conn:
        filled = {name for (name,) in conn.execute(text(holding))}
        for name in names:
            if name in filled or name in derived:
                conn.execute(text(f'DELETE FROM "{name}"'))
        if conn.dialect.name == "postgresql":
            # Ids start again at 1, as SQLite's do after a DELETE, so both databases run the same test data
            # (a sequence not used since its restart has no last_value).
            conn.execute(text(
                "DO $$ DECLARE s record; BEGIN FOR s IN SELECT sequencename FROM pg_sequences "
                "WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP "
                "EXECUTE format('ALTER SEQUENCE %I RESTART', s.sequencename); END LOOP; END $$"))


@pytest.fixture(autouse=True)
def _empty_database(request):
    """Every test starts from an empty database (migrations stay)."""
    yield
    if "app" not in request.fixturenames:
        return
    with request.getfixturevalue("app").app_context():
        empty_database()


@pytest.fixture
def ctx(app):
    """An app context for calling services directly. Messages read English, as with `client`: outside a
    request the locale would be the warehouse's Portuguese."""
    with app.app_context(), force_locale("en"):
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read English; pt_BR has its own tests
    return client


@pytest.fixture
def steady_user_snapshots(app, monkeypatch):
    """The signed-in person's snapshot outlives the test (WMS_USER_CACHE_SECONDS is 5 s): a statement count
    taken twice does not depend on how long the test took between the two, however slow the machine."""
    from wms.auth import loading

    for cache in loading.UserCache.caches:
        monkeypatch.setattr(cache, "ttl", 3600.0)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """worker / supervisor / admin, passwords equal to the username, PINs 1111/2222/3333."""
    from wms.auth import services

    with app.app_context():
        made = {}
        for username, role, badge, pin in (
            ("worker", "worker", "BADGE-W1", "1111"),
            ("supervisor", "supervisor", "BADGE-S1", "2222"),
            ("admin", "admin", "BADGE-A1", "3333"),
        ):
            user = services.create_user(username, role=role, password=username, badge=badge, pin=pin, locale="en")
            made[username] = user.id
        db.session.remove()
    return made


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username="supervisor", password=None):
        return self.client.post("/login", data={"username": username, "password": password or username})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client, users):
    return Auth(client)


@pytest.fixture
def printer():
    """A pretend Zebra listening on 127.0.0.1 (wms/printing/fakes.py)."""
    from wms.printing.fakes import FakePrinter

    with FakePrinter() as fake:
        yield fake


@pytest.fixture
def is_postgres(database_url):
    return database_url.startswith("postgresql")


@contextmanager
def live_server(app):
    """Serve the app on 127.0.0.1 on a free port in a thread (waitress), for browser and printer tests."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=5)
