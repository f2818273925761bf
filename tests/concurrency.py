"""Real threads released at once, for the concurrency tests (run on SQLite and on PostgreSQL)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from wms.extensions import db


def at_once(n: int, work: Callable[[int], Any], *, app=None, timeout: float = 120) -> list[Any]:
    """Run `work(i)` for i in 0..n-1, each in its own thread, all released together at a barrier: what each
    returned, or the exception it raised, by i. With `app`: each thread works in an app context of its own, its
    session rolled back after an exception and removed at the end (as a request's would be)."""
    barrier = threading.Barrier(n)
    outcomes: list[Any] = [None] * n

    def run(i: int) -> None:
        with app.app_context() if app is not None else nullcontext():
            barrier.wait()
            try:
                outcomes[i] = work(i)
            except Exception as exc:  # noqa: BLE001 - every failure is reported by the caller's assertions
                if app is not None:
                    db.session.rollback()
                outcomes[i] = exc
            finally:
                if app is not None:
                    db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish: a deadlock?"
    return outcomes


def deadlocked(*_args, **_kwargs):
    """Stands in for a function whose statement PostgreSQL refused to break a lock cycle (SQLSTATE 40P01), raised
    as SQLAlchemy raises it: for the paths that answer a lost race (a real cycle is in
    tests/integration/test_inventory_interleaved_concurrency.py)."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    raise OperationalError.instance("UPDATE stock_items ...", {}, psycopg.errors.DeadlockDetected(
        "deadlock detected"), psycopg.Error)
