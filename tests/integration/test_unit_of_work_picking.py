"""A short pick is one unit of work: the move onto the tote, the end of the task and its reservation, the
re-allocation of the rest and the count of the doubtful bin are kept together or not at all.

Before the unit of work, `inventory.open_count` committed in the middle of `confirm_pick`: a failure after it
left the pick (or the count) behind. Here a failure is injected after the count is opened, and nothing of the
pick nor the count may be left (SQLite and PostgreSQL)."""
import pytest
from sqlalchemy import func, select

from tests.picking_helpers import books_are_right, reserved_by_item, stocked_world, take
from wms import audit, idempotency
from wms.extensions import db
from wms.inventory.models import CountTask, Move
from wms.picking import picks, waves
from wms.picking.models import PickTask, PickTaskStatus, Reservation, Wave


class Injected(RuntimeError):
    pass


@pytest.fixture
def world(ctx):
    return stocked_world()


def _short_pick_ready():
    order_id = take([("MED", 8)])  # L-SOON at A-01-02-2
    wave = waves.build_wave(order_ids=[order_id], max_orders=1, user_id=None)
    picks.bind_tote(wave.id, "TOTE-1", user_id=None)
    task = waves.next_task(db.session.get(Wave, wave.id).id)
    assert task.location.code == "A-01-02-2" and task.quantity == 8
    return task.id


def _fail_after_the_count(monkeypatch, where: str) -> None:
    """Raise from a step that `confirm_pick` takes after `inventory.open_count`."""
    if where == "audit":
        record = audit.record

        def failing_record(action, *args, **kwargs):
            if action == "pick.short":
                assert db.session.scalar(select(CountTask.id).where(CountTask.reason == "short_pick")), \
                    "the count must be open when the failure comes"
                raise Injected(action)
            return record(action, *args, **kwargs)

        monkeypatch.setattr(audit, "record", failing_record)
    else:
        def failing_remember(scan_id, action, result, user_id):
            assert db.session.scalar(select(CountTask.id).where(CountTask.reason == "short_pick"))
            raise Injected(action)

        monkeypatch.setattr(idempotency, "remember", failing_remember)


@pytest.mark.parametrize("where", ["audit", "remember"])
def test_a_failure_after_the_count_is_opened_leaves_neither_the_pick_nor_the_count(world, monkeypatch, where):
    task_id = _short_pick_ready()
    db.session.expire_all()
    reservation_id = db.session.get(PickTask, task_id).reservation_id
    reserved_before = reserved_by_item()
    _fail_after_the_count(monkeypatch, where)

    with pytest.raises(Injected):
        picks.confirm_pick(task_id, quantity=3, lot_id=None, tote_code="TOTE-1", user_id=None,
                           scan_id="short-fails")
    monkeypatch.undo()

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "pick")) == 0
    task = db.session.get(PickTask, task_id)
    assert task.status == PickTaskStatus.OPEN and task.picked == 0 and not task.short
    assert task.reservation_id == reservation_id
    assert db.session.get(Reservation, reservation_id).quantity == 8
    assert reserved_by_item() == reserved_before
    assert task.order_line.picked == 0 and task.order_line.allocated == 8
    assert db.session.scalar(select(func.count()).select_from(CountTask)
                             .where(CountTask.reason == "short_pick")) == 0
    assert idempotency.replay("short-fails", "pick.confirm") is None
    assert books_are_right()

    # The same scan again, once nothing fails, is applied as a first scan: pick and count together.
    result = picks.confirm_pick(task_id, quantity=3, lot_id=None, tote_code="TOTE-1", user_id=None,
                                scan_id="short-fails")
    assert result["short"] and result["picked"] == 3
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "pick")) == 1
    assert db.session.scalar(select(func.count()).select_from(CountTask)
                             .where(CountTask.reason == "short_pick")) == 1
    assert books_are_right()
