"""POST /api/v1/asns and GET /api/v1/asns/{id}: token auth, idempotency on supplier + reference, field errors."""
import pytest

from tests.factories import BOTTLE_GTIN, build_world
from wms import clock
from wms.auth import services as auth
from wms.extensions import db
from wms.receiving.models import Asn


@pytest.fixture
def api(app, client):
    with app.app_context():
        build_world()
        token = auth.create_token("erp")
        db.session.remove()
    return {"Authorization": f"Bearer {token}"}


def payload(**changes):
    body = {"supplier": "ACME", "reference": "PO-1", "expected_on": clock.today().isoformat(),
            "lines": [{"sku": "MED", "quantity": 24, "lot": "L1", "expires_on": "2027-12-31",
                       "sscc": "376104250021234569"},
                      {"gtin": BOTTLE_GTIN, "quantity": 6}]}
    body.update(changes)
    return body


def asn_count(app) -> int:
    with app.app_context():
        return db.session.query(Asn).count()


def test_create_then_get(client, api, app):
    response = client.post("/api/v1/asns", json=payload(), headers=api)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "expected" and body["source"] == "api"
    assert [(line["sku"], line["quantity"], line["received"]) for line in body["lines"]] == [("MED", 24, 0),
                                                                                               ("BOTTLE", 6, 0)]
    assert body["lines"][0]["sscc"] == "376104250021234569" and body["lines"][0]["expires_on"] == "2027-12-31"
    assert response.headers["Location"].endswith(f"/api/v1/asns/{body['id']}")
    fetched = client.get(f"/api/v1/asns/{body['id']}", headers=api)
    assert fetched.status_code == 200 and fetched.get_json() == body


def test_the_same_asn_twice_is_stored_once(client, api, app):
    first = client.post("/api/v1/asns", json=payload(), headers=api)
    again = client.post("/api/v1/asns", json=payload(), headers=api)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert asn_count(app) == 1


def test_a_used_reference_with_other_contents_is_a_conflict(client, api, app):
    first = client.post("/api/v1/asns", json=payload(), headers=api).get_json()
    response = client.post("/api/v1/asns", json=payload(lines=[{"sku": "MED", "quantity": 1}]), headers=api)
    assert response.status_code == 409
    body = response.get_json()
    assert "already sent ASN PO-1" in body["error"] and body["asn_id"] == first["id"]
    other_supplier = client.post("/api/v1/asns", json=payload(supplier="Beta"), headers=api)
    assert other_supplier.status_code == 201 and asn_count(app) == 2


def test_malformed_json_is_a_400(client, api, app):
    response = client.post("/api/v1/asns", data="{not json", headers={**api, "Content-Type": "application/json"})
    assert response.status_code == 400 and "JSON object" in response.get_json()["error"]
    response = client.post("/api/v1/asns", json=[payload()], headers=api)
    assert response.status_code == 400
    assert asn_count(app) == 0


def test_missing_fields_are_listed(client, api, app):
    response = client.post("/api/v1/asns", json={"lines": []}, headers=api)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"supplier", "reference", "expected_on", "lines"}
    response = client.post("/api/v1/asns", json=payload(lines=[{"sku": "MED"}, "x"]), headers=api)
    assert set(response.get_json()["fields"]) == {"lines[0].quantity", "lines[1]"}


def test_unknown_products_and_bad_values(client, api, app):
    response = client.post("/api/v1/asns", json=payload(lines=[
        {"sku": "NOPE", "quantity": 1}, {"gtin": "7891000000000", "quantity": 1},
        {"sku": "MED", "quantity": True}, {"sku": "MED", "quantity": 2, "sscc": "376104250021234560"},
        {"sku": "BOTTLE", "quantity": 1, "lot": "L1"}, {"sku": "MED", "quantity": 1, "expires_on": "2027-02-30"},
    ], expected_on="23/11/2026"), headers=api)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert fields["lines[0].sku"] == "Unknown product NOPE."
    assert set(fields) == {"expected_on", "lines[0].sku", "lines[1].sku", "lines[2].quantity", "lines[3].sscc",
                           "lines[4].lot", "lines[5].expires_on"}
    assert asn_count(app) == 0


def test_a_token_is_needed(client, api):
    assert client.post("/api/v1/asns", json=payload()).status_code == 401
    assert client.get("/api/v1/asns/1", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_unknown_asn_is_a_404(client, api):
    response = client.get("/api/v1/asns/999", headers=api)
    assert response.status_code == 404 and response.get_json()["error"]


def test_the_openapi_document_describes_the_asn_endpoints(client, api):
    document = client.get("/api/v1/openapi.json", headers=api).get_json()
    post = document["paths"]["/asns"]["post"]
    assert set(post["responses"]) == {"201", "400", "401", "409", "422"}
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "supplier", "reference", "expected_on", "lines"]
    assert "get" in document["paths"]["/asns/{asn_id}"]
