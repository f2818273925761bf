"""Driving handheld screens with the Flask client as the handheld does: type into the screen's scan form (its
`hx-post` and hidden fields, as rendered) and press Enter, with a fresh scan id like static/scan.js gives."""
from __future__ import annotations

import html
import itertools
import re

HX = {"HX-Request": "true"}
_SCAN_FORM = re.compile(r'<form class="scan" hx-post="([^"]+)".*?</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_IDS = itertools.count(1)


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def scan_form(response) -> tuple[str, dict]:
    """The URL the screen's scan form posts to and its hidden fields."""
    found = _SCAN_FORM.search(response.get_data(as_text=True))
    assert found, f"no scan form on the screen:\n{page(response)[:2000]}"
    fields = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(found.group(0))}
    return html.unescape(found.group(1)), fields


def scan_fields(response) -> dict:
    """The hidden fields of the screen's scan form: the state the next scan is posted with."""
    return scan_form(response)[1]


def scan(client, response, code: str, **extra):
    """Type `code` into the scan form of the screen `response` answered, press Enter: the next answer. `extra`:
    fields sent too, or instead (`scan_id="same"` for a resend)."""
    url, fields = scan_form(response)
    return client.post(url, data={**fields, "scan": code, "scan_id": f"t-{next(_IDS)}", **extra}, headers=HX)


def opened(client, response):
    """Follow an HX-Redirect (the menu, a wave chosen) as htmx does."""
    target = response.headers.get("HX-Redirect")
    return client.get(target) if target else response


_BUTTON_FORM = re.compile(r'<form hx-post="([^"]+)"[^>]*>(.*?)</form>', re.S)


def press(client, response, action: str = "", *, choice: dict | None = None, **extra):
    """Tap the screen's post button whose form posts to a URL ending in `action` and, with `choice`, carries those
    hidden fields (`{"action": "finish"}`, a task to take): posted with its hidden fields and `extra`."""
    wanted = {name: str(value) for name, value in (choice or {}).items()}
    for url, body in _BUTTON_FORM.findall(response.get_data(as_text=True)):
        fields = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(body)}
        if html.unescape(url).endswith(action) and wanted.items() <= fields.items():
            return client.post(html.unescape(url), data={**fields, "scan_id": f"t-{next(_IDS)}", **extra},
                               headers=HX)
    raise AssertionError(f"no button posting to …{action} with {wanted} on the screen:\n{page(response)[:2000]}")
