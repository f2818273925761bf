"""The supervisor's home shows what needs attention, with links to fix it."""
import re

import pytest

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
    assert '<span class="tile-count">1</span> adjustment awaiting approval' in html
    assert '<span class="tile-count">1</span> lot with stock expiring within 30 days' in html
    assert 'href="/desk/printing/jobs?status=failed"' in html


def _navigation_links(page: str) -> list[str]:
    nav = page[page.index('<nav class="topnav">'):page.index("</nav>")]
    return re.findall(r'<a href="([^"]+)"', nav)


@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_the_desk_menus_only_link_pages_the_user_may_open(auth, client, username):
    """Issue 15: the Setup menu showed a supervisor the admin-only pages (people, audit trail, API tokens,
    webhooks), each answering 403."""
    auth.login(username)
    links = _navigation_links(client.get("/desk").get_data(as_text=True))
    assert links
    for link in links:
        assert client.get(link).status_code != 403, link
    admin_pages = {"/desk/admin/people", "/desk/api-tokens", "/desk/integration/webhooks"}
    shown = {link.split("?")[0].rstrip("/") for link in links}
    if username == "supervisor":
        assert not admin_pages & shown
    else:
        assert admin_pages <= shown
