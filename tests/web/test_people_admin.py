"""Admin pages: people (create with badge and PIN, role, badge, reset PIN, unlock, deactivate) and the audit
trail (search, CSV)."""
import csv
import html
import io
from datetime import timedelta

from sqlalchemy import select

from wms import clock
from wms.auth.models import User
from wms.dbtypes import utcnow
from wms.extensions import db


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def person(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def hh_login(client, badge: str, pin: str):
    client.post("/hh/login", data={"badge": badge}, headers={"HX-Request": "true"})
    return client.post("/hh/login", data={"badge": badge, "pin": pin}, headers={"HX-Request": "true"})


def test_an_admin_creates_a_worker_who_logs_in_with_badge_and_pin(app, auth, client, users):
    auth.login("admin")
    response = client.post("/desk/admin/people", data={"username": "joana", "name": "Joana Lima", "role": "worker",
                                                       "badge": "BADGE-J9", "pin": "4321", "locale": "en"})
    assert response.status_code == 302
    assert "Joana Lima" in text(client.get("/desk/admin/people"))
    auth.logout()
    other = app.test_client()
    answer = hh_login(other, "BADGE-J9", "4321")
    assert answer.status_code == 200 and answer.headers["HX-Redirect"] == "/hh/"
    assert other.get("/hh/").status_code == 200


def test_creating_refuses_a_taken_badge_a_bad_pin_and_a_worker_without_badge(app, auth, client, users):
    auth.login("admin")
    taken = client.post("/desk/admin/people", data={"username": "x1", "role": "worker", "badge": "BADGE-W1",
                                                    "pin": "1234"})
    assert taken.status_code == 422 and "already belongs to worker" in text(taken)
    bad_pin = client.post("/desk/admin/people", data={"username": "x2", "role": "worker", "badge": "B-2",
                                                      "pin": "12a4"})
    assert bad_pin.status_code == 422 and "4 to 8 digits" in text(bad_pin)
    no_badge = client.post("/desk/admin/people", data={"username": "x3", "role": "worker"})
    assert no_badge.status_code == 422 and "needs a badge and a PIN" in text(no_badge)
    no_password = client.post("/desk/admin/people", data={"username": "x4", "role": "supervisor"})
    assert no_password.status_code == 422 and "needs a password" in text(no_password)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username.like("x%"))) is None


def test_role_badge_pin_unlock_and_deactivate(app, auth, client, users):
    worker = users["worker"]
    with app.app_context():
        user = db.session.get(User, worker)
        user.failed_logins, user.locked_until = 0, utcnow() + timedelta(minutes=5)
        db.session.commit()
    auth.login("admin")
    assert "locked until" in text(client.get("/desk/admin/people"))
    assert client.post(f"/desk/admin/people/{worker}/unlock").status_code == 302
    assert person(app, "worker").locked_until is None
    assert client.post(f"/desk/admin/people/{worker}/pin", data={"pin": "9876"}).status_code == 302
    assert client.post(f"/desk/admin/people/{worker}/badge", data={"badge": "BADGE-NEW"}).status_code == 302
    assert client.post(f"/desk/admin/people/{worker}/badge", data={"badge": "BADGE-S1"}).status_code == 422
    assert client.post(f"/desk/admin/people/{worker}/role", data={"role": "supervisor"}).status_code == 302
    assert client.post(f"/desk/admin/people/{worker}/role", data={"role": "boss"}).status_code == 422
    changed = person(app, "worker")
    assert changed.badge == "BADGE-NEW" and changed.role == "supervisor"
    assert hh_login(app.test_client(), "BADGE-NEW", "9876").headers["HX-Redirect"] == "/hh/"
    assert client.post(f"/desk/admin/people/{worker}/active", data={"active": "0"}).status_code == 302
    assert person(app, "worker").active is False
    refused = hh_login(app.test_client(), "BADGE-NEW", "9876")
    assert refused.status_code >= 400
    assert client.post("/desk/admin/people/999999/unlock").status_code == 404


def test_the_last_admin_cannot_be_demoted_or_deactivated(app, auth, client, users):
    auth.login("admin")
    admin = users["admin"]
    demoted = client.post(f"/desk/admin/people/{admin}/role", data={"role": "worker"})
    assert demoted.status_code == 422 and "last active admin" in text(demoted)
    yourself = client.post(f"/desk/admin/people/{admin}/active", data={"active": "0"})
    assert yourself.status_code == 422
    assert person(app, "admin").role == "admin" and person(app, "admin").active


def test_only_admins_manage_people(app, auth, client, users):
    auth.login("supervisor")
    assert client.get("/desk/admin/people").status_code == 403
    assert client.post("/desk/admin/people", data={"username": "y", "role": "admin", "password": "y"}).status_code \
        == 403
    assert client.get("/desk/admin/audit").status_code == 403


def test_the_audit_trail_is_searched_by_user_day_and_kind_and_exported(app, auth, client, users):
    auth.login("admin")
    client.post(f"/desk/admin/people/{users['worker']}/pin", data={"pin": "5555"})
    client.post("/desk/admin/people", data={"username": "rui", "role": "worker", "badge": "B-R", "pin": "1212"})
    page = text(client.get("/desk/admin/audit?user=admin&kind=user"))
    assert "user.pin_reset" in page and "user.create" in page and "login" not in page.split('id="audit"')[1]
    assert "2 events" in page
    today = clock.today().isoformat()
    assert "2 events" in text(client.get(f"/desk/admin/audit?user=ADMIN&kind=user&date_from={today}&date_to={today}"))
    assert "0 events" in text(client.get("/desk/admin/audit?user=admin&kind=user&date_to=2000-01-01"))
    bad = client.get("/desk/admin/audit?date_from=tomorrow")
    assert bad.status_code == 422 and "is not a date" in text(bad)
    exported = client.get("/desk/admin/audit.csv?kind=user.create&user=admin").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["When", "User", "Kind"] and len(rows) == 2
    assert rows[1][1:3] == ["admin", "user.create"] and "username=rui" in rows[1][5]
