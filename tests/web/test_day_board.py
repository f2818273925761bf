"""The supervisor's day board: orders at risk of missing their carrier first, the work by stage, charts drawn as
SVG, the cut-off table, the warehouse map and a wave's walk."""
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import receive
from tests.picking_helpers import stocked_world, take
from wms import clock
from wms.board import queries
from wms.board.models import CarrierCutoff, CarrierHoliday
from wms.extensions import db
from wms.orders.models import Order
from wms.picking import waves as picking_waves
from wms.shipping.demo import load_shipping
from wms.shipping.models import Shipment


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start:page.index("</section>", start)]


def bars(svg_html: str) -> list[tuple[str, str]]:
    return re.findall(r'<g class="bar" data-label="([^"]*)" data-value="([^"]*)">', svg_html)


@pytest.fixture
def orders(app, users):
    with app.app_context():
        world = stocked_world()
        load_shipping()  # the carriers and services the cut-offs name
        ids = {
            "tomorrow": take([("BOTTLE", 1)], carrier="loggi", promised_days=1, channel_order_id="TOMORROW"),
            "late": take([("MED", 2)], carrier="correios", promised_days=-1, channel_order_id="LATE-1"),
            "today": take([("BOTTLE", 2)], carrier="jadlog", promised_days=0, channel_order_id="TODAY-1"),
        }
        ids["world"] = world.warehouse.id
        db.session.remove()
    return ids


def test_the_board_lists_a_late_order_first_and_leaves_orders_on_track_out(app, auth, client, orders):
    auth.login("supervisor")
    # jadlog collects at 23:59 every day: the order promised today is due today (or at risk late in the evening).
    client.post("/desk/board/cutoffs", data={"carrier": "jadlog", "weekday": [str(d) for d in range(7)],
                                             "at": "23:59"})
    page = text(client.get("/desk"))
    at_risk = section(page, "at-risk")
    rows = re.findall(r'<tr class="risk-(\w+)" data-order="([^"]+)">', at_risk)
    assert rows[0] == ("late", "LATE-1")
    assert rows[1][1] == "TODAY-1" and rows[1][0] in ("due_today", "at_risk")
    assert "TOMORROW" not in at_risk


def test_the_work_by_stage_counts_orders_and_units_and_links_to_the_list(app, auth, client, orders):
    auth.login("supervisor")
    stages = section(text(client.get("/desk")), "stages")
    allocated = re.search(r'<a href="([^"]+)" data-stage="allocated"><strong>(\d+)</strong>', stages)
    assert allocated.group(1) == "/desk/orders/?status=allocated"
    assert allocated.group(2) == "3"
    assert "5 units" in stages


def test_charts_have_one_bar_per_day_and_per_month(app, auth, client, users):
    with app.app_context():
        world = stocked_world()  # MED L-SOON (30 days) has stock; L-LATE expires in 400 days
        receive(world, "MED", "A-01-03-1", 3, "L-OLD")  # already expired: not in the months ahead
        db.session.remove()
    auth.login("supervisor")
    page = text(client.get("/desk"))
    assert len(bars(section(page, "chart-shipped"))) == 30
    expiring = bars(section(page, "chart-expiring"))
    assert len(expiring) == 12
    month = (clock.today() + timedelta(days=30)).strftime("%m/%y")
    assert (month, "1") in expiring and sum(int(v) for _, v in expiring) == 1
    assert len(bars(section(page, "chart-problems"))) == 12


def test_the_live_part_is_polled_every_30_seconds(app, auth, client, orders):
    auth.login("supervisor")
    live = client.get("/desk/board/live", headers={"HX-Request": "true"})
    body = text(live)
    assert live.status_code == 200 and body.lstrip().startswith('<div id="board-live"')
    assert 'hx-trigger="every 30s"' in body and "LATE-1" in body
    assert "<html" not in body
    assert client.get("/desk/board/live").status_code == 302


def test_cutoffs_are_set_replaced_and_removed_and_bad_input_changes_nothing(app, auth, client, users):
    with app.app_context():
        stocked_world()
        load_shipping()
        db.session.commit()
    auth.login("supervisor")
    form = text(client.get("/desk/board/cutoffs"))
    # Issue 15: the choices are the shipping area's carriers and service codes.
    assert '<option value="correios"' in form and '<option value="jadlog"' in form
    assert '<option value="03220"' in form and "SEDEX (03220)" in form
    assert client.post("/desk/board/cutoffs", data={"carrier": "Correios", "service": "03220",
                                                    "weekday": ["0", "1"], "at": "16:30"}).status_code == 302
    assert client.post("/desk/board/cutoffs", data={"carrier": "correios", "service": "sedex",
                                                    "weekday": ["1"], "at": "17:00"}).status_code == 302
    unknown = client.post("/desk/board/cutoffs", data={"carrier": "x", "weekday": ["0"], "at": "10:00"})
    assert unknown.status_code == 422 and "shipping setup" in text(unknown)
    not_its = client.post("/desk/board/cutoffs", data={"carrier": "jadlog", "service": "03220", "weekday": ["0"],
                                                       "at": "10:00"})
    assert not_its.status_code == 422 and "Jadlog has no service 03220" in text(not_its)
    bad_time = client.post("/desk/board/cutoffs", data={"carrier": "correios", "weekday": ["0"], "at": "25:99"})
    assert bad_time.status_code == 422 and "e.g. 16:30" in text(bad_time)
    no_day = client.post("/desk/board/cutoffs", data={"carrier": "correios", "weekday": ["9"], "at": "10:00"})
    assert no_day.status_code == 422 and "at least one weekday" in text(no_day)
    with app.app_context():
        rows = db.session.execute(select(CarrierCutoff.carrier, CarrierCutoff.service, CarrierCutoff.weekday,
                                         CarrierCutoff.cutoff).order_by(CarrierCutoff.weekday)).all()
        assert [(c, s, d, t.strftime("%H:%M")) for c, s, d, t in rows] == [
            ("correios", "03220", 0, "16:30"), ("correios", "03220", 1, "17:00")]
        first = db.session.scalar(select(CarrierCutoff.id).order_by(CarrierCutoff.id))
    assert 'data-carrier="correios" data-service="03220"' in text(client.get("/desk/board/cutoffs"))
    assert client.post(f"/desk/board/cutoffs/{first}/delete").status_code == 302
    assert client.post(f"/desk/board/cutoffs/{first}/delete").status_code == 404
    day = (clock.today() + timedelta(days=3)).isoformat()
    assert client.post("/desk/board/holidays", data={"on": day, "name": "Carnaval"}).status_code == 302
    again = client.post("/desk/board/holidays", data={"on": day})
    assert again.status_code == 422 and "already a day without collection" in text(again)
    assert client.post("/desk/board/holidays", data={"on": "not a day"}).status_code == 422
    assert "Carnaval" in text(client.get("/desk/board/cutoffs"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarrierCutoff)) == 1
        assert db.session.scalar(select(func.count()).select_from(CarrierHoliday)) == 1


def test_a_holiday_moves_the_ship_by_time_and_makes_an_order_late(app, auth, client, orders):
    auth.login("supervisor")
    client.post("/desk/board/cutoffs", data={"carrier": "jadlog", "weekday": [str(d) for d in range(7)],
                                             "at": "23:59"})
    client.post("/desk/board/holidays", data={"on": clock.today().isoformat(), "carrier": "jadlog"})
    rows = re.findall(r'<tr class="risk-(\w+)" data-order="([^"]+)">', section(text(client.get("/desk")), "at-risk"))
    assert ("late", "TODAY-1") in rows


def test_a_services_cut_off_applies_to_orders_naming_the_service_by_its_name(app, auth, client, orders):
    """The cut-off is kept by the service's code (03220); the store names the service SEDEX."""
    with app.app_context():
        take([("BOTTLE", 1)], carrier="correios", service_level="SEDEX", promised_days=1, channel_order_id="SEDEX-1")
        db.session.remove()
    auth.login("supervisor")
    # SEDEX collects only on today's weekday, at midnight: an order promised tomorrow had to leave today 00:00.
    assert client.post("/desk/board/cutoffs", data={"carrier": "correios", "service": "03220", "at": "00:00",
                                                    "weekday": [str(clock.today().weekday())]}).status_code == 302
    rows = re.findall(r'<tr class="risk-(\w+)" data-order="([^"]+)">', section(text(client.get("/desk")), "at-risk"))
    assert ("late", "SEDEX-1") in rows


def test_packed_and_shipped_figures_read_the_shipping_dates(app, auth, client, orders):
    """Issue 15: the board counted packed/shipped orders promised today (an estimate); now the orders whose
    shipment was packed / shipped today, and the chart counts shipments by their shipped day."""
    now = queries.now()
    with app.app_context():
        # TOMORROW was shipped just now (promised tomorrow); TODAY-1 was packed two days ago (promised today).
        # TOMORROW packed an hour ago, or at midnight in the first hour of the warehouse's day: today all the same.
        packed_today = max(now - timedelta(hours=1), queries.day_bounds(clock.today())[0])
        tomorrow, today_order = db.session.get(Order, orders["tomorrow"]), db.session.get(Order, orders["today"])
        tomorrow.status, today_order.status = "shipped", "packed"
        db.session.add_all([
            Shipment(order_id=tomorrow.id, carrier="loggi", service="X", packed_at=packed_today,
                     shipped_at=now),
            Shipment(order_id=today_order.id, carrier="jadlog", service="PACKAGE",
                     packed_at=now - timedelta(days=2))])
        db.session.commit()
        db.session.remove()
    auth.login("supervisor")
    page = text(client.get("/desk"))
    stages = section(page, "stages")
    figures = dict(re.findall(r'data-stage="(\w+)"><strong>(\d+)</strong>', stages))
    assert figures["shipped"] == "1" and figures["packed"] == "1"  # TOMORROW: packed and shipped today
    shipped = bars(section(page, "chart-shipped"))
    assert shipped[-1] == (clock.today().strftime("%d/%m"), "1")
    assert sum(int(value) for _label, value in shipped) == 1


def test_the_map_colours_bays_by_expiry_finds_a_lot_and_shows_a_bays_bins(app, auth, client, users):
    """Issue 15: one cell per aisle × bay (50,000 bins were 2 s of drawing); a click shows the bay's bins."""
    with app.app_context():
        world = stocked_world()
        receive(world, "MED", "A-01-03-1", 3, "L-OLD")
        receive(world, "BOTTLE", "A-01-03-2", 4)
        db.session.remove()
    auth.login("supervisor")
    page = text(client.get("/desk/board/map?mode=expiry&q=l-old"))
    cells = re.findall(r'<g class="bay [^"]*" data-aisle="(\d+)" data-bay="(\d+)"', page)
    assert len(cells) == len(set(cells)), "one cell per bay, whatever its levels"
    assert 'data-aisle="1" data-bay="3" data-band="expired"' in page
    assert 'data-aisle="1" data-bay="2" data-band="within-30"' in page
    assert 'data-aisle="2" data-bay="5" data-band="no-expiry"' in page
    assert re.search(r'class="bay band-expired found" data-aisle="1" data-bay="3"', page)
    assert len(re.findall(r'class="bay [^"]*found"', page)) == 1
    assert "1 bin holds l-old" in page
    assert 'hx-get="/desk/board/map/bays/1/3"' in page
    detail = text(client.get("/desk/board/map/bays/1/3", headers={"HX-Request": "true"}))
    assert "L-OLD" in detail and "A-01-03-1" in detail and "A-01-03-2" in detail and "BOTTLE" in detail
    assert client.get("/desk/board/map/bays/99/99").status_code == 404
    fill = text(client.get("/desk/board/map?mode=nonsense"))
    assert 'data-mode="fill"' in fill
    assert re.search(r'data-aisle="1" data-bay="3" data-band="(low|half|full)"', fill)


def test_a_waves_walk_is_drawn_beside_the_s_shape_with_both_distances(app, auth, client, users):
    with app.app_context():
        stocked_world()
        ids = [take([("MED", 12)]), take([("BOTTLE", 10)])]  # reaches into reserve across both aisles
        wave = picking_waves.build_wave(order_ids=ids, max_orders=2, user_id=None)
        wave_id, planned = wave.id, wave.planned_distance_m
        db.session.remove()
    auth.login("supervisor")
    page = text(client.get(f"/desk/board/map/waves/{wave_id}"))
    planned_m = float(re.search(r'id="planned-walk">\s*<h2>[^<]*<span class="distance">([\d.]+) m', page).group(1))
    s_shape_m = float(re.search(r'id="s-shape-walk">\s*<h2>[^<]*<span class="distance">([\d.]+) m', page).group(1))
    assert planned_m == pytest.approx(planned, abs=0.1)
    assert planned_m <= s_shape_m
    assert page.count('class="walk"') == 2 and page.count('class="route"') == 2
    assert client.get("/desk/board/map/waves/999999").status_code == 404


def test_workers_do_not_see_the_board(app, auth, client, users):
    auth.login("worker")
    assert client.get("/desk/board/map").status_code == 403
    assert client.get("/desk/board/cutoffs").status_code == 403
