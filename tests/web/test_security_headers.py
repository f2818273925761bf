"""Every answer carries the headers that keep the app out of frames, sniffing and foreign scripts."""
import pytest

from tests.conftest import make_app


@pytest.mark.parametrize("path", ["/login", "/hh/login", "/healthz"])
def test_pages_carry_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_no_page_has_inline_script(client, auth):
    auth.login("supervisor")
    for path in ("/desk/", "/login"):
        body = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<script>" not in body and " onclick=" not in body and " onchange=" not in body
        assert "hx-on" not in body


def test_secure_cookies_behind_https(database_url, tmp_path, monkeypatch, users):
    monkeypatch.setenv("WMS_SECURE_COOKIES", "1")
    app = make_app(database_url, str(tmp_path))
    response = app.test_client().post("/login", data={"username": "supervisor", "password": "supervisor"})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
