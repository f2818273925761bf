"""The unit of work: one commit per use case, nested use cases in savepoints, side effects after the commit."""
from dataclasses import dataclass

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from tests.conftest import make_app
from wms import audit, handler_failures, messages, uow
from wms.audit import AuditEvent
from wms.errors import DomainError
from wms.extensions import db
from wms.handler_failures import HandlerFailure


@dataclass(frozen=True)
class SomethingHappened(messages.Event):
    note: str


def audit_lines(action: str | None = None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def count_in_other_session() -> int:
    """What a second connection sees: only committed rows. (On SQLite a second connection waits for the
    first one's write lock, so the test's own session ends its read transaction first when it can.)"""
    if not uow.is_open():
        db.session.rollback()
    with uow.separately() as other:
        return other.scalar(select(func.count()).select_from(AuditEvent))


@uow.use_case
def write(action: str, fail: bool = False) -> None:
    audit.record(action)
    if fail:
        raise DomainError("refused")


@uow.use_case
def write_two_then_fail() -> None:
    write("first")
    write("second", fail=True)


@pytest.fixture
def bus(app):
    """A handler table of our own on the app's bus, restored afterwards."""
    bus = app.extensions["wms.bus"]
    saved = (dict(bus.in_transaction), dict(bus.after_commit))
    yield bus
    bus.in_transaction.clear()
    bus.in_transaction.update(saved[0])
    bus.after_commit.clear()
    bus.after_commit.update(saved[1])


def test_a_service_called_alone_commits_once(ctx):
    write("alone")
    assert count_in_other_session() == 1


def test_a_failure_anywhere_in_the_use_case_rolls_back_all_of_it(ctx):
    with pytest.raises(DomainError):
        write_two_then_fail()
    assert audit_lines() == [] and count_in_other_session() == 0


def test_a_nested_use_case_that_fails_undoes_only_its_own_writes(ctx, is_postgres):
    with uow.unit_of_work():
        write("kept")
        with pytest.raises(DomainError):
            write("undone", fail=True)
        if is_postgres:  # SQLite's second connection would wait for this one's write lock
            assert count_in_other_session() == 0  # nothing is committed before the unit ends
    assert audit_lines() == ["kept"]
    assert count_in_other_session() == 1


def test_discard_keeps_nothing_and_answers(ctx):
    @uow.use_case
    def import_with_errors():
        audit.record("half an import")
        raise uow.Discard({"errors": 1})

    assert import_with_errors() == {"errors": 1}
    assert audit_lines() == []


def test_after_commit_handlers_run_after_the_commit_and_never_after_a_rollback(ctx, bus):
    seen = []

    def handler(event):
        seen.append((event.note, count_in_other_session()))  # the change is committed when it runs

    bus.subscribe(SomethingHappened, handler, after_commit=True)

    @uow.use_case
    def happen(note, fail=False):
        before = list(seen)
        audit.record("happened")
        uow.publish(SomethingHappened(note))
        assert seen == before  # not inside the transaction
        if fail:
            raise DomainError("no")

    happen("one")
    with pytest.raises(DomainError):
        happen("two", fail=True)
    assert seen == [("one", 1)]


def test_an_event_of_a_rolled_back_savepoint_is_forgotten(ctx, bus):
    seen = []
    bus.subscribe(SomethingHappened, lambda event: seen.append(event.note), after_commit=True)

    @uow.use_case
    def happen(note, fail=False):
        uow.publish(SomethingHappened(note))
        if fail:
            raise DomainError("no")

    with uow.unit_of_work():
        happen("kept")
        with pytest.raises(DomainError):
            happen("undone", fail=True)
    assert seen == ["kept"]


def test_in_transaction_handlers_share_the_transaction(ctx, bus):
    bus.subscribe(SomethingHappened, lambda event: audit.record("reacted", note=event.note), after_commit=False)

    @uow.use_case
    def happen(fail=False):
        uow.publish(SomethingHappened("x"))
        if fail:
            raise DomainError("no")

    with pytest.raises(DomainError):
        happen(fail=True)
    assert audit_lines("reacted") == []
    happen()
    assert audit_lines("reacted") == ["reacted"]


def test_an_after_commit_handler_that_raises_keeps_the_change_and_is_retried(ctx, bus):
    calls = []

    def flaky(event):
        calls.append(event.note)
        audit.record("consequence", note=event.note)
        if len(calls) == 1:
            raise ConnectionError("the printer was off")

    bus.subscribe(SomethingHappened, flaky, after_commit=True)

    @uow.use_case
    def happen():
        audit.record("change")
        uow.publish(SomethingHappened("late"))

    happen()
    assert audit_lines() == ["change"]  # the change stays; the failed consequence left nothing
    failure = db.session.scalar(select(HandlerFailure))
    assert failure.handler.endswith("flaky") and failure.done_at is None
    assert "printer was off" in failure.last_error
    assert handler_failures.retry_due() == 0  # not due yet (backoff)
    failure.next_attempt_at = failure.created_at
    db.session.commit()
    assert handler_failures.retry_due() == 1
    assert calls == ["late", "late"]
    assert audit_lines() == ["change", "consequence"]
    db.session.expire_all()
    assert db.session.scalar(select(HandlerFailure)).done_at is not None
    assert handler_failures.retry_due() == 0  # done once, not again


def test_even_if_rolled_back_runs_after_a_refusal(ctx):
    with pytest.raises(DomainError), uow.unit_of_work():
        audit.record("refused work")
        uow.even_if_rolled_back(audit.record, "failed attempt counted")
        raise DomainError("wrong PIN")
    assert audit_lines() == ["failed attempt counted"]


def test_abandon_drops_what_the_unit_wrote_and_published_but_keeps_what_must_stick(ctx, bus):
    seen = []
    bus.subscribe(SomethingHappened, lambda event: seen.append(event.note), after_commit=True)
    with uow.unit_of_work():
        audit.record("refused work")
        uow.publish(SomethingHappened("never happened"))
        uow.even_if_rolled_back(audit.record, "failed attempt counted")
        uow.abandon()
        assert audit_lines() == []  # the error screen built now reads none of it
    assert audit_lines() == ["failed attempt counted"] and seen == []


@pytest.fixture
def edge_app(database_url, tmp_path):
    """An app with two test routes: one that writes and answers 200, one that writes and answers 422."""
    app = make_app(database_url, str(tmp_path))
    bp = Blueprint("uow_test", __name__)

    @bp.post("/uow-test/<int:status>")
    def write_and_answer(status: int):
        audit.record("by request", status=status)
        return "", status

    @bp.post("/uow-test/caught")
    def caught():
        audit.record("before")
        try:
            write("inside", fail=True)
        except DomainError:
            pass
        return "ok"

    app.register_blueprint(bp)  # supervisors and up, like any desk blueprint
    return app


def test_a_request_commits_a_success_and_keeps_nothing_of_a_refusal(edge_app, users):
    client = edge_app.test_client()
    client.post("/login", data={"username": "admin", "password": "admin"})
    assert client.post("/uow-test/200").status_code == 200
    assert client.post("/uow-test/422").status_code == 422
    with edge_app.app_context():
        assert audit_lines("by request") == ["by request"]


def test_a_request_keeps_its_work_when_a_use_case_inside_it_was_refused(edge_app, users):
    client = edge_app.test_client()
    client.post("/login", data={"username": "admin", "password": "admin"})
    assert client.post("/uow-test/caught").status_code == 200
    with edge_app.app_context():
        assert audit_lines("before") == ["before"] and audit_lines("inside") == []


def test_a_dry_run_answers_and_keeps_nothing(ctx):
    @uow.use_case
    def would_write():
        audit.record("tried")
        return {"would": "write"}

    with uow.unit_of_work():
        write("kept")
        assert uow.dry_run(would_write) == {"would": "write"}
    assert audit_lines() == ["kept"]
