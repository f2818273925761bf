"""The session cookie is re-signed when the session changes or once its signature is a minute old, not on every
answer (wms/auth/cookies.py); a login still lasts PERMANENT_SESSION_LIFETIME from the last signature."""
from datetime import UTC, datetime, timedelta

from wms.auth import cookies


def _set_cookie(response) -> str | None:
    found = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("session=")]
    return found[0] if found else None


def _signed_at(app, value: str) -> datetime:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(value, return_timestamp=True)[1]


def test_a_fresh_login_sets_the_cookie_and_the_next_answers_do_not_resign_it(auth, client):
    assert _set_cookie(auth.login("supervisor")) is not None
    assert _set_cookie(client.get("/desk")) is not None  # the first page stores the form token: a change
    for _ in range(3):
        response = client.get("/desk")
        assert response.status_code == 200
        assert _set_cookie(response) is None


def test_a_signature_older_than_a_minute_is_renewed(app, auth, client, monkeypatch):
    auth.login("supervisor")
    before = client.get_cookie("session").value
    later = datetime.now(UTC) + timedelta(seconds=cookies.REFRESH_AFTER + 5)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return later

    monkeypatch.setattr(cookies, "datetime", Later)
    response = client.get("/desk")
    assert response.status_code == 200 and _set_cookie(response) is not None
    after = client.get_cookie("session").value
    assert after != before and client.get("/desk").status_code == 200
    assert _signed_at(app, after) >= _signed_at(app, before)


def test_a_changed_session_is_signed_at_once(auth, client):
    auth.login("supervisor")
    response = client.post("/language", data={"locale": "pt_BR", "next": "/desk"})
    assert response.status_code in (200, 302) and _set_cookie(response) is not None


def test_a_cookie_past_the_login_lifetime_is_refused(app, auth, client, monkeypatch):
    auth.login("supervisor")
    value = client.get_cookie("session").value
    lifetime = app.permanent_session_lifetime.total_seconds()
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + lifetime + 10)
    stale = app.test_client()
    stale.set_cookie("session", value)
    response = stale.get("/desk")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_tampered_cookie_is_an_empty_session(app, auth, client):
    auth.login("supervisor")
    value = client.get_cookie("session").value
    forged = app.test_client()
    forged.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    response = forged.get("/desk")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
