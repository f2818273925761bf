"""A scan id's receipt looked up by a screen (`replay`, `replay_any`) and found missing is not read again by the service it
calls in the same transaction; the next transaction reads it again (another one may have stored it meanwhile)."""
from sqlalchemy import func, select

from tests.statements import statements_while
from wms import idempotency
from wms.extensions import db
from wms.idempotency import ScanReceipt


def _reads_of_receipts(action) -> int:
    return len([s for s in statements_while(action)
                if "scan_receipts" in s and s.lstrip().upper().startswith("SELECT")])


def _service():
    calls = []

    @idempotency.by_scan_id("test.pick")
    def pick(*, user_id):
        calls.append(user_id)
        return {"picked": len(calls)}

    return pick, calls


def test_a_receipt_found_missing_by_the_screen_is_not_read_again_by_its_service(ctx):
    pick, calls = _service()
    assert _reads_of_receipts(lambda: idempotency.replay_any("scan-1", ["test.pick", "test.other"])) == 1
    assert _reads_of_receipts(lambda: pick(scan_id="scan-1", user_id=None)) == 0
    assert calls == [None]
    # stored now: the same id again in the same transaction is answered, not applied
    assert pick(scan_id="scan-1", user_id=None) == {"picked": 1} and calls == [None]
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ScanReceipt)) == 1


def test_a_receipt_found_missing_by_replay_is_not_read_again(ctx):
    pick, calls = _service()
    assert idempotency.replay("scan-6", "test.pick") is None
    assert _reads_of_receipts(lambda: idempotency.replay("scan-6", "test.pick")) == 0
    assert _reads_of_receipts(lambda: pick(scan_id="scan-6", user_id=None)) == 0
    assert _reads_of_receipts(lambda: idempotency.replay("scan-6", "test.other")) == 1  # another action: read
    assert idempotency.replay("scan-6", "test.pick") == {"picked": 1} and calls == [None]


def test_the_note_ends_with_the_transaction(ctx):
    pick, calls = _service()
    idempotency.replay_any("scan-2", ["test.pick"])
    db.session.rollback()
    assert _reads_of_receipts(lambda: pick(scan_id="scan-2", user_id=None)) == 1
    idempotency.replay_any("scan-3", ["test.pick"])
    db.session.commit()
    assert _reads_of_receipts(lambda: pick(scan_id="scan-3", user_id=None)) == 1
    assert len(calls) == 2


def test_a_savepoint_ended_keeps_the_note_and_a_receipt_undone_is_read_again(ctx):
    """A SAVEPOINT's end is not the transaction's: the note stays. A receipt stored in a SAVEPOINT that is undone
    (a refused use case inside a request that still answers) is looked for again, and found gone."""
    pick, calls = _service()
    idempotency.replay_any("scan-4", ["test.pick"])
    db.session.begin_nested().rollback()
    assert _reads_of_receipts(lambda: pick(scan_id="scan-4", user_id=None)) == 0
    idempotency.replay_any("scan-5", ["test.pick"])
    savepoint = db.session.begin_nested()
    pick(scan_id="scan-5", user_id=None)
    savepoint.rollback()
    assert _reads_of_receipts(lambda: pick(scan_id="scan-5", user_id=None)) == 1
    assert len(calls) == 3
