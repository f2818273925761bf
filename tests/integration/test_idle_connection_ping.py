"""A pooled connection that lay idle is pinged before use and replaced when its server process is gone
(wms/extensions.py); one just back in the pool is used as it is (no round trip per request)."""
import time

import psycopg
import pytest
from sqlalchemy import text

from wms import extensions
from wms.extensions import db


def _backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()  # back to the pool
    return pid


def _terminate(app, pid: int) -> None:
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):
            if conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("the backend did not end")


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("a server process to lose needs PostgreSQL")


def test_an_idle_connection_whose_server_went_away_is_replaced(app, client, postgres_only, monkeypatch):
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)
    lost = _backend_pid(app)
    _terminate(app, lost)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"
    assert _backend_pid(app) != lost


@pytest.mark.parametrize(("idle_limit", "pinged"), [(3600.0, False), (0.0, True)])
def test_only_a_connection_idle_past_the_limit_is_pinged(app, postgres_only, monkeypatch, idle_limit, pinged):
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", idle_limit)
    sent = []
    with app.app_context():
        raw = db.engine.raw_connection()
        connection_class = type(raw.dbapi_connection)
        raw.close()  # back in the pool now
        execute = connection_class.execute

        def spy(self, query, *args, **kwargs):
            sent.append(query)
            return execute(self, query, *args, **kwargs)

        monkeypatch.setattr(connection_class, "execute", spy)
        assert db.session.scalar(text("SELECT 41 + 1")) == 42
        db.session.remove()
    assert ("SELECT 1" in sent) is pinged
