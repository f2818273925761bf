"""In a real browser: an admin adds a webhook endpoint (its secret is shown once), an event is delivered,
refused once by the receiver, and the desk shows it retried and then delivered."""
import re

from playwright.sync_api import expect

from tests.integration.test_webhooks_delivery import Receiver, emit, time_passes
from wms import worker
from wms.extensions import db


def admin_login(page):
    page.goto("/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin")
    page.click("button[type=submit], form button")
    page.wait_for_url("**/desk")


def test_an_admin_adds_an_endpoint_and_sees_a_delivery_retried_then_delivered(desk, app, users):
    with Receiver(answers=[500]) as receiver:
        admin_login(desk)
        desk.goto("/desk/integration/webhooks")
        desk.fill("input[name=url]", receiver.url)
        desk.fill("input[name=description]", "Loja")
        desk.check("input[name=events][value='order.shipped']")
        desk.click("text=Add endpoint")
        expect(desk.locator("h1")).to_have_text("Endpoint added")
        secret = desk.locator("[data-secret]").inner_text().strip()
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]{40,}", secret)
        receiver.secret = secret

        with app.app_context():
            event_id = emit("order.shipped", order_id=9, channel="site",
                            shipments=[{"tracking_code": "AA123456785BR"}])
            worker.run_once()
            db.session.remove()
        desk.click("text=See its deliveries")
        row = desk.locator(f"tr[data-event='{event_id}']")
        expect(row.locator(".status-pill")).to_have_text("waiting")
        expect(row.locator("[data-attempts]")).to_have_text("1")
        expect(row).to_contain_text("500")
        assert "whsec_" not in desk.content()  # shown once only

        with app.app_context():
            time_passes(seconds=10)
            worker.run_once()
            db.session.remove()
        desk.reload()
        expect(row.locator(".status-pill")).to_have_text("delivered")
        expect(row.locator("[data-attempts]")).to_have_text("2")

        # "Send again" delivers it once more with the same webhook-id.
        row.locator("text=Send again").click()
        expect(desk.locator(".flash")).to_contain_text("same webhook-id")
        with app.app_context():
            worker.run_once()
            db.session.remove()
        desk.reload()
        expect(row.locator(".status-pill")).to_have_text("delivered")
    assert receiver.ids() == [str(event_id)] * 3
    assert receiver.accepted == [str(event_id)] * 2
    assert all(isinstance(r["verified"], dict) for r in receiver.requests)
