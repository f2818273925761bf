"""The unit of work: one transaction per use case. Read this once.

Who commits
    Only this module. The edge of the program opens a unit of work and it commits once at its end:
    - every request (``WmsFlask.dispatch_request``): committed when the answer is a success (status < 400),
      rolled back when the view raised or answered 4xx/5xx, so a refused scan changes nothing;
    - every CLI command and every worker job: ``with unit_of_work(): ...``;
    - a service called with no unit open (a test, a script) opens its own.

Services
    A use case is a function decorated with ``@use_case``. It never commits and never rolls back. Called
    inside an open unit it joins it, in a SAVEPOINT: when it raises, what it wrote is undone and the caller's
    earlier work stays, so a view may catch a DomainError and still show a screen. When the outermost unit
    ends with an exception, everything is rolled back.

Side effects
    A service says what happened with ``publish(SomeEvent(...))`` (events are dataclasses in wms/messages.py).
    Handlers are subscribed in ``create_app`` (wms/handlers.py), never at import:
    - ``in_transaction`` handlers run at once, inside the caller's transaction (they are part of the same
      decision: a lot becomes unavailable -> its reservations are released in the same commit);
    - ``after_commit`` handlers run once the outermost unit has committed, each in its own unit of work.
      A handler that raises is logged and kept in ``handler_failures``; ``wms worker`` retries it later. It
      never undoes the committed change. Nothing runs after a rollback.

Abandoning
    A view or an error handler that answers a failure and must build its screen from what is committed (not
    from the refused writes) calls ``abandon()``: the unit is rolled back at once. Nothing else in the package
    calls ``commit()`` or ``rollback()`` (tests/unit/test_only_uow_commits.py checks it).

Writes that must survive a refusal
    A failed-PIN counter must stick although the request answers 401: ``even_if_rolled_back(fn, ...)`` runs
    ``fn`` in its own unit once the current unit has ended, whichever way. (A second connection cannot be used
    while SQLite's write lock is held by the first, so it is run after, not beside.)
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app

from .extensions import db

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_KEY = "wms.unit_of_work"


@dataclass
class _Unit:
    depth: int = 0
    # One list of events per open level: a rolled-back SAVEPOINT drops the events it published.
    events: list[list[Any]] = field(default_factory=list)
    afterwards: list[tuple[Callable[..., Any], tuple, dict]] = field(default_factory=list)


def _unit() -> _Unit:
    info = db.session().info
    unit = info.get(_KEY)
    if unit is None:
        unit = info[_KEY] = _Unit()
    return unit


def is_open() -> bool:
    return _unit().depth > 0


@contextmanager
def unit_of_work(*, commit: Callable[[], bool] | None = None) -> Iterator[None]:
    """Open a unit of work, or join the one that is open (in a SAVEPOINT).

    The outermost unit commits when its block ends without an exception (and `commit()` says yes, for the
    request edge), else rolls back. After the commit, the after-commit handlers of the events published in
    it run, each in a unit of its own.
    """
    unit = _unit()
    if unit.depth:
        yield from _nested(unit)
        return
    unit.depth, unit.events, unit.afterwards = 1, [[]], []
    session = db.session()
    committed = False
    try:
        yield
        if session.info.get(_READS_ONLY):
            pass  # wrote nothing (refused before the database): the request's teardown ends its transaction
        elif commit is None or commit():
            session.commit()
            committed = True
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        events = unit.events[0] if unit.events else []
        afterwards = unit.afterwards
        unit.depth, unit.events, unit.afterwards = 0, [], []
        if committed:
            _run_after_commit(events)
        for fn, args, kwargs in afterwards:
            _run_alone(fn, args, kwargs)


def _nested(unit: _Unit) -> Iterator[None]:
    savepoint = db.session().begin_nested()
    unit.depth += 1
    unit.events.append([])
    try:
        yield
    except BaseException:
        unit.events.pop()
        if savepoint.is_active:
            savepoint.rollback()
        raise
    else:
        published = unit.events.pop()
        unit.events[-1].extend(published)
        if savepoint.is_active:
            savepoint.commit()
    finally:
        unit.depth -= 1


class Discard(Exception):  # noqa: N818 - it is an instruction, not an error
    """Raised by a use case that must keep nothing of what it did but still answer (an import with errors
    returns its report): its unit, or its SAVEPOINT, is rolled back and `result` is returned."""

    def __init__(self, result: Any):
        super().__init__("discarded")
        self.result = result


def use_case(fn: F) -> F:
    """Run the decorated service inside a unit of work: its own when none is open, else the caller's."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with unit_of_work():
                return fn(*args, **kwargs)
        except Discard as discarded:
            return discarded.result

    return wrapper  # type: ignore[return-value]


def dry_run(fn: Callable[..., Any], *args, **kwargs) -> Any:
    """What a use case would answer, keeping nothing of what it did: it runs in a unit (or SAVEPOINT) that is
    always rolled back. For screens that show a consequence before the worker confirms it."""

    @use_case
    def attempt():
        raise Discard(fn(*args, **kwargs))

    return attempt()


def publish(event: Any) -> None:
    """Say that something happened. In-transaction handlers run now; after-commit ones once committed."""
    bus = bus_of_app()
    for handler in bus.in_transaction.get(type(event), ()):
        handler(event)
    if bus.after_commit.get(type(event)):
        unit = _unit()
        if unit.depth:
            unit.events[-1].append(event)
        else:  # no unit open: the caller's own transaction decides; run when it commits
            with unit_of_work():
                unit.events[-1].append(event)


def even_if_rolled_back(fn: Callable[..., Any], *args, **kwargs) -> None:
    """Run `fn(*args, **kwargs)` in its own unit of work once the current unit has ended, committed or not.

    For the few writes that must stick when the use case is refused (a failed-PIN counter). With no unit
    open, it runs at once.
    """
    unit = _unit()
    if not unit.depth:
        _run_alone(fn, args, kwargs)
        return
    unit.afterwards.append((fn, args, kwargs))


def abandon() -> None:
    """The request failed: roll back what the current unit wrote so far, now, so the error screen built next
    reads none of it. The events it published are dropped with it (they never happened); the writes queued
    with `even_if_rolled_back` still run when the unit ends. The unit itself ends rolled back as usual."""
    unit = _unit()
    unit.events = [[] for _ in unit.events]
    db.session.rollback()


_READS_ONLY = "wms.reads_only"
READS_ONLY_OPTION = "wms_reads_only"  # the connection's execution option for a reads_only request on SQLite


def reads_only(view: F) -> F:
    """Mark a view that only reads (What's here?). On PostgreSQL its request runs outside a transaction
    (autocommit): no BEGIN and no COMMIT round trips, ~0.3 ms of a ~3 ms scan (issue #16); each statement sees
    the latest commits, as it would under READ COMMITTED inside a transaction. A write in such a request is a
    programming error and is refused before it reaches the database, so its unit of work ends without a commit
    (no flush check, no expiry of every row read): the request's teardown closes the session."""
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def start_request() -> None:
    """app.before_request, first of all (before the login is loaded): a request to a `reads_only` view takes
    its connection in autocommit on PostgreSQL, and on SQLite in a deferred transaction (a snapshot under WAL:
    it does not wait for a writer's lock, see `extensions._sqlite_begin`); it is marked so that a write in it is
    refused."""
    from flask import g, request

    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, "reads_only", False):
        return
    g.wms_reads_only = True
    session = db.session()
    if not session.in_transaction():
        postgresql = db.engine.dialect.name == "postgresql"
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"} if postgresql
                           else {READS_ONLY_OPTION: True})
    session.info[_READS_ONLY] = True


def end_request(_error=None) -> None:
    """app.teardown_request: the mark ends with the request."""
    from flask import g

    if g.pop("wms_reads_only", False):
        db.session().info.pop(_READS_ONLY, None)


class WriteInReadOnlyRequest(RuntimeError):
    pass


def _refuse_writes_when_reading_only(orm_execute_state) -> None:
    if orm_execute_state.session.info.get(_READS_ONLY) and not orm_execute_state.is_select:
        raise WriteInReadOnlyRequest("a request marked reads_only tried to write")


def _refuse_flush_when_reading_only(session, _flush_context, _instances) -> None:
    if session.info.get(_READS_ONLY) and (session.new or session.dirty or session.deleted):
        raise WriteInReadOnlyRequest("a request marked reads_only tried to write")


def _install_read_only_guards() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    event.listen(Session, "do_orm_execute", _refuse_writes_when_reading_only)
    event.listen(Session, "before_flush", _refuse_flush_when_reading_only)


_install_read_only_guards()


@contextmanager
def separately():
    """A session of its own that commits at the end of the block, for work outside any request's unit
    (claiming a print job before a printer is contacted, a worker's bookkeeping). Do not use it while this
    thread's unit of work holds SQLite's write lock: use `even_if_rolled_back` there."""
    from sqlalchemy.orm import Session

    with Session(db.engine, expire_on_commit=False) as session:
        with session.begin():
            yield session


# --- the message bus ------------------------------------------------------------------------------------


@dataclass
class MessageBus:
    """Which handlers an event type has. Filled in by create_app (wms/handlers.py)."""

    in_transaction: dict[type, list[Callable[[Any], None]]] = field(default_factory=dict)
    after_commit: dict[type, list[Callable[[Any], None]]] = field(default_factory=dict)

    def subscribe(self, event_type: type, handler: Callable[[Any], None], *, after_commit: bool) -> None:
        table = self.after_commit if after_commit else self.in_transaction
        table.setdefault(event_type, []).append(handler)

    def handler_named(self, name: str) -> Callable[[Any], None] | None:
        for table in (self.after_commit, self.in_transaction):
            for handlers in table.values():
                for handler in handlers:
                    if handler_name(handler) == name:
                        return handler
        return None


def bus_of_app() -> MessageBus:
    return current_app.extensions["wms.bus"]


def handler_name(handler: Callable[..., Any]) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def _run_after_commit(events: list[Any]) -> None:
    bus = bus_of_app()
    for event in events:
        for handler in bus.after_commit.get(type(event), ()):
            try:
                with unit_of_work():
                    handler(event)
            except Exception as exc:  # noqa: BLE001 - committed work stays; the worker retries the handler
                log.exception("after-commit handler %s failed for %r", handler_name(handler), event)
                _keep_failure(handler, event, exc)


def _run_alone(fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        with unit_of_work():
            fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the caller's answer is already decided
        log.exception("%s failed after its unit of work ended", handler_name(fn))


def _keep_failure(handler: Callable[[Any], None], event: Any, exc: Exception) -> None:
    from . import messages
    from .handler_failures import HandlerFailure

    try:
        with unit_of_work():
            db.session.add(HandlerFailure.of(handler_name(handler), messages.to_record(event), exc))
    except Exception:  # noqa: BLE001
        log.exception("could not keep the failure of %s for a retry", handler_name(handler))
