"""The supervisors' order screens: list with filters, an order's lines, allocations, picks and history, holds,
manual release, cancel, and the channels' shelf-life rules."""
import html
import re

import pytest
from sqlalchemy import select

from tests.picking_helpers import books_are_right, stocked_world, take
from wms.errors import DomainError
from wms.extensions import db
from wms.inventory import services as inventory
from wms.locations import services as locations
from wms.locations.models import LocationKind
from wms.orders.models import ChannelRule, Order
from wms.picking import allocation, waves


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def desk(app, auth):
    with app.app_context():
        stocked_world()
        ids = {
            "paid": take([("MED", 3)], channel_order_id="SITE-1", promised_days=1),
            "waiting": take([("MED", 1)], channel_order_id="SHOP-2", channel="shop", payment_status="pending",
                            customer={"name": "João Pereira"}),
            "short": take([("BOTTLE", 60)], channel_order_id="MKT-3", channel="marketplace", promised_days=5),
        }
        db.session.remove()
    auth.login("supervisor")
    return ids


def status(app, order_id) -> str:
    with app.app_context():
        return db.session.get(Order, order_id).status


def test_the_list_filters_by_status_channel_and_promised_date(client, desk):
    page = text(client.get("/desk/orders/"))
    assert "SITE-1" in page and "SHOP-2" in page and "MKT-3" in page
    assert "Orders" in page and "Channel rules" in page  # navigation
    only_waiting = text(client.get("/desk/orders/?status=awaiting_payment"))
    assert "SHOP-2" in only_waiting and "SITE-1" not in only_waiting
    marketplace = text(client.get("/desk/orders/?channel=marketplace"))
    assert "MKT-3" in marketplace and "SITE-1" not in marketplace
    from wms import clock

    soon = (clock.today()).isoformat()
    later = text(client.get(f"/desk/orders/?promised_from={soon}&promised_to=2999-01-01&q=mkt"))
    assert "MKT-3" in later and "SITE-1" not in later
    assert "João Pereira" in text(client.get("/desk/orders/?q=jo%C3%A3o"))


def test_the_order_page_shows_lines_allocations_back_orders_and_history(client, desk):
    page = text(client.get(f"/desk/orders/{desk['short']}"))
    assert "48 units are back-ordered" not in page  # 60 wanted, 48 bottles in stock
    assert "12 units are back-ordered" in page
    assert "A-01-04-1" in page and "A-02-05-2" in page  # where the 48 are reserved
    assert "taken from the channel" in page and "stock reserved" in page
    assert "180 days" not in page
    assert client.get("/desk/orders/424242").status_code == 404


def test_manual_release_hold_and_cancel(app, client, desk):
    response = client.post(f"/desk/orders/{desk['waiting']}/release", data={"note": "Pix confirmed by phone"})
    assert response.status_code == 302
    assert status(app, desk["waiting"]) == "allocated"
    page = text(client.get(f"/desk/orders/{desk['waiting']}"))
    assert "released" in page and "Pix confirmed by phone" in page
    assert client.post(f"/desk/orders/{desk['paid']}/hold", data={"reason": ""}).status_code == 302
    assert "Say why" in text(client.get(f"/desk/orders/{desk['paid']}"))
    client.post(f"/desk/orders/{desk['paid']}/hold", data={"reason": "fraud check"})
    with app.app_context():
        assert db.session.get(Order, desk["paid"]).on_hold
        with pytest.raises(DomainError):  # a held order is not waved
            waves.build_wave(order_ids=[desk["paid"]], max_orders=1, user_id=None)
    client.post(f"/desk/orders/{desk['paid']}/unhold")
    client.post(f"/desk/orders/{desk['paid']}/cancel", data={"reason": "customer asked"})
    assert status(app, desk["paid"]) == "cancelled"
    with app.app_context():
        assert books_are_right()


def test_allocate_back_orders_from_the_desk(app, client, desk):
    with app.app_context():
        bin_ = locations.by_code("A-01-05-2")
        inventory.apply_move(product=db.session.get(Order, desk["short"]).lines[0].product, lot=None,
                             source=locations.virtual_location(bin_.warehouse_id, LocationKind.SUPPLIER),
                             target=bin_, quantity=20, reason="receipt", user_id=None)
        db.session.commit()
        db.session.remove()
    response = client.post("/desk/orders/allocate-backorders", follow_redirects=True)
    assert "1 got more stock" in text(response)
    assert status(app, desk["short"]) == "allocated"


def test_channel_rules_are_set_on_the_desk_and_used_by_allocation(app, client, desk):
    page = text(client.get("/desk/orders/channel-rules"))
    assert "No channel rule yet" in page
    bad = client.post("/desk/orders/channel-rules", data={"channel": "marketplace", "category": "cosmetic",
                                                          "days": "-5"})
    assert bad.status_code == 422 and "whole number of days" in text(bad)
    ok = client.post("/desk/orders/channel-rules", data={"channel": "marketplace", "category": "medicine",
                                                         "days": "180"}, follow_redirects=True)
    assert "180 days" in text(ok)
    client.post("/desk/orders/channel-rules", data={"channel": "marketplace", "category": "medicine", "days": "200"})
    with app.app_context():
        rules = db.session.scalars(select(ChannelRule)).all()
        assert [(r.channel, r.category, r.min_shelf_life_days) for r in rules] == [("marketplace", "medicine", 200)]
        order_id = take([("MED", 2)], channel="marketplace")
        line = db.session.get(Order, order_id).lines[0]
        assert allocation.line_min_shelf_life(line, line.order) == 200
        rule_id = rules[0].id
        db.session.remove()
    client.post(f"/desk/orders/channel-rules/{rule_id}/delete")
    with app.app_context():
        assert db.session.scalar(select(ChannelRule)) is None


def test_workers_do_not_see_the_order_desk(client, app, users):
    client.post("/login", data={"username": "worker", "password": "worker"})
    assert client.get("/desk/orders/").status_code == 403
    assert client.get("/desk/waves/").status_code == 403


def _late_first_world():
    """Three orders promised tomorrow: LOGGI-LATE (taken first) goes with a carrier that collects only on today's
    weekday at midnight, so its ship-by time (today 00:00) has passed; the two others have the default cut-off."""
    from datetime import time

    from wms import clock
    from wms.board.models import CarrierCutoff

    db.session.add(CarrierCutoff(carrier="loggi", service="", weekday=clock.today().weekday(), cutoff=time(0, 0)))
    db.session.commit()
    return {"late": take([("MED", 1)], channel_order_id="LOGGI-LATE", carrier="loggi", promised_days=1),
            "on_track": take([("MED", 1)], channel_order_id="ON-TRACK", promised_days=1)}


def test_the_list_shows_late_orders_first_whatever_their_promised_date(app, client, desk):
    """Issue 15: orders at risk are listed first everywhere (they came after newer orders of the same date)."""
    with app.app_context():
        _late_first_world()
    page = text(client.get("/desk/orders/"))
    rows = re.findall(r'data-order="([^"]+)"(?: data-risk="(\w+)")?>', page)
    assert rows[0] == ("LOGGI-LATE", "late")
    assert ("ON-TRACK", "") in rows[1:]
    assert "late</span>" in page
    filtered = re.findall(r'data-order="([^"]+)"', text(client.get("/desk/orders/?q=o")))
    assert filtered[0] == "LOGGI-LATE"  # "o" matches both, and a filter keeps the order


def test_the_list_pages_by_fifty_with_the_desk_pager_keeping_the_filters(app, client, desk):
    with app.app_context():
        for n in range(52):
            take([("BOTTLE", 1)], channel_order_id=f"PAGED-{n:02d}", channel="shop", payment_status="pending")
        db.session.remove()
    first = text(client.get("/desk/orders/?channel=shop"))  # 53 shop orders: these 52 and SHOP-2
    assert "Page 1 of 2" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next"', first).group(1)
    assert "channel=shop" in next_link and "page=2" in next_link
    second = text(client.get(next_link))
    assert "Page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    on_first, on_second = (set(re.findall(r"(?:PAGED-\d\d|SHOP-2)\b", page)) for page in (first, second))
    assert len(on_first) == 50 and len(on_second) == 3 and not on_first & on_second
    assert "SITE-1" not in first + second
    assert "Page 2 of 2" in text(client.get("/desk/orders/?channel=shop&page=99"))  # past the end: the last page
