"""Schemathesis against the app's WSGI, driven by /api/v1/openapi.json itself (a bounded number of examples per
operation, part of the normal suite): no answer is a server error, and every answer keeps to the document
(status codes, content type, headers, body schema); data the document calls invalid is refused."""
import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from tests.picking_helpers import stocked_world  # noqa: E402
from wms.auth import services as auth_services  # noqa: E402
from wms.extensions import db  # noqa: E402

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance,
          checks.negative_data_rejection]
TOKEN: dict[str, str] = {}


def headers() -> dict[str, str]:
    # identity: the WSGI transport hands schemathesis the bytes as sent, and the app compresses large answers
    return {"Authorization": f"Bearer {TOKEN['secret']}", "Accept-Encoding": "identity"}


@pytest.fixture
def api_schema(app):
    with app.app_context():
        stocked_world()  # products, stock and channels, so some generated orders and products go through
        TOKEN["secret"] = auth_services.create_token("schemathesis")
        db.session.remove()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=headers())


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case):
    case.call_and_validate(headers=headers(), checks=CHECKS)
