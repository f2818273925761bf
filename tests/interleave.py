"""Two workers interleaved at a chosen point, the same way every run: for the race between a screen's first read of
a row and the service's lock of it (no helpers' tests here)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask_babel import force_locale

from wms.extensions import db

WAIT_SECONDS = 30  # a bound on a wait that should end at once, so a broken interleaving fails instead of hanging


def read_then_wait(app, monkeypatch, module, name: str, first: Callable[[], Any],
                   meanwhile: Callable[[], Any]) -> tuple[Any, Any]:
    """Run `first()` (a request through the test client) in one thread; once it has called `module.name` (the
    screen's read of the row), it waits there while `meanwhile()` runs and commits in another thread (its own app
    context and session: another worker); then `first` goes on to the service's lock. Answers what each returned
    (or the exception it raised)."""
    original = getattr(module, name)
    read, changed = threading.Event(), threading.Event()
    first_thread: list[int] = []

    def reading_then_waiting(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.get_ident() in first_thread and not read.is_set():
            read.set()
            assert changed.wait(WAIT_SECONDS), "the other worker did not finish"
        return result

    monkeypatch.setattr(module, name, reading_then_waiting)
    outcome: dict[str, Any] = {}

    def run_first():
        first_thread.append(threading.get_ident())
        try:
            outcome["first"] = first()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            outcome["first"] = exc
        finally:
            read.set()  # the other worker never waits for a read that will not come

    def run_meanwhile():
        try:
            assert read.wait(WAIT_SECONDS), "the first worker never read the row"
            with app.app_context(), force_locale("en"):
                try:
                    outcome["meanwhile"] = meanwhile()
                finally:
                    db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            outcome["meanwhile"] = exc
        finally:
            changed.set()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_meanwhile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "an interleaved worker is stuck"
    assert read.is_set() and "first" in outcome, outcome
    return outcome["first"], outcome.get("meanwhile")


def behind_a_lock(app, holder: Callable[[], Any], waiter: Callable[[], Any]) -> tuple[Any, Any]:
    """`holder()` runs in a unit of work left open (its row locks held, nothing committed); `waiter()` starts in
    another thread and runs until it waits for one of those locks (PostgreSQL's pg_stat_activity says so); then
    the holder commits and the waiter goes on. Answers what each returned (or the exception it raised).

    For a use case that reads a row and writes it later: with the row locked from its read, the waiter reads it
    as the holder committed it; without, it read it before, and its write lands on top of the holder's."""
    from wms.uow import unit_of_work

    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def hold():
        try:
            with app.app_context(), force_locale("en"):
                try:
                    with unit_of_work():
                        outcome["holder"] = holder()
                        holding.set()
                        assert release.wait(WAIT_SECONDS), "the waiter never waited for the lock"
                finally:
                    db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            outcome["holder"] = exc
        finally:
            holding.set()

    def wait():
        try:
            assert holding.wait(WAIT_SECONDS), "the holder never took its locks"
            with app.app_context(), force_locale("en"):
                try:
                    outcome["waiter"] = waiter()
                finally:
                    db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            outcome["waiter"] = exc

    threads = [threading.Thread(target=hold), threading.Thread(target=wait)]
    for thread in threads:
        thread.start()
    try:
        until_someone_waits_for_a_lock(app, finished=lambda: "waiter" in outcome)
    finally:
        release.set()
    for thread in threads:
        thread.join(timeout=2 * WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    return outcome.get("holder"), outcome.get("waiter")


def until_someone_waits_for_a_lock(app, finished: Callable[[], bool]) -> None:
    """Until a session waits for a lock, or the waiter ended without waiting (the caller's assertions judge it)."""
    from sqlalchemy import text

    with app.app_context():
        try:
            for _ in range(WAIT_SECONDS * 100):
                if finished():
                    return
                with db.engine.connect() as conn:
                    if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND wait_event_type = 'Lock'")).scalar():
                        return
                time.sleep(0.01)
            raise AssertionError("nobody waited for a lock")
        finally:
            db.session.remove()
