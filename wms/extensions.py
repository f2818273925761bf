"""Flask extensions, created once and bound to the app in create_app()."""
import time

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

# Named constraints so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()


# The longest a statement waits for another transaction's lock, on either database, before it fails (and the
# request answers 409: `errors.lost_to_another_writer`): under gunicorn's 60 s worker timeout, so that a handheld
# held up by a long transaction hears why instead of losing its connection.
LOCK_WAIT_SECONDS = 30


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    """SQLite: foreign keys on, wait for the writer instead of failing, a 64 MB page cache per connection (the
    default 2 MB rereads a 100,000-item warehouse's pages on every allocation), and manage BEGIN ourselves."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()


@event.listens_for(Engine, "do_connect")
def _postgresql_connect(dialect, connection_record, cargs, cparams):
    """PostgreSQL: no JIT compilation. The desk's statements are short; their estimated cost (an index probe per
    pending summary delta, counted as a random read) passed `jit_above_cost` and compiling took 70–80 ms of a
    120 ms statement at 1M items (issue #16). A lock waited for at most LOCK_WAIT_SECONDS (`lock_timeout`)."""
    if dialect.name == "postgresql":
        cparams["options"] = (cparams.get("options", "") + f" -c jit=off -c lock_timeout={LOCK_WAIT_SECONDS}s").strip()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """SQLite ignores SELECT ... FOR UPDATE: take the write lock when a transaction starts.

    With BEGIN IMMEDIATE two transactions never read the same stock and both write it;
    PostgreSQL gets row locks (with_for_update) instead. A request that only reads (`uow.reads_only`) begins
    deferred: it reads a snapshot (WAL) and does not queue behind a writer.
    """
    if connection.dialect.name == "sqlite":
        from .uow import READS_ONLY_OPTION

        deferred = connection.get_execution_options().get(READS_ONLY_OPTION)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


# A pooled connection that lay idle longer than this is pinged before use (a database restarted meanwhile would
# otherwise fail the next request). SQLAlchemy's pool_pre_ping pings on every checkout: a round trip on every
# request, ~0.2 ms of CPU across client and server on a handheld scan that costs ~3 ms in all (issue #16).
PING_AFTER_IDLE_SECONDS = 1.0


@event.listens_for(Pool, "checkin")
def _note_idle_since(dbapi_connection, connection_record):
    connection_record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_after_idle(dbapi_connection, connection_record, connection_proxy):
    """PostgreSQL: ping a connection that was idle a while; a dead one is replaced (the pool retries the checkout
    with a new connection when this raises DisconnectionError)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return  # new, or back in the pool a moment ago
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("connection closed while idle")
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True  # the ping opens no transaction
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except Exception as error:  # noqa: BLE001  (any failure of the ping means: use another connection)
        raise exc.DisconnectionError(f"connection lost while idle: {error}") from error
