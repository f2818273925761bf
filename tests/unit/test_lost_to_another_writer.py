"""Which database errors mean "another worker's transaction was in the way" (a 409: scan again), and which are
something else (a 500, logged)."""
import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from wms.errors import lost_to_another_writer


def wrapped(error_class, original):
    """As SQLAlchemy raises it: its exception class, the driver's error as `orig`."""
    return error_class.instance("UPDATE stock_items SET quantity = 1", {}, original, Exception)


@pytest.mark.parametrize("original", [
    psycopg.errors.DeadlockDetected("deadlock detected"),
    psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"),
    psycopg.errors.LockNotAvailable("could not obtain lock on row in relation \"stock_items\""),
    psycopg.errors.UniqueViolation("duplicate key value violates unique constraint \"uq_products_sku\""),
    sqlite3.OperationalError("database is locked"),
])
def test_a_lost_race_is_told_apart(original):
    assert lost_to_another_writer(wrapped(OperationalError, original))


@pytest.mark.parametrize("error_class, original", [
    (IntegrityError, psycopg.errors.NotNullViolation("null value in column \"sku\" violates not-null constraint")),
    (IntegrityError, psycopg.errors.ForeignKeyViolation("insert or update violates foreign key constraint")),
    (OperationalError, psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
    (OperationalError, sqlite3.OperationalError("no such table: stock_items")),
    (OperationalError, psycopg.OperationalError("connection refused")),
])
def test_anything_else_is_not(error_class, original):
    assert not lost_to_another_writer(wrapped(error_class, original))


def test_an_error_of_no_database_is_not():
    assert not lost_to_another_writer(ValueError("database is locked"))
