"""The admin's API tokens page (list with last use, create shown once with scopes, revoke) and the
`wms create-token NAME --scopes ...` / `wms deactivate-token NAME` commands."""
from sqlalchemy import select

from wms.auth.models import ApiToken
from wms.extensions import db


def test_an_admin_creates_a_token_with_scopes_sees_it_once_and_revokes_it(app, client, auth):
    auth.login("admin")
    assert client.get("/desk/api-tokens").status_code == 200
    made = client.post("/desk/api-tokens", data={"name": "loja", "scopes": ["orders", "stock"]})
    assert made.status_code == 201
    page = made.get_data(as_text=True)
    secret = page.split("data-token>")[1].split("<")[0]
    assert secret.startswith("wms_") and made.headers["Cache-Control"] == "no-store"
    assert "orders, stock" in page
    api = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/stock", headers=api).status_code == 200
    assert client.put("/api/v1/products/X", json={"name": "x"}, headers=api).status_code == 403
    listed = client.get("/desk/api-tokens").get_data(as_text=True)
    assert secret not in listed and "loja" in listed and "never" not in listed  # used just now
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "loja"))
    assert client.post(f"/desk/api-tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/stock", headers=api).status_code == 401
    assert "revoked" in client.get("/desk/api-tokens").get_data(as_text=True)


def test_bad_token_forms_are_refused_and_store_nothing(app, client, auth):
    auth.login("admin")
    assert client.post("/desk/api-tokens", data={"name": "x", "scopes": ["root"]}).status_code == 422
    assert client.post("/desk/api-tokens", data={"name": "", "scopes": ["orders"]}).status_code == 422
    assert client.post("/desk/api-tokens", data={"name": "x"}).status_code == 422  # no scope at all
    with app.app_context():
        assert db.session.scalar(select(ApiToken.id)) is None


def test_only_an_admin_sees_tokens(client, auth):
    auth.login("supervisor")
    assert client.get("/desk/api-tokens").status_code == 403


def test_cli_creates_a_scoped_token_and_deactivates_it(app, runner):
    made = runner.invoke(args=["create-token", "erp", "--scopes", "receiving,stock"])
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[0]
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "erp"))
        assert row.scope_list == ["stock", "receiving"] and row.active
    assert runner.invoke(args=["create-token", "bad", "--scopes", "everything"]).exit_code != 0
    done = runner.invoke(args=["deactivate-token", "erp"])
    assert done.exit_code == 0 and "revoked" in done.output
    client = app.test_client()
    assert client.get("/api/v1/stock", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
