"""The foundation: logins, roles, CSRF, errors, health, API tokens, migrations."""
import re

import pytest
from sqlalchemy import select

from tests.conftest import make_app
from wms.auth.models import ApiToken, User
from wms.extensions import db

PUBLIC = {"/healthz", "/login", "/hh/login", "/favicon.ico"}


def test_healthz_is_public_and_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def _concrete(rule):
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", "1", url)
    return url


def test_every_route_needs_a_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = _concrete(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if url in PUBLIC:
                continue
            response = client.open(url, method=method)
            checked += 1
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url)
                assert response.json["error"]
            else:
                assert response.status_code in (302, 401), (method, url, response.status_code)
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"], (method, url)
    assert checked > 5


def test_htmx_request_after_expiry_is_sent_to_login_not_swapped(client):
    response = client.post("/hh/", data={"scan": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/hh/login"
    assert response.data == b""


def test_desk_login_and_wrong_password(auth, client):
    response = auth.login("supervisor", "nope")
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data
    response = auth.login("supervisor")
    assert response.status_code == 302
    assert client.get("/desk").status_code == 200


def test_five_wrong_passwords_lock_the_account(auth, app):
    for _ in range(5):
        auth.login("supervisor", "nope")
    response = auth.login("supervisor")
    assert response.status_code == 401
    assert b"Too many wrong attempts" in response.data


def test_worker_is_refused_a_supervisor_page(auth, client):
    auth.login("worker")
    response = client.get("/desk")
    assert response.status_code == 403
    assert b"role does not allow" in response.data
    assert client.get("/").headers["Location"].endswith("/hh/")


def test_handheld_login_with_badge_and_pin(client, users):
    response = client.post("/hh/login", data={"scan": "BADGE-W1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["X-Scan-Result"] == "ok"
    assert b'name="pin"' in response.data
    response = client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "0000"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.headers["X-Scan-Result"] == "bad"
    assert b"Wrong badge or PIN" in response.data
    response = client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/hh/"
    assert client.get("/hh/").status_code == 200


def test_unknown_badge_is_answered_like_a_known_one(client, users):
    """Issue 11 item 10: a badge alone tells nothing (no "not known", no name); the PIN then fails alike."""
    known = client.post("/hh/login", data={"scan": "BADGE-W1"}, headers={"HX-Request": "true"})
    unknown = client.post("/hh/login", data={"scan": "NOPE"}, headers={"HX-Request": "true"})
    assert known.status_code == unknown.status_code == 200
    assert known.data.replace(b"BADGE-W1", b"X") == unknown.data.replace(b"NOPE", b"X")
    response = client.post("/hh/login", data={"badge": "NOPE", "pin": "1111"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and b"Wrong badge or PIN" in response.data


def test_passwords_and_pins_are_hashed(app, users):
    with app.app_context():
        user = db.session.get(User, users["worker"])
        assert user.pin_hash != "1111" and user.pin_hash.startswith("pbkdf2:")
        assert user.password_hash != "worker"


def test_language_switch_is_kept_per_user(app, auth, client, users):
    auth.login("supervisor")
    assert b"Good day" in client.get("/desk").data
    client.post("/language", data={"locale": "pt_BR", "next": "/desk"})
    assert b"Bom dia" in client.get("/desk").data
    with app.app_context():
        assert db.session.get(User, users["supervisor"]).locale == "pt_BR"


def test_api_needs_a_token_which_is_stored_hashed(app, client, runner):
    response = client.get("/api/v1/whoami")
    assert response.status_code == 401 and response.json["error"]
    result = runner.invoke(args=["create-token", "store"])
    token = result.output.strip().splitlines()[0]
    assert token.startswith("wms_")
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash != token and token not in row.token_hash
    response = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json == {"token": "store"}
    assert client.get("/api/v1/whoami", headers={"Authorization": "Bearer wms_wrong"}).status_code == 401


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404  # an unknown path is not found, signed in or not
    assert "error" in response.json


def test_html_errors_are_friendly(auth, client):
    auth.login("supervisor")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Not found" in response.data and b"Traceback" not in response.data


def test_forms_need_a_csrf_token(database_url, tmp_path, users):
    app = make_app(database_url, str(tmp_path), WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "supervisor", "password": "supervisor"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]  # back to the form
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "supervisor", "password": "supervisor", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk")
    # htmx posts carry it in a header
    page = client.get("/desk").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert client.post("/language", data={"locale": "en"}, headers={"HX-Request": "true"}).status_code == 400
    response = client.post(
        "/language", data={"locale": "en"}, headers={"HX-Request": "true", "X-CSRFToken": header_token}
    )
    assert response.status_code == 200


def test_cli_creates_users_and_refuses_duplicates(runner):
    result = runner.invoke(args=["create-user", "joana", "--role", "worker", "--badge", "B-77", "--pin", "4321"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "joana", "--role", "worker", "--pin", "4321"])
    assert result.exit_code != 0 and "já existe" in result.output
    result = runner.invoke(args=["create-user", "x", "--role", "worker", "--pin", "12"])
    assert result.exit_code != 0 and "4 a 8 dígitos" in result.output


def test_demo_loads_once(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "BADGE-0001" in result.output
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "empty" in result.output


@pytest.mark.parametrize("path", ["/login?next=//evil.example", "/login?next=https://evil.example"])
def test_login_never_redirects_off_site(auth, client, path):
    response = client.post(path, data={"username": "supervisor", "password": "supervisor"})
    assert response.headers["Location"] == "/desk"


def test_portuguese_is_the_default(app, users):
    client = app.test_client()
    page = client.get("/hh/login").get_data(as_text=True)
    assert "Leia o seu crachá" in page
    response = client.post("/login", data={"username": "supervisor", "password": "x"})
    assert "Usuário ou senha incorretos." in response.get_data(as_text=True)


def test_an_error_escaping_a_view_keeps_the_handheld_screen(auth, client):
    """htmx errors are shown above the screen (its scan input stays) instead of replacing it."""
    auth.login("worker")
    response = client.post("/hh/no-such-screen", data={"scan": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#request-error"
    assert response.headers["X-Scan-Result"] == "bad"


def test_scanned_text_in_a_message_is_escaped(auth, client, app):
    """A barcode can hold any text: it must never become markup in the worker's browser."""
    from tests.factories import build_world

    with app.app_context():
        build_world()
    auth.login("worker")
    response = client.post("/hh/stock/here", data={"scan": "<img src=x onerror=alert(1)>"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_wms_check_proves_the_books_and_fails_on_a_mismatch(app, runner):
    from tests.factories import build_world, receive
    from wms.inventory.models import StockItem

    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-2", 5)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "equals its ledger" in result.output
    with app.app_context():
        item = db.session.scalar(select(StockItem))
        item.quantity = 7  # a cache that no longer matches its ledger
        db.session.commit()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1 and "ledger 5, item 7" in result.output
