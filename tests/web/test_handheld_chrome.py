"""The handheld's frame: errors keep the handheld layout, a big way back to the menu, an icon for every page."""


def test_a_404_under_the_handheld_keeps_the_handheld_layout(client, auth):
    auth.login("worker")
    response = client.get("/hh/no-such-screen")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'class="hh"' in body and "css/handheld.css" in body and "css/desk.css" not in body
    assert "/hh/" in body  # the way back to the menu


def test_a_404_on_the_desk_keeps_the_desk_layout(client, auth):
    auth.login("supervisor")
    body = client.get("/desk/no-such-page").get_data(as_text=True)
    assert "css/desk.css" in body and 'class="hh"' not in body


def test_the_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_the_menu_button_is_a_big_labelled_target(client, auth):
    auth.login("worker")
    body = client.get("/hh/").get_data(as_text=True)
    assert 'class="status-home"' in body and "Menu</a>" in body and 'data-menu-url="/hh/"' in body
