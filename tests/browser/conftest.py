"""Browser tests: Debian's Chromium driven by Playwright against the app served on 127.0.0.1."""
import os
import shutil
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import live_server, make_app

CHROMIUM = os.environ.get("WMS_CHROMIUM", "/usr/bin/chromium")
HANDHELD = {"width": 360, "height": 640}
DESK = {"width": 1280, "height": 800}
RED = "rgb(193, 18, 31)"  # the handheld's error colour


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture(scope="session")
def live_app(app, database_url, tmp_path_factory):
    """The same database as `app`, with CSRF on, as a real deployment runs."""
    return make_app(database_url, str(tmp_path_factory.mktemp("live")), WTF_CSRF_ENABLED=True)


@pytest.fixture(scope="session")
def base_url(live_app):
    with live_server(live_app) as url:
        yield url


@pytest.fixture
def handheld(browser, base_url):
    context = browser.new_context(viewport=HANDHELD, base_url=base_url, locale="en-US", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    yield page
    context.close()


@pytest.fixture
def desk(browser, base_url):
    context = browser.new_context(viewport=DESK, base_url=base_url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(8000)
    yield page
    context.close()


def scan(page, text: str) -> None:
    """What a keyboard-wedge scanner does: type into the focused input and press Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def last_feedback(page) -> str | None:
    return page.evaluate("window.wmsFeedback.length ? window.wmsFeedback[window.wmsFeedback.length - 1] : null")


def wait_until(page, expression: str, timeout: float = 8.0) -> None:
    """Wait until a JavaScript expression is true. Playwright's wait_for_function evaluates its predicate with
    eval(), which the app's Content Security Policy (script-src 'self') forbids, so poll from here instead."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout}s: {expression}")
        page.wait_for_timeout(20)


def wait_feedback(page, count: int) -> str:
    wait_until(page, f"window.wmsFeedback && window.wmsFeedback.length >= {count}")
    return last_feedback(page)


def scan_answer(page, code: str) -> str:
    """Scan one code and wait for the handheld's answer to it: "ok", "attention" or "bad"."""
    before = page.evaluate("window.wmsFeedback.length")
    scan(page, code)
    return wait_feedback(page, before + 1)


def refused_in_red(page, message: str) -> None:
    """The last answer was the error: its sound, and the message in red on the screen."""
    assert page.evaluate("document.body.dataset.feedback") == "bad"
    error = page.locator("#screen .error")
    expect(error).to_contain_text(message)
    assert error.evaluate("e => getComputedStyle(e).backgroundColor") == RED


class Scanner:
    """Scans and waits for the handheld's sound each time (good or bad), like a worker listening: before each
    scan, the answer's fresh, empty input has the focus, so the scanner may type."""

    def __init__(self, page):
        self.page, self.count = page, page.evaluate("window.wmsFeedback.length")

    def __call__(self, code: str, expect_result: str = "ok") -> None:
        wait_until(self.page, "document.activeElement && document.activeElement.matches('input.scan-input')"
                              " && document.activeElement.value === ''")
        scan(self.page, code)
        self.count += 1
        assert wait_feedback(self.page, self.count) == expect_result, self.page.inner_text("#screen")


def hh_login(page, badge="BADGE-W1", pin="1111") -> None:
    page.goto("/hh/login")
    scan(page, badge)
    page.wait_for_selector("input[name=pin]")
    scan(page, pin)
    page.wait_for_url("**/hh/")


def click_refused_by_the_browser(page, target) -> None:
    """Click a submit button the browser must refuse (an empty required field): wait until the network is
    quiet, so a request that was sent after all has had its answer before the test checks the database,
    and assert that no form was posted."""
    posted: list[str] = []

    def remember(request) -> None:
        if request.method != "GET":
            posted.append(request.url)

    page.on("request", remember)
    try:
        target.click()
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("request", remember)
    assert posted == [], f"the browser sent {posted}"


# An image drawn into a canvas `scale` times its natural size on white, read back as one grey byte per pixel
# (base64): what zxing decodes as a scanner would. Given an element that is not an <img>, its first inline SVG
# is drawn.
_PIXELS = """async ([element, scale]) => {
  let img = element;
  if (element.tagName !== "IMG") {
    const xml = new XMLSerializer().serializeToString(element.querySelector("svg"));
    img = new Image();
    img.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(xml)));
    await img.decode();
  }
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth * scale; canvas.height = img.naturalHeight * scale;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff"; context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(img, 0, 0, canvas.width, canvas.height);
  const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const grey = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4];
  let text = ""; for (let i = 0; i < grey.length; i += 8192) text += String.fromCharCode.apply(null, grey.subarray(i, i + 8192));
  return {width: canvas.width, height: canvas.height, pixels: btoa(text)};
}"""


def grey_pixels(locator, scale: int = 1) -> tuple[int, int, bytes]:
    """(width, height, grey bytes) of the image (or the inline SVG inside) `locator` shows."""
    import base64

    drawn = locator.evaluate("(element, scale) => (" + _PIXELS + ")([element, scale])", scale)
    return drawn["width"], drawn["height"], base64.b64decode(drawn["pixels"])


def decoded(width: int, height: int, pixels: bytes) -> list[tuple[str, str]]:
    """The barcodes zxing reads in the grey pixels: (format, text), sorted."""
    import zxingcpp

    found = zxingcpp.read_barcodes(memoryview(pixels).cast("B", (height, width)), text_mode=zxingcpp.TextMode.Plain)
    return sorted((b.format.name, b.text) for b in found)
