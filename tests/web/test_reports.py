"""Reports: movements, picker productivity, receiving discrepancies by supplier, short picks and count variances,
each filtered, paged by the database and exported as CSV."""
import csv
import html
import io
import re

import pytest

from tests.factories import receive
from tests.picking_helpers import stocked_world, take
from wms import clock
from wms.extensions import db
from wms.inventory import counts
from wms.picking import picks
from wms.picking import waves as picking_waves
from wms.receiving import asns, receipts


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def table_rows(page: str) -> list[list[str]]:
    body = page[page.index('id="report-rows"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return [] if rows and rows[0] == ["Nothing matches."] else rows


def csv_rows(response) -> list[list[str]]:
    data = response.get_data(as_text=True)
    assert data.startswith("\ufeff")
    return list(csv.reader(io.StringIO(data[1:]), delimiter=";"))


@pytest.fixture
def day(app, users):
    """A day's work: receipts, one wave with a short pick by the worker, a count with a variance, an ASN closed
    with nothing received (under)."""
    with app.app_context():
        world = stocked_world()
        order = take([("BOTTLE", 3)])
        wave = picking_waves.build_wave(order_ids=[order], max_orders=1, user_id=None)
        picks.bind_tote(wave.id, "TOTE-1", user_id=None)
        task = picking_waves.wave_tasks(wave.id)[0]
        picks.confirm_pick(task.id, quantity=1, lot_id=None, tote_code="TOTE-1", user_id=users["worker"])
        task_id = counts.open_count(world.loc["A-02-05-2"].id, user_id=None).id
        counts.submit_count(task_id, {(world.products["BOTTLE"].id, None, None): 38}, user_id=users["worker"])
        asn, _ = asns.create_asn({"supplier": "ACME Ltda", "reference": "PO-9",
                                       "expected_on": clock.today().isoformat(),
                                       "lines": [{"sku": "BOTTLE", "quantity": 12}]})
        receipt = receipts.start_receipt(asn_id=asn.id, user_id=users["worker"])
        receipts.close_receipt(receipt.id, user_id=users["worker"])
        receive(world, "MED", "A-01-05-1", 4, "L-SOON")
        db.session.remove()
    return world


def test_movements_filtered_by_product_reason_and_day(app, auth, client, day):
    auth.login("supervisor")
    page = text(client.get("/desk/reports/movements?product=med&reason=receipt"))
    rows = table_rows(page)
    assert len(rows) == 4 and all(r[1] == "MED" and r[7] == "receipt" for r in rows)
    assert rows[0][5] == "A-01-05-1"  # newest first
    assert "4 rows" in page
    today = clock.today().isoformat()
    assert len(table_rows(text(client.get(f"/desk/reports/movements?product=MED&date_from={today}")))) == 4
    assert "Nothing matches" in text(client.get("/desk/reports/movements?product=MED&date_to=2000-01-01"))


def test_a_bad_date_is_refused_with_a_message(app, auth, client, day):
    auth.login("supervisor")
    response = client.get("/desk/reports/movements?date_from=yesterday")
    assert response.status_code == 422 and "is not a date" in text(response)
    swapped = client.get("/desk/reports/movements?date_from=2026-02-01&date_to=2026-01-01")
    assert swapped.status_code == 422 and "first day comes after the last day" in text(swapped)
    assert client.get("/desk/reports/movements.csv?date_to=31/12").status_code == 422
    assert client.get("/desk/reports/nonsense").status_code == 404


def test_picker_productivity_short_picks_count_variances(app, auth, client, day):
    auth.login("supervisor")
    productivity = table_rows(text(client.get("/desk/reports/productivity")))
    assert productivity == [["worker", "worker", "1", "1", "1", ""]]
    shorts = table_rows(text(client.get("/desk/reports/short-picks?user=worker")))
    assert len(shorts) == 1 and shorts[0][3] == "BOTTLE" and shorts[0][6:9] == ["3", "1", "2"]
    variances = table_rows(text(client.get("/desk/reports/count-variances?location=a-02-05-2")))
    assert len(variances) == 1 and variances[0][5:8] == ["40", "38", "-2"]


def test_receiving_discrepancies_by_supplier(app, auth, client, day):
    auth.login("supervisor")
    rows = table_rows(text(client.get("/desk/reports/discrepancies?supplier=acme")))
    assert rows == [["ACME Ltda", "under", "1", "12", "1"]]
    assert "Nothing matches" in text(client.get("/desk/reports/discrepancies?reason=over"))


def test_csv_exports_every_row_of_the_filtered_report(app, auth, client, day):
    auth.login("supervisor")
    response = client.get("/desk/reports/movements.csv?product=MED")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="movements-' in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["When", "SKU", "Product"] and len(rows) == 1 + 4
    variances = csv_rows(client.get("/desk/reports/count-variances.csv"))
    assert variances[1][7] == "-2"
    kinds = csv_rows(client.get("/desk/reports/discrepancies.csv"))
    assert kinds[1][:2] == ["ACME Ltda", "under"]


def test_reports_page_through_the_database(app, auth, client, users):
    with app.app_context():
        world = stocked_world()
        for _ in range(55):
            receive(world, "BOTTLE", "A-01-04-1", 1)
        db.session.remove()
    auth.login("supervisor")
    first = text(client.get("/desk/reports/movements?product=BOTTLE"))
    assert len(table_rows(first)) == 50 and "Page 1 of 2" in first
    assert 'href="/desk/reports/movements?product=BOTTLE&amp;page=2"' in client.get(
        "/desk/reports/movements?product=BOTTLE").get_data(as_text=True)
    second = text(client.get("/desk/reports/movements?product=BOTTLE&page=2"))
    assert len(table_rows(second)) == 57 - 50


def test_workers_cannot_open_reports(app, auth, client, users):
    auth.login("worker")
    assert client.get("/desk/reports/movements").status_code == 403
    assert client.get("/desk/reports/movements.csv").status_code == 403
