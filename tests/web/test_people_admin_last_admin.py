"""The warehouse never loses its last active admin: not when two admins demote or deactivate each other (or
themselves) at the same moment, not by the `wms deactivate-user` command, not by deactivating yourself."""
import html

import pytest
from sqlalchemy import func, select

from tests.concurrency import at_once
from tests.interleave import behind_a_lock
from wms.audit import AuditEvent
from wms.auth import people, services
from wms.auth.models import User
from wms.extensions import db


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def add_admins(app, *usernames: str, locale: str = "en") -> dict[str, int]:
    """More admins, passwords equal to the username: their ids."""
    with app.app_context():
        made = {name: services.create_user(name, role="admin", name=name.title(), password=name, locale=locale).id
                for name in usernames}
        db.session.commit()
        db.session.remove()
    return made


def desk(app, username: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"username": username, "password": username}).status_code == 302
    return client


def active_admins(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(User.username).where(User.role == "admin", User.active.is_(True))
                                       .order_by(User.username)))


def changes_recorded(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["user.role", "user.deactivate"])))


# (who holds, whom the holder changes and how; who waits, whom their request changes and how)
RACES = {
    "each demotes themselves": ("admin", "admin", "role", "anna", "anna", "role"),
    "each demotes the other": ("anna", "admin", "role", "admin", "anna", "role"),
    "each deactivates the other": ("anna", "admin", "active", "admin", "anna", "active"),
    "one deactivates, one demotes": ("anna", "admin", "active", "anna", "anna", "role"),
    "one demotes, one deactivates": ("admin", "admin", "role", "admin", "anna", "active"),
}


@pytest.mark.parametrize("race", RACES)
def test_two_admins_changed_at_once_leave_one_admin(app, users, is_postgres, race):
    """Two admins, two changes at the same moment, each taking one of them out of the admins. The first holds its
    transaction open; the second, a request, must wait for it and then count the admins as the first left them:
    one admin remains, the second is refused (422, the rule's message) and changes nothing. Counted in unlocked
    reads, each saw the other admin remain and the warehouse was left with none."""
    if not is_postgres:
        pytest.skip("SQLite serialises the two from their first statement")
    holder_name, holder_target, holder_change, waiter_name, waiter_target, waiter_change = RACES[race]
    ids = {"admin": users["admin"], **add_admins(app, "anna")}
    waiter = desk(app, waiter_name)

    def holder():
        return _change(holder_change, ids[holder_target], by=ids[holder_name])

    def waiter_request():
        form = {"role": "worker"} if waiter_change == "role" else {"active": "0"}
        return waiter.post(f"/desk/admin/people/{ids[waiter_target]}/{waiter_change}", data=form)

    held, answer = behind_a_lock(app, holder, waiter_request)
    assert not isinstance(held, Exception), held
    assert not isinstance(answer, Exception), answer
    assert answer.status_code == 422, text(answer)
    assert f"{waiter_target.title()} is the last active admin" in text(answer)
    assert active_admins(app) == [waiter_target]
    assert changes_recorded(app) == 1


def _change(change: str, user_id: int, *, by: int) -> str:
    if change == "role":
        return people.set_role(user_id, "worker").role
    return str(people.set_active(user_id, False, by_user_id=by).active)


def test_four_admins_demoting_themselves_at_once_leave_one(app, users):
    """Four admins press "worker" on their own line at the same moment: three are demoted, one is refused, none
    gets a server error (the admins' rows are locked in one order, so two changes never wait for each other)."""
    ids = {"admin": users["admin"], **add_admins(app, "anna", "bruno", "carla")}
    names = list(ids)
    clients = [desk(app, name) for name in names]
    answers = at_once(len(names), lambda i: clients[i].post(f"/desk/admin/people/{ids[names[i]]}/role",
                                                            data={"role": "worker"}))
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sorted(a.status_code for a in answers) == [302, 302, 302, 422], [text(a)[-400:] for a in answers]
    [refused] = [names[i] for i, a in enumerate(answers) if a.status_code == 422]
    assert active_admins(app) == [refused]
    assert changes_recorded(app) == 3


@pytest.mark.parametrize("locale, message", [
    ("en", "You cannot deactivate yourself."),
    ("pt_BR", "Você não pode desativar a si mesmo."),
])
def test_the_last_admin_deactivating_themselves_is_refused_in_their_language(app, users, locale, message):
    with app.app_context():
        user = db.session.get(User, users["admin"])
        user.locale = locale
        db.session.commit()
        db.session.remove()
    client = desk(app, "admin")
    refused = client.post(f"/desk/admin/people/{users['admin']}/active", data={"active": "0"})
    assert refused.status_code == 422 and message in text(refused)
    assert active_admins(app) == ["admin"] and changes_recorded(app) == 0


@pytest.mark.parametrize("locale, message", [
    ("en", "Admin is the last active admin: make someone else admin first."),
    ("pt_BR", "Admin é o último administrador ativo: torne outra pessoa administradora antes."),
])
def test_demoting_the_last_admin_is_refused_in_their_language(app, users, locale, message):
    with app.app_context():
        user = db.session.get(User, users["admin"])
        user.locale, user.name = locale, "Admin"
        db.session.commit()
        db.session.remove()
    client = desk(app, "admin")
    refused = client.post(f"/desk/admin/people/{users['admin']}/role", data={"role": "supervisor"})
    assert refused.status_code == 422 and message in text(refused)
    assert active_admins(app) == ["admin"] and changes_recorded(app) == 0


def test_the_command_line_does_not_deactivate_the_last_admin(app, users, runner):
    """The command speaks the warehouse's language (pt_BR)."""
    refused = runner.invoke(args=["deactivate-user", "admin"])
    assert refused.exit_code != 0, refused.output
    assert "admin é o último administrador ativo" in refused.output, refused.output
    assert active_admins(app) == ["admin"] and changes_recorded(app) == 0
    add_admins(app, "anna")
    done = runner.invoke(args=["deactivate-user", "admin"])
    assert done.exit_code == 0, done.output
    assert active_admins(app) == ["anna"]


def test_a_person_deactivated_on_the_admin_page_and_reactivated_keeps_no_old_session(app, users):
    """Deactivating ends the person's sessions (as the command does): reactivated later, a cookie copied before
    does not log them in again."""
    worker = app.test_client()
    worker.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    worker.post("/hh/login", data={"badge": "BADGE-W1"}, headers={"HX-Request": "true"})
    worker.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers={"HX-Request": "true"})
    assert worker.get("/hh/").status_code == 200
    admin = desk(app, "admin")
    assert admin.post(f"/desk/admin/people/{users['worker']}/active", data={"active": "0"}).status_code == 302
    assert admin.post(f"/desk/admin/people/{users['worker']}/active", data={"active": "1"}).status_code == 302
    assert worker.get("/hh/").status_code == 302
