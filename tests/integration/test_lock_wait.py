"""A statement waits at most `extensions.LOCK_WAIT_SECONDS` for another transaction's lock (under gunicorn's 60 s
worker timeout); then it fails, and the failure is one the request answers with 409."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from wms.errors import lost_to_another_writer
from wms.extensions import LOCK_WAIT_SECONDS, db


def test_every_connection_waits_at_most_the_lock_wait(ctx, is_postgres):
    assert LOCK_WAIT_SECONDS < 60  # gunicorn.conf.py's timeout
    if is_postgres:
        assert db.session.scalar(text("SHOW lock_timeout")) == f"{LOCK_WAIT_SECONDS}s"
    else:
        assert db.session.scalar(text("PRAGMA busy_timeout")) == LOCK_WAIT_SECONDS * 1000


def test_a_lock_waited_for_too_long_is_a_race_lost(app, ctx, is_postgres):
    """PostgreSQL's own refusal (55P03) when the wait runs out, here shortened to 0.2 s."""
    if not is_postgres:
        pytest.skip("SQLite's wait for its one write lock is the busy timeout above")
    with db.engine.connect() as other:
        other.execute(text("CREATE TABLE IF NOT EXISTS lock_wait_probe (id integer PRIMARY KEY)"))
        other.execute(text("INSERT INTO lock_wait_probe VALUES (1) ON CONFLICT DO NOTHING"))
        other.commit()
        other.execute(text("SELECT id FROM lock_wait_probe WHERE id = 1 FOR UPDATE"))  # held until the end
        db.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
        with pytest.raises(DBAPIError) as refused:
            db.session.execute(text("SELECT id FROM lock_wait_probe WHERE id = 1 FOR UPDATE"))
        assert lost_to_another_writer(refused.value)
        db.session.rollback()
        other.rollback()
        other.execute(text("DROP TABLE lock_wait_probe"))
        other.commit()
