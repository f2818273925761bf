"""The supervisor's home shows what needs attention, with links to fix it."""
from tests.factories import build_world, receive
from wms.inventory import services as inventory


def test_home_counts_what_needs_attention(app, auth, client, users):
    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-2", 50)
        inventory.adjust_stock(location_id=world.loc["A-01-01-2"].id, product_id=world.products["BOTTLE"].id,
                               lot_id=None, delta=-40, reason="lost", user_id=users["worker"])
        receive(world, "MED", "A-01-01-2", 5, "L-SOON")
    auth.login("supervisor")
    html = client.get("/desk").get_data(as_text=True)
    assert '<span class="tile-count">1</span> adjustments awaiting approval' in html
    assert '<span class="tile-count">1</span> lots with stock expiring within 30 days' in html
    assert 'href="/desk/printing/jobs?status=failed"' in html
