"""`wms worker`'s one pass (`--once`): besides webhooks and e-mails (their own tests), it fails print jobs a
dead sender left 'sending' and prunes the login throttle's old counts, so a warehouse runs one worker."""
from datetime import timedelta

from sqlalchemy import select

from wms import uow, worker
from wms.auth import throttle
from wms.auth.models import LoginFailure
from wms.dbtypes import utcnow
from wms.extensions import db
from wms.printing import services
from wms.printing.models import JobStatus, PrintJob


def test_one_pass_fails_a_stale_label_and_prunes_old_login_counts(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_PRINT_IMMEDIATE", False)
    with app.app_context():
        services.assign_printer("", "", services.create_printer("ZB-1", f"file://{tmp_path}", label_size="100x50").id)
        job_id = services.queue_label("location", {"code": "A-01-01-1"})
        throttle.failed("desk", "old-guess", None)
        throttle.failed("desk", "new-guess", None)
        with uow.unit_of_work():
            job = db.session.get(PrintJob, job_id)
            job.status, job.claimed_at = JobStatus.SENDING.value, utcnow() - timedelta(minutes=5)
            db.session.get(LoginFailure, "desk:name:old-guess").window_start -= throttle.WINDOW
        lines = []
        worker.run(once=True, echo=lines.append)
        assert db.session.get(PrintJob, job_id).status == JobStatus.FAILED
        assert list(db.session.scalars(select(LoginFailure.key))) == ["desk:name:new-guess"]
    assert len(lines) == 1 and "labels sent 0 retrying 0 failed 1" in lines[0]


def test_a_pass_with_nothing_to_do_says_nothing(app):
    with app.app_context():
        lines = []
        worker.run(once=True, echo=lines.append)
    assert lines == []
