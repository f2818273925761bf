"""Returns through HTTP: the store's API, the handheld returns dock the way the scanner posts, and the desk's
board, reasons report (CSV) and recall screens. Refused input answers 4xx and changes nothing."""
import html
import json
import re

import pytest
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN
from tests.picking_helpers import books_are_right, stocked_world
from tests.returns_helpers import shipped_order
from wms import events
from wms.auth import services as auth_services
from wms.extensions import db
from wms.inventory.models import Move
from wms.returns.models import ReturnUnit, Rma

HX = {"HX-Request": "true"}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def step(response) -> str:
    match = re.search(r'data-step="([a-z_]+)"', response.get_data(as_text=True))
    return match.group(1) if match else ""


def hidden(response) -> dict:
    block = re.search(r'<form class="scan".*?</form>', response.get_data(as_text=True), re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', block))


def action(response) -> str:
    return html.unescape(re.search(r'<form class="scan" hx-post="([^"]+)"', response.get_data(as_text=True)).group(1))


@pytest.fixture
def shipped(app):
    with app.app_context():
        stocked_world()
        ids = {"bottle": shipped_order([("BOTTLE", 2)]), "med": shipped_order([("MED", 2)])}
        token = auth_services.create_token("store")
        db.session.remove()
    return {**ids, "token": token}


def moves(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Move))


def test_the_store_authorises_a_return_through_the_api(app, client, shipped):
    headers = {"Authorization": f"Bearer {shipped['token']}"}
    body = {"order_id": shipped["bottle"], "reverse_code": "REV-1",
            "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}]}
    first = client.post("/api/v1/returns", data=json.dumps(body), headers=headers, content_type="application/json")
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/returns", data=json.dumps(body), headers=headers, content_type="application/json")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    for bad, status in (("[1]", 400), ("\x00", 400), (json.dumps({"order_id": 10**30, "lines": [{}]}), 422),
                        (json.dumps({"order_id": shipped["bottle"], "lines": [
                            {"sku": "BOTTLE", "quantity": 10**12, "reason": "regret"}]}), 422)):
        response = client.post("/api/v1/returns", data=bad, headers=headers, content_type="application/json")
        assert response.status_code == status, response.get_data()
    assert client.post("/api/v1/returns", data=json.dumps(body), content_type="application/json").status_code == 401
    got = client.get(f"/api/v1/returns/{first.get_json()['id']}", headers=headers).get_json()
    assert got["lines"] == [{"line_no": 1, "sku": "BOTTLE", "quantity": 1, "reason": "regret"}]
    assert client.get("/api/v1/returns/999", headers=headers).status_code == 404
    document = client.get("/api/v1/openapi.json", headers=headers).get_json()
    assert "/returns" in document["paths"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rma)) == 1


def test_the_returns_dock_restocks_one_unit_and_sends_the_other_to_quarantine(app, client, auth, shipped):
    with app.app_context():
        from wms.returns import rmas

        rma, _ = rmas.create_rma({"order_id": shipped["med"],
                                  "lines": [{"sku": "MED", "quantity": 2, "reason": "regret"}]})
        db.session.commit()
        rma_id = rma.id
    auth.login("worker")
    screen = client.get("/hh/returns/")
    assert screen.status_code == 200 and step(screen) == "find"
    refused = client.post("/hh/returns/", data={"scan": "NOPE\x00"}, headers=HX)
    assert refused.status_code == 422 and refused.headers["X-Scan-Result"] == "bad"
    screen = client.post("/hh/returns/", data={"scan": f"ORDER-{shipped['med']}"}, headers=HX)
    assert step(screen) == "unit" and f"RMA-{rma_id}" in text(screen)
    before = moves(app)
    lot_step = client.post(action(screen), data={"scan": MEDICINE_GTIN, "scan_id": "a1"}, headers=HX)
    assert step(lot_step) == "lot" and moves(app) == before  # the lot is asked; nothing moved yet
    condition = client.post(action(lot_step), data={**hidden(lot_step), "scan": "L-SOON", "scan_id": "a2"},
                            headers=HX)
    assert step(condition) == "condition" and condition.headers["X-Scan-Result"] == "ok"
    assert moves(app) == before + 1
    bad = client.post(action(condition), data={**hidden(condition), "scan": "9", "scan_id": "a3"}, headers=HX)
    assert bad.status_code == 422 and step(bad) == "condition"
    done = client.post(action(condition), data={**hidden(condition), "scan": "1", "scan_id": "a4"}, headers=HX)
    # An Anvisa-controlled product: the rules send it to quarantine without asking.
    assert step(done) == "unit" and "Q-01" in text(done) and done.headers["X-Scan-Result"] == "attention"
    # A bottle, not on this order but on the customer's other order: flagged; the worker says damaged → scrap.
    odd = client.post(action(done), data={"scan": BOTTLE_GTIN, "scan_id": "a5"}, headers=HX)
    assert step(odd) == "condition" and odd.headers["X-Scan-Result"] == "attention"
    assert f"shipped on another order of this customer: ORDER-{shipped['bottle']}" in text(odd)
    scrapped = client.post(action(odd), data={**hidden(odd), "scan": "3", "scan_id": "a6"}, headers=HX)
    assert "Scrap" in text(scrapped)
    closed = client.post(f"/hh/returns/{rma_id}/close", data={"scan_id": "a7"}, headers=HX)
    assert closed.status_code == 200 and step(closed) == "find"
    with app.app_context():
        units = list(db.session.scalars(select(ReturnUnit).order_by(ReturnUnit.id)))
        assert [(u.flag, u.disposition) for u in units] == [("ok", "quarantine"), ("another_order", "scrap")]
        assert [e.kind for e in events.pending()].count("return.received") == 1
        assert books_are_right()


def _dock_state(app) -> tuple:
    """What a scan at the returns dock could change: moves, returned units, lots, the RMA's status."""
    from wms.catalog.models import Lot

    with app.app_context():
        state = (db.session.scalar(select(func.count()).select_from(Move)),
                 db.session.scalar(select(func.count()).select_from(ReturnUnit)),
                 tuple(db.session.scalars(select(Lot.code).order_by(Lot.code))),
                 tuple(db.session.scalars(select(Rma.status).order_by(Rma.id))))
        db.session.remove()
    return state


def opened_return(app, client, auth, order_id: int, sku: str):
    """A return of one unit of `sku` from the shipped order, opened on the worker's handheld: its first screen."""
    with app.app_context():
        from wms.returns import rmas

        rma, _ = rmas.create_rma({"order_id": order_id, "lines": [{"sku": sku, "quantity": 1, "reason": "regret"}]})
        db.session.commit()
        rma_id = rma.id
    auth.login("worker")
    return client.post("/hh/returns/", data={"scan": f"RMA-{rma_id}"}, headers=HX)


def test_a_refused_lot_asks_the_same_units_lot_again_and_changes_nothing(app, client, auth, shipped):
    screen = opened_return(app, client, auth, shipped["med"], "MED")
    lot_step = client.post(action(screen), data={"scan": MEDICINE_GTIN, "scan_id": "c1"}, headers=HX)
    assert step(lot_step) == "lot" and hidden(lot_step) == {"raw": MEDICINE_GTIN}
    before = _dock_state(app)
    # MED keeps its expiry: a lot never seen here, typed without its GS1 expiry, is refused.
    bad = client.post(action(lot_step), data={**hidden(lot_step), "scan": "L-NEVER", "scan_id": "c2"}, headers=HX)
    assert bad.status_code == 422 and bad.headers["X-Scan-Result"] == "bad"
    assert step(bad) == "lot" and action(bad) == action(lot_step) and hidden(bad) == {"raw": MEDICINE_GTIN}
    page = text(bad)
    assert "Lot L-NEVER of MED was never here" in page  # the refusal, in red
    assert "MED is tracked by lot: scan or type the lot on the pack." in page  # and the same question
    assert _dock_state(app) == before
    # The same screen answers the right lot: the unit comes in once.
    good = client.post(action(bad), data={**hidden(bad), "scan": "L-SOON", "scan_id": "c3"}, headers=HX)
    assert good.status_code == 200 and step(good) == "condition"
    with app.app_context():
        units = list(db.session.scalars(select(ReturnUnit)))
        assert [(u.quantity, u.lot.code) for u in units] == [(1, "L-SOON")]
        assert books_are_right()


def test_restock_on_the_handheld_asks_for_the_put_away_bin(app, client, auth, shipped):
    screen = opened_return(app, client, auth, shipped["bottle"], "BOTTLE")
    condition = client.post(action(screen), data={"scan": BOTTLE_GTIN, "scan_id": "b1"}, headers=HX)
    choose = client.post(action(condition), data={**hidden(condition), "scan": "2", "scan_id": "b2"}, headers=HX)
    assert step(choose) == "disposition"
    where = client.post(action(choose), data={**hidden(choose), "scan": "1", "scan_id": "b3"}, headers=HX)
    assert step(where) == "location"
    suggested = re.search(r'id="suggested">([^<]+)<', text(where)).group(1)
    wrong = client.post(action(where), data={**hidden(where), "scan": "Q-01", "scan_id": "b4"}, headers=HX)
    assert wrong.status_code == 422 and step(wrong) == "location"
    done = client.post(action(where), data={**hidden(where), "scan": suggested, "scan_id": "b5"}, headers=HX)
    assert step(done) == "unit" and suggested in text(done) and done.headers["X-Scan-Result"] == "ok"
    with app.app_context():
        assert books_are_right()


def test_desk_board_reasons_csv_and_recall_trace(app, client, auth, shipped):
    auth.login("supervisor")
    response = client.post("/desk/returns/", data={"order_id": str(shipped["bottle"]), "sku0": "BOTTLE",
                                                   "quantity0": "1", "reason0": "defective"})
    assert response.status_code == 302
    refused = client.post("/desk/returns/", data={"order_id": "abc", "sku0": "BOTTLE", "quantity0": "99999999999"})
    assert refused.status_code == 422
    board = client.get("/desk/returns/")
    assert board.status_code == 200 and "RMA-1" in text(board)
    csv_text = client.get("/desk/returns/reasons?format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[1] == "BOTTLE;Garrafa 1 L;defective;site;1;1"
    with app.app_context():
        from wms.catalog.models import Lot

        lot_id = db.session.scalar(select(Lot.id).where(Lot.code == "L-SOON"))
    response = client.post("/desk/recalls/", data={"sku": "MED", "lot": "L-SOON", "risk_class": "II",
                                                    "reference": "ANVISA-1", "reason": "label error"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/recalls/lot/{lot_id}")
    page = text(client.get(f"/desk/recalls/lot/{lot_id}"))
    assert "recalled" in page and f'data-order="{shipped["med"]}"' in page
    assert f'data-order="{shipped["bottle"]}"' not in page
    csv_map = client.get(f"/desk/recalls/lot/{lot_id}/map.csv").get_data(as_text=True).splitlines()
    assert len(csv_map) == 2 and csv_map[1].endswith(f"ORDER-{shipped['med']};AA{shipped['med']:08d}9BR")
    assert client.get(f"/desk/recalls/lot/{lot_id}/map").status_code == 200
    assert client.get(f"/desk/recalls/lot/{lot_id}/history").status_code == 200
    assert client.get("/desk/recalls/lot/999999").status_code == 404
    bad = client.post("/desk/recalls/", data={"sku": "MED", "lot": "L-LATE", "risk_class": "V",
                                              "reference": "X", "reason": "y"})
    assert bad.status_code == 422
    auth.logout()
    auth.login("worker")
    assert client.get("/desk/recalls/").status_code == 403


def test_a_return_line_whose_reason_is_not_text_is_refused_naming_it(app, client, shipped):
    # schemathesis sent {"reason": {}}: a 500 ("unhashable type: 'dict'") before the API had its contract
    headers = {"Authorization": f"Bearer {shipped['token']}"}
    body = {"order_id": shipped["bottle"], "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": {"x": 1}}]}
    response = client.post("/api/v1/returns", json=body, headers=headers)
    assert response.status_code == 422 and "lines[0].reason" in response.get_json()["fields"]
    with app.app_context():
        from wms.returns import rmas

        with pytest.raises(rmas.RmaRejected) as refused:  # the desk's way in, without the API's contract
            rmas.create_rma(dict(body, lines=[{"sku": "BOTTLE", "quantity": 1, "reason": ["regret"]}]))
        assert "lines[0].reason" in refused.value.details["fields"]
        assert db.session.scalar(select(func.count()).select_from(Rma)) == 0


def test_returns_need_a_token_with_the_returns_scope(app, client, shipped):
    with app.app_context():
        token = auth_services.create_token("orders-only", "orders")
        db.session.remove()
    body = {"order_id": shipped["bottle"], "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}]}
    response = client.post("/api/v1/returns", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and "returns" in response.get_json()["error"]
    document = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert document["paths"]["/returns"]["post"]["x-scope"] == "returns"
    assert document["paths"]["/returns"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "required"] == ["lines"]
def test_the_return_label_prints_the_reverse_code_or_the_rma_from_desk_and_handheld(app, client, auth, shipped,
                                                                                      tmp_path):
    from tests.labels import render_and_decode
    from wms.printing import services as printing
    from wms.printing.models import PrintJob
    from wms.returns import rmas

    with app.app_context():
        printer = printing.create_printer("RETURNS-PRINTER", f"file://{tmp_path}")
        printing.assign_printer(None, None, printer.id)
        reverse, _ = rmas.create_rma({"order_id": shipped["bottle"], "reverse_code": "LR123456785BR",
                                      "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}]})
        own, _ = rmas.create_rma({"order_id": shipped["med"],
                                  "lines": [{"sku": "MED", "quantity": 1, "reason": "defective"}]})
        db.session.commit()
        reverse_id, own_id = reverse.id, own.id

    def queued() -> list[str]:
        with app.app_context():
            return [job.zpl for job in db.session.scalars(select(PrintJob).where(PrintJob.kind == "return")
                                                          .order_by(PrintJob.id))]

    auth.login("supervisor")
    assert 'id="print-label"' in text(client.get(f"/desk/returns/{reverse_id}"))
    response = client.post(f"/desk/returns/{reverse_id}/label")
    assert response.status_code == 302
    assert "LR123456785BR" in text(client.get(response.headers["Location"]))
    assert ("Code128", "LR123456785BR") in render_and_decode(queued()[-1])
    assert client.post("/desk/returns/999999/label").status_code == 404
    assert len(queued()) == 1
    auth.login("worker")
    screen = client.post("/hh/returns/", data={"scan": f"RMA-{own_id}"}, headers=HX)
    assert step(screen) == "unit" and f"/hh/returns/{own_id}/label" in screen.get_data(as_text=True)
    printed = client.post(f"/hh/returns/{own_id}/label", headers=HX)
    assert printed.status_code == 200 and printed.headers["X-Scan-Result"] == "ok"
    assert f"RMA-{own_id}" in text(printed)
    assert ("Code128", f"RMA-{own_id}") in render_and_decode(queued()[-1])
    assert client.post("/hh/returns/999999/label", headers=HX).status_code in (404, 409)
    assert len(queued()) == 2


def test_the_supervisor_edits_the_disposition_rules_and_the_dock_follows_them(app, client, auth, shipped):
    from wms.returns import dock, rmas
    from wms.returns.models import DispositionRule

    auth.login("worker")
    assert client.get("/desk/returns/rules").status_code in (302, 403)
    assert client.post("/desk/returns/rules", data={"condition": "opened", "anvisa": "no",
                                                    "disposition": "scrap"}).status_code in (302, 403)
    auth.login("supervisor")
    page = text(client.get("/desk/returns/rules"))
    assert "RDC 430" in page and "<td>Damaged</td><td>any</td><td>either</td><td>Scrap</td>" in page
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(DispositionRule))  # seeded or built in
    for bad in ({"condition": "wet", "disposition": "scrap"}, {"condition": "opened", "category": "guns"},
                {"condition": "opened", "anvisa": "maybe"}, {"condition": "opened", "disposition": "burn\x00"}):
        assert client.post("/desk/returns/rules", data=bad).status_code in (400, 422)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DispositionRule)) == before
    # Opened, not controlled → scrap; a sealed medicine → restock is refused by the floor (quarantine stays).
    assert client.post("/desk/returns/rules", data={"condition": "opened", "category": "", "anvisa": "no",
                                                    "disposition": "scrap"}).status_code == 302
    assert client.post("/desk/returns/rules", data={"condition": "sealed", "category": "medicine",
                                                    "anvisa": "yes", "disposition": "restock"}).status_code == 302
    with app.app_context():
        rules_kept = {(r.condition, r.category, r.anvisa_controlled): r.disposition
                      for r in db.session.scalars(select(DispositionRule))}
        assert rules_kept == {("damaged", None, None): "scrap", ("sealed", None, True): "quarantine",
                              ("opened", None, True): "quarantine", ("opened", None, False): "scrap",
                              ("sealed", "medicine", True): "restock"}
        rma, _ = rmas.create_rma({"order_id": shipped["bottle"],
                                  "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}]})
        med_rma, _ = rmas.create_rma({"order_id": shipped["med"],
                                      "lines": [{"sku": "MED", "quantity": 1, "reason": "regret"}]})
        db.session.commit()
        bottle = dock.receive_unit(rma.id, BOTTLE_GTIN, user_id=None)
        assert dock.inspect_unit(bottle["unit_id"], condition="opened", user_id=None)["disposition"] == "scrap"
        med = dock.receive_unit(med_rma.id, MEDICINE_GTIN, lot_code="L-SOON", user_id=None)
        assert dock.inspect_unit(med["unit_id"], condition="sealed", user_id=None)["disposition"] == "quarantine"
        db.session.commit()
        rule_id = db.session.scalar(select(DispositionRule.id).where(DispositionRule.condition == "opened",
                                                                     DispositionRule.anvisa_controlled.is_(False)))
    assert client.post(f"/desk/returns/rules/{rule_id}/delete").status_code == 302
    assert client.post("/desk/returns/rules/999999/delete").status_code == 404
    with app.app_context():
        assert db.session.get(DispositionRule, rule_id) is None
