"""What a person does at the login screens, in a real browser."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import hh_login, scan, wait_feedback, wait_until


def test_handheld_login_badge_then_pin_with_a_wrong_pin(handheld, users):
    page = handheld
    page.goto("/hh/login")
    scan_input = page.locator("input[name=scan]")
    expect(scan_input).to_be_focused()
    scan(page, "BADGE-W1")
    pin = page.locator("input[name=pin]")
    expect(pin).to_be_focused()
    assert wait_feedback(page, 1) == "ok"
    scan(page, "9999")
    expect(page.locator(".error")).to_contain_text("Wrong badge or PIN")
    assert wait_feedback(page, 2) == "bad"
    assert page.evaluate("document.body.dataset.feedback") == "bad"
    expect(page.locator("input[name=pin]")).to_be_focused()
    scan(page, "1111")
    page.wait_for_url("**/hh/")
    expect(page.locator(".status-user")).to_contain_text("worker")
    expect(page.locator("input[name=scan]")).to_be_focused()
    # the screen fits a 360 px handheld: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_desk_login_at_desktop_size(desk, users):
    page = desk
    page.goto("/desk")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("Wrong username or password")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "supervisor")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")
    expect(page.locator("h1")).to_contain_text("Good day")


def test_session_expiry_on_a_handheld_sends_the_worker_to_login(handheld, users):
    page = handheld
    hh_login(page)
    # the menu is in and htmx has wired it (a scan typed before that would go nowhere)
    wait_until(page, "document.querySelector('input.scan-input') && window.htmx"
                     " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.context.clear_cookies()  # the session is gone (expired, server restarted with a new key...)
    scan(page, "1")
    page.wait_for_url(lambda url: "/hh/login" in url, timeout=15_000)  # with or without a query string
    expect(page.locator("h1")).to_contain_text("Scan your badge")
    assert page.locator("#screen #screen").count() == 0  # no login page swapped inside a fragment


def test_language_switch(desk, users):
    page = desk
    page.goto("/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "supervisor")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")
    page.select_option("select[name=locale]", "pt_BR")
    expect(page.locator("h1")).to_contain_text("Bom dia")
    page.select_option("select[name=locale]", "en")
    expect(page.locator("h1")).to_contain_text("Good day")


def test_worker_is_refused_a_supervisor_page(handheld, users):
    page = handheld
    hh_login(page)
    response = page.goto("/desk")
    assert response.status == 403
    expect(page.locator(".error")).to_contain_text("role does not allow")


def test_another_badge_keeps_the_status_bar(handheld, users):
    """Issue 11 (auth template): "Another badge" goes back to the badge scan inside the screen; the status bar
    stays (it used to swap the whole body for the screen alone)."""
    page = handheld
    page.goto("/hh/login")
    scan(page, "BADGE-W1")
    expect(page.locator("input[name=pin]")).to_be_focused()
    expect(page.locator("h1")).not_to_contain_text("worker")  # no name before the PIN
    page.get_by_role("button", name="Another badge").click()
    # the badge input is back and has the focus (a scanner types into whatever has it: a scan sent before the
    # swap settled would go nowhere)
    expect(page.locator("input[name=scan]")).to_be_focused()
    expect(page.locator("header.status")).to_be_visible()
    assert page.locator("#screen").count() == 1
    scan(page, "BADGE-W1")
    expect(page.locator("input[name=pin]")).to_be_focused()
