"""Issue 11 items 9, 10, 11, 13: lockouts that hold under concurrency and stay apart, rate limits by name and
address, unknown names answered like known ones, sessions that end at logout, deactivation and a new PIN."""
import threading

import pytest
from sqlalchemy import func, select

from wms.audit import AuditEvent
from wms.auth import people, services
from wms.auth.models import User
from wms.extensions import db

HX = {"HX-Request": "true"}


def _client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _user(app, username) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def test_twenty_concurrent_wrong_pins_lock_the_badge(app, users, is_postgres):
    """Item 9: each wrong PIN is counted atomically; on PostgreSQL the twenty run at once."""
    if not is_postgres:
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    start = threading.Barrier(20)
    answers = []

    def attempt():
        client = _client(app)
        start.wait()
        response = client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "0000"}, headers=HX)
        answers.append((response.status_code, b"Wrong badge or PIN" in response.data))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 20 and {status for status, _ in answers} <= {422, 429}
    wrong = sum(1 for _, said_wrong in answers if said_wrong)
    assert wrong >= 5
    user = _user(app, "worker")
    assert user.pin_locked_until is not None
    with app.app_context():
        counted = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "login.failed"))
    assert counted == wrong  # every wrong PIN was counted: none lost to a race
    assert user.failed_pins == wrong % 5
    response = _client(app).post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    assert response.status_code == 422 and b"Too many wrong attempts" in response.data


def test_sequential_wrong_pins_lock_at_the_fifth(app, users):
    client = _client(app)
    for _ in range(5):
        client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "0000"}, headers=HX)
    user = _user(app, "worker")
    assert user.pin_locked_until is not None and user.failed_pins == 0
    response = client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    assert b"Too many wrong attempts" in response.data


def test_a_pin_lockout_does_not_lock_the_desk_password(app, users, client):
    """Item 10: someone guessing a supervisor's PIN at a handheld cannot lock them out of the desk."""
    for _ in range(6):
        _client(app).post("/hh/login", data={"badge": "BADGE-S1", "pin": "0000"}, headers=HX)
    assert _user(app, "supervisor").pin_locked_until is not None
    assert _user(app, "supervisor").locked_until is None
    response = client.post("/login", data={"username": "supervisor", "password": "supervisor"})
    assert response.status_code == 302


def test_a_password_lockout_does_not_lock_the_pin(app, users):
    for _ in range(6):
        _client(app).post("/login", data={"username": "worker", "password": "nope"})
    assert _user(app, "worker").locked_until is not None
    response = _client(app).post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    assert response.headers.get("HX-Redirect") == "/hh/"


def test_unknown_usernames_are_rate_limited_like_known_ones(app, users):
    """Item 10: an unknown name gets the same answers, in the same order, as a known one."""
    def answers(username):
        client = _client(app)
        return [(r.status_code, b"Too many" in r.data, b"Wrong username or password" in r.data)
                for r in (client.post("/login", data={"username": username, "password": "nope"})
                          for _ in range(7))]

    known, unknown = answers("supervisor"), answers("nobody-here")
    assert known == unknown
    assert known[0] == (401, False, True) and known[-1] == (401, True, False)


def test_an_unknown_name_is_checked_against_a_hash_too(app, users, monkeypatch):
    """Item 10: the same work (one password hash check) for an unknown name as for a known one, so the answer
    takes as long (timings themselves are in bench/)."""
    import wms.auth.services as module

    checked = []
    real = module.check_password_hash
    monkeypatch.setattr(module, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    client = _client(app)
    client.post("/login", data={"username": "nobody-here", "password": "x"})
    client.post("/login", data={"username": "supervisor", "password": "x"})
    client.post("/hh/login", data={"badge": "NO-BADGE", "pin": "1234"}, headers=HX)
    assert len(checked) == 3 and all(h.startswith("pbkdf2:") for h in checked)


def test_many_names_from_one_address_are_rate_limited(app, users):
    """Item 10: spraying a different name each time is stopped by the client address's count."""
    client = _client(app)
    codes = [client.post("/login", data={"username": f"guess{i}", "password": "x"},
                         environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code for i in range(40)]
    assert codes[0] == 401 and codes[-1] == 429
    # another address is not affected
    other = _client(app).post("/login", data={"username": "supervisor", "password": "supervisor"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.10"})
    assert other.status_code == 302


def test_the_badge_step_shows_no_name(client, users):
    """Item 10: the person's name appears only after the PIN."""
    response = client.post("/hh/login", data={"scan": "BADGE-S1"}, headers=HX)
    assert b"supervisor" not in response.data.lower().replace(b"badge-s1", b"")


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_copied_before_logout_is_dead_after_it(app, auth, client):
    """Item 11: logout ends the session server-side, not only in this browser."""
    auth.login("supervisor")
    copied = _cookie(client)
    assert client.get("/desk").status_code == 200
    auth.logout()
    thief = _client(app)
    thief.set_cookie("session", copied)
    response = thief.get("/desk")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logging_in_again_after_logout_works(auth, client):
    auth.login("supervisor")
    auth.logout()
    assert auth.login("supervisor").status_code == 302
    assert client.get("/desk").status_code == 200


@pytest.mark.parametrize("change", ["deactivate", "pin", "password"])
def test_deactivating_or_a_new_secret_ends_the_sessions(app, auth, client, change):
    auth.login("worker")
    copied = _cookie(client)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "worker"))
        if change == "deactivate":
            people.deactivate_user("worker")
        elif change == "pin":
            services.set_pin(user_id, "4444")
        else:
            services.set_password(user_id, "new-secret")
        db.session.remove()
    thief = _client(app)
    thief.set_cookie("session", copied)
    assert thief.get("/hh/").status_code == 302
    assert client.get("/hh/").status_code == 302


def test_deactivate_user_command(app, auth, client, runner):
    """Item 13: `wms deactivate-user` stops logins and ends the open sessions."""
    auth.login("worker")
    result = runner.invoke(args=["deactivate-user", "worker"])
    assert result.exit_code == 0, result.output
    assert "deactivated" in result.output
    assert client.get("/hh/").status_code == 302
    assert auth.login("worker").status_code == 401
    assert runner.invoke(args=["deactivate-user", "nobody"]).exit_code != 0


SECOND_PROCESS = """
import sys
from tests.conftest import make_app
app = make_app(sys.argv[1], sys.argv[2])
client = app.test_client()
client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
answer = client.post("/login", data={"username": "nobody-here", "password": "x"})
print(answer.status_code, b"Too many" in answer.data)
"""


def test_the_throttle_is_shared_by_every_server_process(app, users, database_url, tmp_path):
    """Review: counted in one process's memory, the throttle was per gunicorn worker (the limits multiplied by
    their number). Five failures of a name in this process; another process (another create_app on the same
    database) answers the sixth "too many" too."""
    import subprocess
    import sys
    from pathlib import Path

    client = _client(app)
    for _ in range(5):
        answer = client.post("/login", data={"username": "nobody-here", "password": "nope"})
        assert answer.status_code == 401 and b"Too many" not in answer.data
    done = subprocess.run([sys.executable, "-c", SECOND_PROCESS, database_url, str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["401", "True"]


def test_concurrent_wrong_logins_all_count(app, users, is_postgres, monkeypatch):
    """Each failure is one atomic upsert: twelve at once from twelve addresses count twelve. (The name's limit is
    raised for this test: with the limit of 5, an attempt that reads the count after five others have committed
    is refused as "too many" without being counted, and how many do depends on the threads' timing.)"""
    if not is_postgres:
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    from wms.auth import throttle
    from wms.auth.models import LoginFailure

    monkeypatch.setattr(throttle, "NAME_LIMIT", 1000)

    start = threading.Barrier(12)

    def attempt(index):
        client = _client(app)
        start.wait()
        client.post("/login", data={"username": "nobody-here", "password": "x"},
                    environ_base={"REMOTE_ADDR": f"10.0.1.{index}"})

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        counted = db.session.scalar(select(LoginFailure.failures).where(LoginFailure.key == "desk:name:nobody-here"))
    assert counted == 12


def test_a_passed_window_starts_again_and_is_pruned(app):
    from datetime import timedelta

    from wms import uow
    from wms.auth import throttle
    from wms.auth.models import LoginFailure

    with app.app_context():
        for _ in range(throttle.NAME_LIMIT):
            throttle.failed("desk", "Someone", "10.0.2.1")
        assert throttle.blocked("desk", "someone", None) == "name"  # names are compared case-folded
        with uow.unit_of_work():
            db.session.get(LoginFailure, "desk:name:someone").window_start -= throttle.WINDOW + timedelta(seconds=1)
        assert throttle.blocked("desk", "someone", None) is None
        throttle.failed("desk", "someone", None)
        db.session.rollback()
        assert db.session.get(LoginFailure, "desk:name:someone").failures == 1  # a new window
        with uow.unit_of_work():
            assert throttle.prune(now=throttle.utcnow() + throttle.WINDOW) == 2
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
